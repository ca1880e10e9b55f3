/**
 * RFC 4724 §3/§4.1: the Restart State (R) bit, and the Forwarding State (F) bits with it, belong to the OPENs
 * ternd sends while it restarts. Once its restart is over (selection deferral ended), every later OPEN
 * clears them: on a session re-established afterwards, and on one established for the first time afterwards,
 * configured or from a listen range.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeMessage, endOfRibMessage, makeContext, openCapabilities, type Capability, type GracefulRestartCap, type OpenMessage, type UpdateMessage,
} from '../../src/bgp/wire/index.js';
import { inProcessDaemon } from '../helpers/daemon.js';
import { scriptedPeer, type Scripted } from '../helpers/scripted-peer.js';
import { until } from '../helpers/until.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const GR: Capability = { code: 64, name: 'graceful-restart', restartState: false, notification: false, flags: 0, restartTime: 120, families: [{ afi: 1, safi: 1, flags: 0x80, forwarding: true }] };


/** R and the F bits of the graceful-restart capability in the OPEN ternd sent to this scripted peer. */
async function restartBits(p: Scripted): Promise<{ r: boolean; f: boolean[] }> {
  const open = await until('ternd\'s OPEN', () => p.received.find((m) => m.message.type === 'OPEN')?.message as OpenMessage | undefined);
  const gr = openCapabilities(open).find((c): c is GracefulRestartCap => c.code === 64);
  if (!gr) throw new Error('ternd sent no graceful-restart capability');
  return { r: gr.restartState, f: gr.families.map((x) => x.forwarding) };
}

/** Connect as `local` until ternd takes the connection (a passive peer refuses while it waits to restart). */
async function connectWhenAccepted(local: string, port: number, asn: number, caps: readonly Capability[] = []): Promise<Scripted> {
  for (let attempt = 0; ; attempt++) {
    const p = await scriptedPeer(local, port, asn, 90, caps);
    cleanups.push(() => void p.socket.destroy());
    const taken = await until('an OPEN or a close', () => (p.received.some((m) => m.message.type === 'OPEN') ? 'open' : p.socket.destroyed || p.socket.readableEnded ? 'closed' : undefined), 5000);
    if (taken === 'open') return p;
    if (attempt > 50) throw new Error(`ternd kept refusing ${local}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const isEndOfRib = (m: { message: { type: string } }): boolean =>
  m.message.type === 'UPDATE' && (m.message as UpdateMessage).attributes.length === 0 && (m.message as UpdateMessage).nlri.count === 0;

describe('the R and F bits after a restart', { timeout: 30_000 }, () => {
  it('are set on OPENs during the restart and cleared on every OPEN once it is over', async () => {
    const { daemon, port } = await inProcessDaemon(`
families: [ipv4-unicast]
gracefulRestart: { enabled: true, restartTime: 20 }
peers:
  - { address: 127.0.0.7, remoteAs: 65007, passive: true, connectRetryTime: 1 }
listenRanges:
  - { prefix: 127.0.1.0/24, remoteAs: [65100] }
`, { restarting: true });
    cleanups.push(() => daemon.stop({ graceful: false }));
    const configured = () => daemon.speaker.peer('127.0.0.7')!;

    // During the restart: the configured helper and a dynamic peer both see R and F.
    const helper = await connectWhenAccepted('127.0.0.7', port, 65007, [GR]);
    await until('the helper Established', () => configured().state === 'Established');
    const early = await connectWhenAccepted('127.0.1.1', port, 65100);
    expect(await restartBits(helper)).toEqual({ r: true, f: [true] });
    expect(await restartBits(early)).toEqual({ r: true, f: [true] });

    // The helper's End-of-RIB ends the selection deferral: the restart is over, ternd sends its End-of-RIB.
    const ctx = makeContext({});
    helper.socket.write(encodeMessage(endOfRibMessage(1, 1, ctx), ctx));
    await until('ternd\'s End-of-RIB to the helper', () => helper.received.some(isEndOfRib));
    expect(daemon.speaker.allPeers().every((p) => p.settings.fsm.offer.gracefulRestart?.restarting === false)).toBe(true);

    // A session first established afterwards (a new dynamic peer) sees neither bit.
    const late = await connectWhenAccepted('127.0.1.2', port, 65100);
    expect(await restartBits(late)).toEqual({ r: false, f: [false] });

    // The helper's session breaks and comes back: its new OPEN sees neither bit either.
    helper.socket.destroy();
    await until('the helper session down', () => configured().state !== 'Established');
    const again = await connectWhenAccepted('127.0.0.7', port, 65007, [GR]);
    expect(await restartBits(again)).toEqual({ r: false, f: [false] });
    await until('the helper Established again', () => configured().state === 'Established');
  });

  it('are never set by a daemon that did not restart', async () => {
    const { daemon, port } = await inProcessDaemon(`
families: [ipv4-unicast]
gracefulRestart: { enabled: true, restartTime: 20 }
peers:
  - { address: 127.0.0.7, remoteAs: 65007, passive: true }
`);
    cleanups.push(() => daemon.stop({ graceful: false }));
    const p = await connectWhenAccepted('127.0.0.7', port, 65007, [GR]);
    expect(await restartBits(p)).toEqual({ r: false, f: [false] });
  });
});
