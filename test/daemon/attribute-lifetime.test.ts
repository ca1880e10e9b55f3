/**
 * Attribute sets live as long as something holds them: a path, or an update group that still advertises the
 * set exported from them. A table whose sets change round after round must not grow the attribute store:
 * the export verdicts and encodings of the groups let go of a set the store dropped, once the burst is over.
 */
import { describe, expect, it } from 'vitest';
import {
  attribute, encodeAttributesForPacking, IPV4_UNICAST, packAnnouncements, packWithdrawals, type CodecContext,
} from '../../src/bgp/wire/index.js';
import { scratchExchange } from '../../src/daemon/scratch-exchange.js';

/** `sets` UPDATEs of 10 prefixes each, set k with AS path [64501, base + k]. */
function table(sets: number, base: number, ctx: CodecContext): { announce: Uint8Array; withdraw: Uint8Array } {
  const n = sets * 10;
  const words = new Uint32Array(n);
  for (let i = 0; i < n; i++) words[i] = ((10 << 24) | (i << 8)) >>> 0;
  const lengths = new Uint8Array(n).fill(24);
  const parts: Uint8Array[] = [];
  for (let k = 0; k < sets; k++) {
    const attrs = encodeAttributesForPacking([
      attribute({ type: 'origin', origin: 'igp' }), attribute({ type: 'as-path', segments: [{ type: 'sequence', asns: [64501, base + k] }] }),
      attribute({ type: 'next-hop', nextHop: '192.0.2.2' }),
    ], ctx);
    parts.push(packAnnouncements({ family: IPV4_UNICAST, count: 10, words: words.subarray(k * 10, k * 10 + 10), lengths: lengths.subarray(k * 10, k * 10 + 10) }, attrs, ctx).bytes);
  }
  const announce = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  parts.reduce((at, p) => (announce.set(p, at), at + p.length), 0);
  return { announce, withdraw: packWithdrawals({ family: IPV4_UNICAST, count: n, words, lengths }, ctx).bytes };
}

describe('attribute set lifetime', () => {
  it('a table under new sets each round, announced and withdrawn, leaves the store empty every time', () => {
    const { exchange, rib, ctx, deliver, clock, sent } = scratchExchange(0);
    for (let round = 0; round < 4; round++) {
      const t = table(50, 65000 + round * 100, ctx);
      deliver(t.announce);
      expect(rib.size('ipv4-unicast')).toBe(500);
      // Each received set and the set exported from it to the eBGP peer.
      expect(exchange.store.size).toBe(100);
      deliver(t.withdraw);
      expect(rib.size('ipv4-unicast')).toBe(0);
      // The received sets are gone at once; the groups let go of the exported ones once the burst is over.
      expect(exchange.store.size).toBe(50);
      clock.advance(100);
      expect(exchange.store.size).toBe(0);
    }
    // The receiving peer heard every set of every round: 50 UPDATEs, then the withdrawals.
    expect(sent().updates).toBeGreaterThanOrEqual(4 * 51);
  });

  it('a set still advertised stays the one object for its content: replaced and back, announced once each time', () => {
    const { ctx, deliver, sent } = scratchExchange(0);
    const a = table(1, 65010, ctx);
    const b = table(1, 65020, ctx);
    deliver(a.announce);
    const afterA = sent().updates;
    deliver(b.announce); // the same 10 prefixes under another set: A's received set is dropped
    const afterB = sent().updates;
    expect(afterB).toBe(afterA + 1);
    deliver(a.announce); // A again: a new received set, exported to a new content-equal set
    expect(sent().updates).toBe(afterB + 1);
    deliver(a.announce); // unchanged: nothing to send
    expect(sent().updates).toBe(afterB + 1);
  });
});
