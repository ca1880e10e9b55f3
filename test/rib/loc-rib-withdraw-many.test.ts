import { describe, expect, it } from 'vitest';
import { ipv4Key } from '../../src/common/prefix-key.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { DEFAULT_DECISION } from '../../src/rib/types.js';
import { pathFixtures } from '../helpers/paths.js';
import { rng } from '../helpers/rng.js';

const V4 = 'ipv4-unicast' as const;

describe('LocRib.withdrawMany (the withdrawal hot path)', () => {
  it('does what withdrawAt does slot by slot: same paths removed, same changes queued, same sets handed back', () => {
    const { attrs, peer } = pathFixtures();
    const peers = [peer('10.0.0.2', 65002), peer('10.0.0.3', 65003), peer('10.0.0.4', 65001, { ibgp: true })];
    // A set that makes the path ineligible (AS-path loop through our own AS): removed without a queued change.
    const sets = [attrs(), attrs({ med: 5 }), attrs({ asPath: [{ type: 'sequence', asns: [65002, 65001] }] })];
    const make = () => new LocRib({ decision: { ...DEFAULT_DECISION, maxPaths: 2 }, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1' });
    const one = make();
    const many = make();
    const next = rng(42);
    const N = 300;
    for (let round = 0; round < 40; round++) {
      // Announce into both alike: several peers per prefix now and then (entries), several path ids.
      for (let k = 0; k < 200; k++) {
        const p = peers[Math.floor(next() * peers.length)]!;
        const prefix = ((10 << 24) | (Math.floor(next() * N) << 8)) >>> 0;
        const a = sets[Math.floor(next() * sets.length)]!;
        const id = next() < 0.8 ? 0 : 1;
        one.announceAt(V4, one.slotOf(V4, ipv4Key(prefix, 24), true), p, id, a, 0);
        many.announceAt(V4, many.slotOf(V4, ipv4Key(prefix, 24), true), p, id, a, 0);
      }
      expect(one.takeChangedSlots(V4)).toEqual(many.takeChangedSlots(V4));
      // Withdraw a batch from one peer, some of it not held, not from this peer, or with another path id.
      const from = peers[Math.floor(next() * peers.length)]!;
      const n = 1 + Math.floor(next() * 120);
      const slots = new Int32Array(n);
      const ids = new Uint32Array(n);
      for (let j = 0; j < n; j++) {
        const prefix = ((10 << 24) | (Math.floor(next() * (N + 20)) << 8)) >>> 0;
        slots[j] = many.slotOf(V4, ipv4Key(prefix, 24), false);
        ids[j] = next() < 0.8 ? 0 : 1;
      }
      const expected = Array.from(slots, (s, j) => (s < 0 ? undefined : one.withdrawAt(V4, s, from.key, ids[j]!)));
      const removed = new Uint32Array(n);
      many.withdrawMany(V4, slots, ids, n, from.key, removed);
      const got = Array.from(removed, (id) => (id === 0 ? undefined : many.attributeIds.get(id)));
      expect(got).toEqual(expected);
      removed.forEach((id) => id !== 0 && many.attributeIds.release(id));
      // An Adj-RIB-Out letting go of a slot before the change is taken must not free it (it is queued).
      for (const s of slots) {
        if (s < 0) continue;
        for (const rib of [one, many]) {
          rib.hold(V4, s);
          rib.unhold(V4, s);
        }
      }
      expect(many.retired).toBe(one.retired);
      const q1 = one.takeChangedSlots(V4);
      const q2 = many.takeChangedSlots(V4);
      expect(q2).toEqual(q1);
      one.collect(V4, q1);
      many.collect(V4, q2);
      expect(many.size(V4)).toBe(one.size(V4));
      expect(many.retired).toBe(one.retired);
      expect(many.attributeIds.size).toBe(one.attributeIds.size);
    }
    expect(one.size(V4)).toBeGreaterThan(0);
  });
});
