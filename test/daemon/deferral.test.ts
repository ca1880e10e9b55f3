/**
 * RFC 4724 §4.1 on ternd's own restart: it holds its routes back until its graceful-restart helpers have
 * sent End-of-RIB, then sends each of them the whole table and End-of-RIB.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildUpdate, encodeMessage, endOfRibMessage, findAttribute, makeContext, prefixStrings, type Capability, type UpdateMessage } from '../../src/bgp/wire/index.js';
import { inProcessDaemon } from '../helpers/daemon.js';
import { scriptedPeer } from '../helpers/scripted-peer.js';
import { until } from '../helpers/until.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const GR: Capability = { code: 64, name: 'graceful-restart', restartState: false, notification: false, flags: 0, restartTime: 120, families: [{ afi: 1, safi: 1, flags: 0x80, forwarding: true }] };


describe('selection deferral after a restart', { timeout: 30_000 }, () => {
  it('sends nothing until every helper sent End-of-RIB, then the full table and End-of-RIB', async () => {
    const { daemon, port } = await inProcessDaemon(`
families: [ipv4-unicast]
ebgpRequiresPolicy: false   # eBGP without policy passes routes (RFC 8212 relaxed)
gracefulRestart: { enabled: true, restartTime: 20 }
staticRoutes: [{ prefix: 10.200.0.0/24 }]
peers:
  - { address: 127.0.0.7, remoteAs: 65007, passive: true }
  - { address: 127.0.0.8, remoteAs: 65008, passive: true }
`, { restarting: true });
    cleanups.push(() => daemon.stop({ graceful: false }));
    const a = await scriptedPeer('127.0.0.7', port, 65007, 90, [GR]);
    const b = await scriptedPeer('127.0.0.8', port, 65008, 90, [GR]);
    cleanups.push(() => void a.socket.destroy(), () => void b.socket.destroy());
    await until('both Established', () => daemon.speaker.allPeers().every((p) => p.state === 'Established'));

    const ctx = makeContext({});
    a.socket.write(encodeMessage(buildUpdate({ nlri: ['10.7.0.0/24'], attributes: [{ type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [{ type: 'sequence', asns: [65007] }] }, { type: 'next-hop', nextHop: '127.0.0.7' }] }, ctx), ctx));
    a.socket.write(encodeMessage(endOfRibMessage(1, 1, ctx), ctx));
    await new Promise((r) => setTimeout(r, 500));
    const updates = (p: typeof a) => p.received.filter((r) => r.message.type === 'UPDATE').map((r) => r.message as UpdateMessage);
    // b has not sent End-of-RIB yet: nobody has heard a single route from the restarted ternd.
    expect(updates(a)).toEqual([]);
    expect(updates(b)).toEqual([]);

    b.socket.write(encodeMessage(endOfRibMessage(1, 1, ctx), ctx));
    await until('b gets the table and End-of-RIB', () => updates(b).some((u) => u.attributes.length === 0 && u.nlri.count === 0));
    const toB = updates(b);
    const announced = toB.flatMap((u) => prefixStrings(u.nlri)).sort();
    expect(announced).toEqual(['10.200.0.0/24', '10.7.0.0/24']);
    expect(toB[toB.length - 1]!.attributes).toEqual([]); // End-of-RIB last
    const fromA = toB.find((u) => prefixStrings(u.nlri).includes('10.7.0.0/24'))!;
    expect(findAttribute(fromA, 'as-path')?.segments).toEqual([{ type: 'sequence', asns: [65001, 65007] }]);
    await until('a gets its End-of-RIB too', () => updates(a).some((u) => u.attributes.length === 0 && u.nlri.count === 0));
  });
});
