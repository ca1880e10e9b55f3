/**
 * One peer sending a full table must not starve the others: while a scripted peer floods ternd with
 * 300,000 prefixes, another peer with a 3-second hold time keeps hearing from ternd well within it.
 * The daemon runs in-process with its real RIB; the peers are scripted over loopback (127.0.0.0/8 only).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  attribute, encodeAttributesForPacking, encodeMessage, IPV4_UNICAST, KEEPALIVE, makeContext, packAnnouncements,
} from '../../src/bgp/wire/index.js';
import { inProcessDaemon } from '../helpers/daemon.js';
import { scriptedPeer } from '../helpers/scripted-peer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('a flood from one peer', { timeout: 60_000 }, () => {
  it('does not delay keepalives to another peer', async () => {
    const { daemon, port } = await inProcessDaemon(`
families: [ipv4-unicast]
ebgpRequiresPolicy: false   # eBGP without policy passes routes (RFC 8212 relaxed)
peers:
  - { address: 127.0.0.5, remoteAs: 65005, passive: true }
  - { address: 127.0.0.6, remoteAs: 65006, passive: true, holdTime: 3 }
`);
    cleanups.push(() => daemon.stop({ graceful: false }));

    const quiet = await scriptedPeer('127.0.0.6', port, 65006, 3);
    cleanups.push(() => void quiet.socket.destroy());
    const ka = setInterval(() => quiet.socket.write(encodeMessage(KEEPALIVE, makeContext({}))), 1000);
    cleanups.push(() => clearInterval(ka));
    const flood = await scriptedPeer('127.0.0.5', port, 65005, 90);
    cleanups.push(() => void flood.socket.destroy());
    const start = Date.now();
    while (daemon.speaker.allPeers().some((p) => p.state !== 'Established')) {
      if (Date.now() - start > 10_000) throw new Error('sessions did not come up');
      await new Promise((r) => setTimeout(r, 20));
    }

    const n = 300_000;
    const words = new Uint32Array(n);
    const lengths = new Uint8Array(n).fill(24);
    for (let i = 0; i < n; i++) words[i] = (((11 + (i >>> 16)) << 24) | ((i & 0xffff) << 8)) >>> 0; // distinct /24s
    const ctx = makeContext({});
    const attrs = encodeAttributesForPacking([
      attribute({ type: 'origin', origin: 'igp' }),
      attribute({ type: 'as-path', segments: [{ type: 'sequence', asns: [65005] }] }),
      attribute({ type: 'next-hop', nextHop: '127.0.0.5' }),
    ], ctx);
    const packed = packAnnouncements({ family: IPV4_UNICAST, count: n, words, lengths }, attrs, ctx);
    const floodStart = Date.now();
    flood.socket.write(packed.bytes);

    // Wait until ternd holds them all and has passed them on to the quiet peer.
    while (daemon.rib.size('ipv4-unicast') < n || Date.now() - floodStart < 4000) {
      if (Date.now() - floodStart > 40_000) throw new Error(`only ${daemon.rib.size('ipv4-unicast')} prefixes after 40 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const fromTern = quiet.received.filter((r) => r.at >= floodStart);
    const gaps = fromTern.slice(1).map((r, i) => r.at - fromTern[i]!.at);
    expect(quiet.received.some((r) => r.message.type === 'NOTIFICATION')).toBe(false);
    expect(daemon.speaker.peer('127.0.0.6')!.state).toBe('Established');
    expect(fromTern.some((r) => r.message.type === 'UPDATE')).toBe(true);
    // Keepalives every second (hold 3 s / 3): no silence anywhere near the hold time.
    expect(Math.max(...gaps)).toBeLessThan(2500);
  });
});
