import { describe, expect, it } from 'vitest';
import { ipv4Key } from '../../src/common/prefix-key.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { DEFAULT_DECISION } from '../../src/rib/types.js';
import { pathFixtures } from '../helpers/paths.js';

const V4 = 'ipv4-unicast' as const;
const prefix = (i: number): number => ipv4Key(((10 << 24) | (i << 8)) >>> 0, 24);

describe('LocRib path identifiers of inline paths (kept only once one is not 0)', () => {
  it('tells path ids apart before and after the first non-zero one, and keeps them as the table grows', () => {
    const { attrs, peer } = pathFixtures();
    const from = peer('10.0.0.2', 65002);
    const rib = new LocRib({ decision: DEFAULT_DECISION, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1' });
    const a = attrs();
    const slotOf = (i: number): number => rib.slotOf(V4, prefix(i), true);
    // Id 0 only: a withdrawal under another id removes nothing.
    rib.announceAt(V4, slotOf(0), from, 0, a, 0);
    expect(rib.withdrawAt(V4, slotOf(0), from.key, 5)).toBeUndefined();
    expect(rib.get(V4, prefix(0))?.paths.map((p) => p.pathId)).toEqual([0]);
    // The first non-zero id, then enough prefixes that the slot arrays grow (they start at 1024).
    rib.announceAt(V4, slotOf(1), from, 7, a, 0);
    for (let i = 2; i < 3000; i++) rib.announceAt(V4, slotOf(i), from, i % 3, a, 0);
    expect(rib.get(V4, prefix(1))?.paths.map((p) => p.pathId)).toEqual([7]);
    expect(rib.get(V4, prefix(2999))?.paths.map((p) => p.pathId)).toEqual([2999 % 3]);
    expect(rib.get(V4, prefix(0))?.paths.map((p) => p.pathId)).toEqual([0]);
    expect(rib.withdrawAt(V4, slotOf(1), from.key, 0)).toBeUndefined();
    expect(rib.withdrawAt(V4, slotOf(1), from.key, 7)).toBe(a);
    expect(rib.withdrawAt(V4, slotOf(2998), from.key, 2998 % 3)).toBe(a);
  });
});
