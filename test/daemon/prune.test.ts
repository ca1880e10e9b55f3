/**
 * Withdrawn prefixes leave the Loc-RIB's prefix table after the burst (LocRib.prune, scheduled by
 * RouteExchange), not during it: a full withdrawal through the real daemon ends with an empty table, and the
 * same prefixes announced again afterwards are held and passed on as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  attribute, encodeAttributesForPacking, IPV4_UNICAST, makeContext, packAnnouncements, packWithdrawals,
} from '../../src/bgp/wire/index.js';
import { inProcessDaemon } from '../helpers/daemon.js';
import { scriptedPeer } from '../helpers/scripted-peer.js';
import { until } from '../helpers/until.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});


describe('retired prefix slots', { timeout: 60_000 }, () => {
  it('are pruned once a full withdrawal is over, and the prefixes can come back', async () => {
    const { daemon, port } = await inProcessDaemon(`
families: [ipv4-unicast]
ebgpRequiresPolicy: false
peers:
  - { address: 127.0.0.7, remoteAs: 65007, passive: true }
  - { address: 127.0.0.8, remoteAs: 65008, passive: true }
`);
    cleanups.push(() => daemon.stop({ graceful: false }));
    const source = await scriptedPeer('127.0.0.7', port, 65007, 90);
    cleanups.push(() => void source.socket.destroy());
    const sink = await scriptedPeer('127.0.0.8', port, 65008, 90);
    cleanups.push(() => void sink.socket.destroy());
    await until('sessions', () => daemon.speaker.allPeers().every((p) => p.state === 'Established'));

    const n = 40_000;
    const words = new Uint32Array(n);
    for (let i = 0; i < n; i++) words[i] = ((12 << 24) | (i << 8)) >>> 0;
    const batch = { family: IPV4_UNICAST, count: n, words, lengths: new Uint8Array(n).fill(24) };
    const ctx = makeContext({});
    const attrs = encodeAttributesForPacking([
      attribute({ type: 'origin', origin: 'igp' }),
      attribute({ type: 'as-path', segments: [{ type: 'sequence', asns: [65007] }] }),
      attribute({ type: 'next-hop', nextHop: '127.0.0.7' }),
    ], ctx);
    const table = daemon.rib.prefixes('ipv4-unicast');

    source.socket.write(packAnnouncements(batch, attrs, ctx).bytes);
    await until('the table', () => daemon.rib.size('ipv4-unicast') === n);
    source.socket.write(packWithdrawals(batch, ctx).bytes);
    await until('the withdrawal', () => daemon.rib.size('ipv4-unicast') === 0);
    // The slots are given back after the burst.
    await until('the prune', () => table.size === 0);
    expect(daemon.rib.retired).toBe(0);

    source.socket.write(packAnnouncements(batch, attrs, ctx).bytes);
    await until('the table again', () => daemon.rib.size('ipv4-unicast') === n && table.size === n);
    expect(daemon.rib.get('ipv4-unicast', (((12 << 24) | (7 << 8)) >>> 0) * 64 + 24)?.best?.peer?.key).toBe('127.0.0.7');
  });
});
