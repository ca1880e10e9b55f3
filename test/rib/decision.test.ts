import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asPathLength, neighbourAs } from '../../src/rib/as-path.js';
import { addressSortKey, comparePaths, DECISION_STEPS, isEligible, selectBest, stepNumber } from '../../src/rib/decision.js';
import { DEFAULT_DECISION, type AsPathSegment, type DecisionOptions, type DecisionStep, type Path, type PathAttributes, type PeerRef } from '../../src/rib/types.js';

// ---- factory --------------------------------------------------------------------------------------------

const LOCAL_AS = 65001;

interface Spec {
  /** eBGP peer AS (default 65002), or 'ibgp', or 'local' (no peer). */
  from?: number | 'ibgp' | 'local';
  address?: string;
  routerId?: string;
  peer?: Partial<PeerRef>;
  attrs?: Partial<PathAttributes>;
  /** Shorthand for attrs.asPath as one sequence. */
  asns?: readonly number[];
  pathId?: number;
  igpCost?: number;
  stale?: boolean;
}

function mkPeer(spec: Spec): PeerRef | undefined {
  if (spec.from === 'local') return undefined;
  const ibgp = spec.from === 'ibgp';
  const address = spec.address ?? '192.0.2.2';
  return {
    key: address, address, addressKey: address, asn: ibgp ? LOCAL_AS : typeof spec.from === 'number' ? spec.from : 65002, localAs: LOCAL_AS,
    routerId: spec.routerId ?? address, ibgp, rrClient: false, ...spec.peer,
  };
}

function mk(spec: Spec = {}): Path {
  const peer = mkPeer(spec);
  const defaultAsns = spec.from === 'local' ? [] : spec.from === 'ibgp' ? [65002] : [typeof spec.from === 'number' ? spec.from : 65002];
  const asPath: AsPathSegment[] = (spec.asns ?? defaultAsns).length > 0 ? [{ type: 'sequence', asns: spec.asns ?? defaultAsns }] : [];
  const attrs: PathAttributes = {
    origin: 0, asPath, nextHop: '192.0.2.2', atomicAggregate: false, communities: [], largeCommunities: [],
    extendedCommunities: [], clusterList: [], unknown: [], ...spec.attrs,
  };
  return {
    family: 'ipv4-unicast', prefix: 0, pathId: spec.pathId ?? 0, attrs, source: peer ? 'bgp' : 'static', peer,
    stale: spec.stale ?? false, receivedAt: 0, ...(spec.igpCost !== undefined ? { igpCost: spec.igpCost } : {}),
  };
}

const opts = (over: Partial<DecisionOptions> = {}): DecisionOptions => ({ ...DEFAULT_DECISION, ...over });

/** comparePaths in both argument orders. */
function expectWins(winner: Path, loser: Path, step: DecisionStep, o: DecisionOptions = DEFAULT_DECISION): void {
  expect(comparePaths(winner, loser, o)).toEqual({ winner: 'a', step });
  expect(comparePaths(loser, winner, o)).toEqual({ winner: 'b', step });
}

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

// ---- comparePaths ---------------------------------------------------------------------------------------

describe('comparePaths: one fixture per step (winner worse at every later step)', () => {
  // In every fixture the loser is better at the later steps, so the step under test is what decides.
  const fixtures: [number, DecisionStep, Path, Path][] = [
    [1, 'local-pref',
      mk({ attrs: { localPref: 200, origin: 2 }, asns: [65002, 65010, 65011], address: '192.0.2.9' }),
      mk({ attrs: { localPref: 150 }, asns: [65002], address: '192.0.2.1' })],
    [2, 'as-path-length',
      mk({ asns: [65002, 65010], attrs: { origin: 2, med: 50 }, address: '192.0.2.9' }),
      mk({ asns: [65002, 65010, 65011], attrs: { med: 0 }, address: '192.0.2.1' })],
    [3, 'origin',
      mk({ attrs: { origin: 1, med: 50 }, address: '192.0.2.9' }),
      mk({ attrs: { origin: 2, med: 0 }, address: '192.0.2.1' })],
    [4, 'med',
      mk({ attrs: { med: 5 }, from: 'ibgp', asns: [65002], address: '10.0.0.9', igpCost: 50 }),
      mk({ attrs: { med: 10 }, asns: [65002], address: '192.0.2.1', igpCost: 1 })],
    [5, 'ebgp-over-ibgp',
      mk({ address: '192.0.2.9', igpCost: 50 }),
      mk({ from: 'ibgp', address: '10.0.0.1', igpCost: 1 })],
    [6, 'igp-cost',
      mk({ from: 'ibgp', address: '10.0.0.9', igpCost: 10 }),
      mk({ from: 'ibgp', address: '10.0.0.1', igpCost: 20 })],
    [7, 'router-id',
      mk({ routerId: '10.0.0.2', address: '192.0.2.9', attrs: { clusterList: ['1.1.1.1', '2.2.2.2'] } }),
      mk({ routerId: '10.0.0.10', address: '192.0.2.1' })],
    [8, 'cluster-list-length',
      mk({ from: 'ibgp', address: '10.0.0.9', attrs: { originatorId: '10.9.9.9', clusterList: ['1.1.1.1'] } }),
      mk({ from: 'ibgp', address: '10.0.0.1', attrs: { originatorId: '10.9.9.9', clusterList: ['1.1.1.1', '2.2.2.2'] } })],
    [9, 'peer-address',
      mk({ routerId: '10.9.9.9', address: '192.0.2.9', pathId: 7 }),
      mk({ routerId: '10.9.9.9', address: '192.0.2.10', pathId: 1 })],
    [10, 'path-id',
      mk({ pathId: 1 }),
      mk({ pathId: 2 })],
  ];

  it.each(fixtures)('step %i %s decides, in both argument orders', (n, step, winner, loser) => {
    expect(stepNumber(step)).toBe(n);
    expect(DECISION_STEPS[n]).toBe(step);
    expectWins(winner, loser, step);
  });

  it('returns shared frozen results instead of allocating', () => {
    const [, , a, b] = fixtures[0]!;
    const r = comparePaths(a, b, DEFAULT_DECISION);
    expect(Object.isFrozen(r)).toBe(true);
    expect(comparePaths(a, b, DEFAULT_DECISION)).toBe(r);
  });

  it('gives a full tie (the same source twice) to the first argument', () => {
    const a = mk();
    const b = mk();
    expect(comparePaths(a, b, DEFAULT_DECISION)).toEqual({ winner: 'a', step: 'path-id' });
    expect(comparePaths(b, a, DEFAULT_DECISION)).toEqual({ winner: 'a', step: 'path-id' });
  });
});

describe('step 1 local-pref', () => {
  it('counts a missing LOCAL_PREF as 100', () => {
    expectWins(mk({ asns: [65002, 65003] }), mk({ attrs: { localPref: 99 } }), 'local-pref');
    expectWins(mk({ attrs: { localPref: 101 }, asns: [65002, 65003] }), mk(), 'local-pref');
    // 100 and missing tie at step 1, so step 2 decides.
    expectWins(mk({ attrs: { localPref: 100 } }), mk({ asns: [65002, 65003] }), 'as-path-length');
  });
});

describe('step 2 as-path-length', () => {
  it('counts a set as 1 and confederation segments as 0', () => {
    const withSet = mk({ attrs: { asPath: [{ type: 'sequence', asns: [65002] }, { type: 'set', asns: [1, 2, 3, 4] }] } });
    expectWins(withSet, mk({ asns: [65002, 65003, 65004] }), 'as-path-length');
    const confed = mk({ from: 'ibgp', attrs: { asPath: [{ type: 'confed-sequence', asns: [64512, 64513, 64514] }, { type: 'sequence', asns: [65002] }] } });
    expectWins(confed, mk({ from: 'ibgp', asns: [65002, 65003], address: '10.0.0.1' }), 'as-path-length');
  });
});

describe('step 4 med', () => {
  const fromAs2 = mk({ asns: [65002, 65010], attrs: { med: 100 }, routerId: '10.0.0.1', address: '192.0.2.2' });
  const fromAs3 = mk({ from: 65003, asns: [65003, 65010], attrs: { med: 5 }, routerId: '10.0.0.2', address: '192.0.2.3' });

  it('is not compared across neighbouring ASes by default', () => {
    expectWins(fromAs2, fromAs3, 'router-id');
  });

  it('is compared across neighbouring ASes with alwaysCompareMed', () => {
    expectWins(fromAs3, fromAs2, 'med', opts({ alwaysCompareMed: true }));
  });

  it('uses the neighbouring AS of the AS path, not the peer AS', () => {
    // Two iBGP peers relaying routes of the same neighbouring AS: comparable.
    const a = mk({ from: 'ibgp', asns: [65002], attrs: { med: 5 }, address: '10.0.0.9' });
    const b = mk({ from: 'ibgp', asns: [65002], attrs: { med: 10 }, address: '10.0.0.1' });
    expectWins(a, b, 'med');
  });

  it('counts paths without a neighbouring AS (local, iBGP-originated) as one AS', () => {
    const a = mk({ from: 'ibgp', asns: [], attrs: { med: 5 }, address: '10.0.0.9' });
    const b = mk({ from: 'ibgp', asns: [], attrs: { med: 10 }, address: '10.0.0.1' });
    expectWins(a, b, 'med');
  });

  it('counts a missing MED as 0, or as worse than any MED with missingMedAsWorst', () => {
    const none = mk({ address: '192.0.2.9', routerId: '10.0.0.1' });
    const zero = mk({ attrs: { med: 0 }, address: '192.0.2.8', routerId: '10.0.0.1' });
    const max = mk({ attrs: { med: 0xffffffff }, address: '192.0.2.1', routerId: '10.0.0.1' });
    expectWins(none, max, 'med');
    expectWins(zero, none, 'peer-address'); // equal MED: decided later
    expectWins(max, none, 'med', opts({ missingMedAsWorst: true }));
    expectWins(zero, none, 'med', opts({ missingMedAsWorst: true }));
    expectWins(mk({ address: '192.0.2.1', routerId: '10.0.0.1' }), none, 'peer-address', opts({ missingMedAsWorst: true }));
  });
});

describe('step 5 ebgp-over-ibgp', () => {
  it('puts local routes before eBGP and iBGP paths', () => {
    const local = mk({ from: 'local' });
    expectWins(local, mk({ from: 'ibgp', asns: [], address: '10.0.0.1' }), 'ebgp-over-ibgp');
    expectWins(local, mk({ asns: [], address: '192.0.2.1' }), 'ebgp-over-ibgp');
    // With its usual empty AS path a local route wins at step 2 already; LOCAL_PREF can still outrank it.
    expectWins(local, mk(), 'as-path-length');
    expectWins(mk({ from: 'ibgp', attrs: { localPref: 200 } }), local, 'local-pref');
  });
});

describe('step 6 igp-cost', () => {
  it('is skipped unless both costs are known', () => {
    const a = mk({ from: 'ibgp', routerId: '10.0.0.1', address: '10.0.0.9', igpCost: 100 });
    const b = mk({ from: 'ibgp', routerId: '10.0.0.2', address: '10.0.0.1' });
    expectWins(a, b, 'router-id');
  });
});

describe('step 7 router-id (RFC 4456 §9)', () => {
  it('compares ids as unsigned 32-bit numbers', () => {
    expectWins(mk({ routerId: '9.255.255.255', address: '192.0.2.9' }), mk({ routerId: '10.0.0.0', address: '192.0.2.1' }), 'router-id');
    expectWins(mk({ routerId: '127.0.0.1', address: '192.0.2.9' }), mk({ routerId: '128.0.0.1', address: '192.0.2.1' }), 'router-id');
    expectWins(mk({ routerId: '200.0.0.1', address: '192.0.2.9' }), mk({ routerId: '255.255.255.255', address: '192.0.2.1' }), 'router-id');
  });

  it('uses the ORIGINATOR_ID instead of the peer router id when present', () => {
    const reflected = mk({ from: 'ibgp', routerId: '10.0.0.200', address: '10.0.0.9', attrs: { originatorId: '10.0.0.3' } });
    const direct = mk({ from: 'ibgp', routerId: '10.0.0.5', address: '10.0.0.1' });
    expectWins(reflected, direct, 'router-id');
    const reflected2 = mk({ from: 'ibgp', routerId: '10.0.0.1', address: '10.0.0.2', attrs: { originatorId: '10.0.0.7' } });
    expectWins(direct, reflected2, 'router-id');
  });
});

describe('step 9 peer-address', () => {
  it('orders numerically, IPv4 before IPv6', () => {
    const same = { routerId: '10.9.9.9' };
    expectWins(mk({ ...same, address: '10.0.0.9' }), mk({ ...same, address: '10.0.0.10' }), 'peer-address');
    expectWins(mk({ ...same, address: '255.255.255.255' }), mk({ ...same, address: '::1' }), 'peer-address');
    expectWins(mk({ ...same, address: '2001:db8::9' }), mk({ ...same, address: '2001:db8::10' }), 'peer-address');
    expectWins(mk({ ...same, address: 'fe80::1%eth1' }), mk({ ...same, address: 'fe80::2%eth0' }), 'peer-address');
  });

  it('ignores PeerRef.addressKey and computes the key from the address', () => {
    const a = mk({ routerId: '10.9.9.9', address: '10.0.0.9', peer: { addressKey: 'zzz' } });
    const b = mk({ routerId: '10.9.9.9', address: '10.0.0.10', peer: { addressKey: 'aaa' } });
    expectWins(a, b, 'peer-address');
  });
});

describe('addressSortKey', () => {
  it.each([
    ['192.0.2.1', '4c0000201'],
    ['0.0.0.0', '400000000'],
    ['::', `6${'0'.repeat(32)}`],
    ['2001:db8::1', '620010db8000000000000000000000001'],
    ['2001:DB8:0:0:0:0:0:1', '620010db8000000000000000000000001'],
    ['::ffff:192.0.2.1', '600000000000000000000ffffc0000201'],
    ['fe80::1%eth0', '6fe800000000000000000000000000001'],
    ['not an address', '~not an address'],
    ['1.2.3', '~1.2.3'],
    ['1::2::3', '~1::2::3'],
  ])('%s', (address, key) => {
    expect(addressSortKey(address)).toBe(key);
  });
});

// ---- selectBest -----------------------------------------------------------------------------------------

describe('selectBest', () => {
  it('handles no candidates and a single one', () => {
    expect(selectBest([], DEFAULT_DECISION)).toEqual({ best: undefined, multipath: [], decidedAt: undefined, steps: [] });
    const p = mk();
    expect(selectBest([p], DEFAULT_DECISION)).toEqual({ best: p, multipath: [p], decidedAt: 'only-path', steps: [] });
  });

  it('keeps stale paths (RFC 4724) in the decision', () => {
    const stale = mk({ stale: true, asns: [65002] });
    const fresh = mk({ address: '192.0.2.3', asns: [65002, 65003] });
    expect(selectBest([fresh, stale], DEFAULT_DECISION).best).toBe(stale);
  });

  it('reports for every other path the step at which it lost (4 paths), whatever the input order', () => {
    const best = mk({ routerId: '10.0.0.1', address: '192.0.2.1' });
    const lowPref = mk({ routerId: '10.0.0.2', address: '192.0.2.2', attrs: { localPref: 50 } });
    const longer = mk({ routerId: '10.0.0.3', address: '192.0.2.3', asns: [65002, 65003] });
    const higherId = mk({ routerId: '10.0.0.4', address: '192.0.2.4' });
    const expected = new Map<Path, DecisionStep>([[lowPref, 'local-pref'], [longer, 'as-path-length'], [higherId, 'router-id']]);
    for (const order of permutations([best, lowPref, longer, higherId])) {
      const s = selectBest(order, DEFAULT_DECISION);
      expect(s.best).toBe(best);
      expect(s.decidedAt).toBe('router-id');
      expect(s.steps.map((x) => x.path)).toEqual(order.filter((p) => p !== best));
      for (const { path, lostAt } of s.steps) expect(lostAt).toBe(expected.get(path));
      expect(s.multipath).toEqual([best]);
    }
  });

  it('follows the RFC elimination, not the input order, when MED makes pairwise comparison non-transitive', () => {
    // A cycle pairwise: C beats A on MED (same AS); A beats B at router-id; B beats C at router-id.
    // RFC 4271 §9.1.2.2 (c) removes A first (C has a lower MED in AS 65002), then B beats C.
    const a = mk({ asns: [65002], attrs: { med: 10 }, routerId: '10.0.0.1', address: '192.0.2.1' });
    const b = mk({ from: 65003, asns: [65003], routerId: '10.0.0.2', address: '192.0.2.2' });
    const c = mk({ asns: [65002], attrs: { med: 5 }, routerId: '10.0.0.3', address: '192.0.2.3' });
    expect(comparePaths(c, a, DEFAULT_DECISION)).toEqual({ winner: 'a', step: 'med' });
    expect(comparePaths(a, b, DEFAULT_DECISION)).toEqual({ winner: 'a', step: 'router-id' });
    expect(comparePaths(b, c, DEFAULT_DECISION)).toEqual({ winner: 'a', step: 'router-id' });
    for (const order of permutations([a, b, c])) {
      const s = selectBest(order, DEFAULT_DECISION);
      expect(s.best).toBe(b);
      expect(new Map(s.steps.map((x) => [x.path, x.lostAt]))).toEqual(new Map([[a, 'med'], [c, 'router-id']]));
      expect(s.decidedAt).toBe('router-id');
      // With relaxed multipath, the ECMP set is what survives step 6: B and C, never A.
      expect(selectBest(order, opts({ maxPaths: 4, multipathRelax: true })).multipath).toEqual([b, c]);
    }
  });
});

describe('selectBest: ECMP sets', () => {
  const as2a = mk({ asns: [65002, 65010], routerId: '10.0.0.1', address: '192.0.2.1' });
  const as2b = mk({ asns: [65002, 65010], routerId: '10.0.0.2', address: '192.0.2.2' });
  const as3 = mk({ from: 65003, asns: [65003, 65010], routerId: '10.0.0.3', address: '192.0.2.3' });

  it('two eBGP paths from the same AS differing at router-id: a set of 2 with maxPaths 2, not with 1', () => {
    expect(selectBest([as2b, as2a], opts({ maxPaths: 2 })).multipath).toEqual([as2a, as2b]);
    expect(selectBest([as2b, as2a], opts({ maxPaths: 1 })).multipath).toEqual([as2a]);
  });

  it('not from different neighbouring ASes unless multipathRelax', () => {
    expect(selectBest([as3, as2a], opts({ maxPaths: 2 })).multipath).toEqual([as2a]);
    expect(selectBest([as3, as2a], opts({ maxPaths: 2, multipathRelax: true })).multipath).toEqual([as2a, as3]);
  });

  it('limits the set to maxPaths, choosing by steps 7–10 whatever the input order', () => {
    const as2c = mk({ asns: [65002, 65010], routerId: '10.0.0.3', address: '192.0.2.3' });
    for (const order of permutations([as2a, as2b, as2c])) {
      expect(selectBest(order, opts({ maxPaths: 2 })).multipath).toEqual([as2a, as2b]);
      expect(selectBest(order, opts({ maxPaths: 8 })).multipath).toEqual([as2a, as2b, as2c]);
    }
  });

  it('requires a tie through step 6', () => {
    const costly = mk({ asns: [65002, 65010], routerId: '10.0.0.2', address: '192.0.2.2', igpCost: 20 });
    const cheap = mk({ asns: [65002, 65010], routerId: '10.0.0.3', address: '192.0.2.3', igpCost: 10 });
    const withMed = mk({ asns: [65002, 65010], routerId: '10.0.0.4', address: '192.0.2.4', attrs: { med: 1 } });
    expect(selectBest([costly, cheap, withMed], opts({ maxPaths: 4 })).multipath).toEqual([cheap]);
  });

  it('leaves out a path that ties with the best but loses through step 6 to another path', () => {
    // Unknown IGP cost on the best: both others tie with it, but the cheaper beats the dearer at step 6.
    const best = mk({ from: 'ibgp', routerId: '10.0.0.1', address: '10.0.0.1' });
    const dear = mk({ from: 'ibgp', routerId: '10.0.0.2', address: '10.0.0.2', igpCost: 10 });
    const cheap = mk({ from: 'ibgp', routerId: '10.0.0.3', address: '10.0.0.3', igpCost: 5 });
    for (const order of permutations([best, dear, cheap])) {
      expect(selectBest(order, opts({ maxPaths: 4 })).multipath).toEqual([best, cheap]);
    }
    // Relaxed multipath across ASes: a path of another AS losing on MED to a path of its own AS stays out.
    const x = mk({ from: 65004, asns: [65004], routerId: '10.0.0.1', address: '192.0.2.1' });
    const p = mk({ asns: [65002], attrs: { med: 10 }, routerId: '10.0.0.3', address: '192.0.2.3' });
    const q = mk({ asns: [65002], attrs: { med: 5 }, routerId: '10.0.0.2', address: '192.0.2.2' });
    for (const order of permutations([x, p, q])) {
      expect(selectBest(order, opts({ maxPaths: 4, multipathRelax: true })).multipath).toEqual([x, q]);
    }
  });

  it('keeps a path that only a path removed at MED beats pairwise (found by the property below)', () => {
    // eBGP e (AS 65004, MED 10) beats i2 at step 5 pairwise, but i1 (AS 65004, no MED = 0) removes e at step 4,
    // so the RFC procedure keeps i1 and i2, which form an iBGP set.
    const i1 = mk({ from: 'ibgp', asns: [65004], routerId: '10.0.0.1', address: '192.0.2.2' });
    const i2 = mk({ from: 'ibgp', asns: [65002], routerId: '10.0.0.2', address: '192.0.2.1' });
    const e = mk({ from: 65004, asns: [65004], attrs: { med: 10 }, routerId: '10.0.0.1', address: '192.0.2.3' });
    expect(comparePaths(e, i2, DEFAULT_DECISION)).toEqual({ winner: 'a', step: 'ebgp-over-ibgp' });
    for (const order of permutations([i1, i2, e])) {
      const s = selectBest(order, opts({ maxPaths: 2 }));
      expect(s.best).toBe(i1);
      expect(s.multipath).toEqual([i1, i2]);
    }
  });

  it('never mixes iBGP and eBGP paths, even relaxed', () => {
    const ibgp = mk({ from: 'ibgp', asns: [65002, 65010], routerId: '10.0.0.9', address: '10.0.0.9' });
    const s = selectBest([ibgp, as2a], opts({ maxPaths: 4, multipathRelax: true }));
    expect(s.multipath).toEqual([as2a]);
    expect(s.steps).toEqual([{ path: ibgp, lostAt: 'ebgp-over-ibgp' }]);
  });

  it('forms iBGP sets (without requiring one neighbouring AS) but no sets of local routes', () => {
    const i1 = mk({ from: 'ibgp', asns: [65002], routerId: '10.0.0.1', address: '10.0.0.1' });
    const i2 = mk({ from: 'ibgp', asns: [65003], routerId: '10.0.0.2', address: '10.0.0.2' });
    expect(selectBest([i2, i1], opts({ maxPaths: 2 })).multipath).toEqual([i1, i2]);
    const l1 = mk({ from: 'local' });
    const l2 = { ...mk({ from: 'local' }), source: 'connected' as const };
    expect(selectBest([l1, l2], opts({ maxPaths: 2 })).multipath).toEqual([l1]);
  });
});

// ---- the RFC procedure as a reference -------------------------------------------------------------------

/**
 * RFC 4271 §9.1.2.2 + RFC 4456 §9 by elimination, written independently of decision.ts: the best path and the
 * ECMP set (what survives step 6, filtered by the multipath rules, best first then by steps 7–10).
 */
function reference(paths: readonly Path[], o: DecisionOptions): { best: Path; multipath: Path[] } {
  let live = paths.slice();
  const keepMin = (f: (p: Path) => number): void => {
    const m = Math.min(...live.map(f));
    live = live.filter((p) => f(p) === m);
  };
  keepMin((p) => -(p.attrs.localPref ?? 100));
  keepMin((p) => asPathLength(p.attrs.asPath));
  keepMin((p) => p.attrs.origin);
  const med = (p: Path): number => p.attrs.med ?? (o.missingMedAsWorst ? 2 ** 32 : 0);
  const groupOf = (p: Path): string => (o.alwaysCompareMed ? 'all' : String(neighbourAs(p.attrs.asPath)));
  live = live.filter((p) => live.every((q) => groupOf(q) !== groupOf(p) || med(q) >= med(p)));
  keepMin((p) => (p.peer === undefined ? 0 : p.peer.ibgp ? 2 : 1));
  const known = live.filter((p) => p.igpCost !== undefined).map((p) => p.igpCost!);
  if (known.length > 0) live = live.filter((p) => p.igpCost === undefined || p.igpCost === Math.min(...known));
  const id = (s: string): number => s.split('.').reduce((n, x) => n * 256 + Number(x), 0);
  const tail = (p: Path): number[] => [id(p.attrs.originatorId ?? p.peer?.routerId ?? '0.0.0.0'), p.attrs.clusterList.length, p.peer ? id(p.peer.address) : -1, p.pathId];
  const ordered = live.slice().sort((x, y) => {
    const a = tail(x);
    const b = tail(y);
    const i = a.findIndex((v, k) => v !== b[k]);
    return i < 0 ? 0 : a[i]! - b[i]!;
  });
  const best = ordered[0]!;
  const compatible = (p: Path): boolean =>
    p === best || (p.peer !== undefined && best.peer !== undefined && p.peer.ibgp === best.peer.ibgp &&
      (p.peer.ibgp || o.multipathRelax || neighbourAs(p.attrs.asPath) === neighbourAs(best.attrs.asPath)));
  return { best, multipath: ordered.filter(compatible).slice(0, Math.max(1, o.maxPaths)) };
}

describe('selectBest agrees with the RFC elimination procedure, in any input order', () => {
  const pathArb = fc.record({
    localPref: fc.constantFrom(undefined, 100, 200),
    asns: fc.constantFrom([65002], [65003], [65004], [65002, 65010], [65003, 65010]),
    origin: fc.constantFrom<0 | 1 | 2>(0, 1),
    med: fc.constantFrom(undefined, 0, 5, 10),
    from: fc.constantFrom('ebgp', 'ebgp', 'ibgp', 'ibgp', 'local'),
    igpCost: fc.constantFrom(undefined, 5, 10),
    routerId: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.10'),
    originatorId: fc.constantFrom(undefined, '10.0.0.3'),
    clusterLen: fc.constantFrom(0, 1),
  });
  const optsArb = fc.record({ alwaysCompareMed: fc.boolean(), missingMedAsWorst: fc.boolean(), maxPaths: fc.constantFrom(1, 2, 4), multipathRelax: fc.boolean() });

  it('property', () => {
    fc.assert(
      fc.property(fc.array(pathArb, { minLength: 1, maxLength: 6 }), optsArb, fc.integer(), (specs, o, seed) => {
        const paths = specs.map((s, i) => mk({
          from: s.from === 'ebgp' ? (s.asns[0] ?? 65002) : s.from, asns: s.from === 'local' && s.med === 0 ? [] : s.asns, routerId: s.routerId, address: `192.0.2.${i + 1}`, pathId: i,
          attrs: { origin: s.origin, clusterList: s.clusterLen ? ['1.1.1.1'] : [], ...(s.localPref !== undefined ? { localPref: s.localPref } : {}), ...(s.med !== undefined ? { med: s.med } : {}), ...(s.originatorId !== undefined && s.from === 'ibgp' ? { originatorId: s.originatorId } : {}) },
          ...(s.igpCost !== undefined ? { igpCost: s.igpCost } : {}),
        }));
        const expected = reference(paths, o);
        const shuffled = paths.slice().sort((x, y) => ((x.pathId * 7919 + seed) % 13) - ((y.pathId * 7919 + seed) % 13));
        const r1 = selectBest(paths, o);
        const r2 = selectBest(shuffled, o);
        expect(r1.best).toBe(expected.best);
        expect(r2.best).toBe(expected.best);
        expect(r1.multipath).toEqual(expected.multipath);
        expect(r2.multipath).toEqual(expected.multipath);
        expect(r1.multipath.length).toBeLessThanOrEqual(o.maxPaths);
        expect(r1.steps).toHaveLength(paths.length - 1);
        for (const m of r1.multipath.slice(1)) expect(stepNumber(comparePaths(expected.best, m, o).step)).toBeGreaterThan(6);
      }),
      { numRuns: 5000 },
    );
  });
});

// ---- isEligible -----------------------------------------------------------------------------------------

describe('isEligible (RFC 4271 §9.1.2, RFC 4456 §8)', () => {
  const ctx = { localAs: LOCAL_AS, routerId: '10.0.0.1', clusterId: '10.0.0.100' };

  it('accepts an ordinary path and returns a shared result', () => {
    expect(isEligible(mk(), ctx)).toEqual({ ok: true });
    expect(isEligible(mk(), ctx)).toBe(isEligible(mk({ from: 'ibgp' }), ctx));
  });

  it('rejects an eBGP path with our AS anywhere in its AS path', () => {
    expect(isEligible(mk({ asns: [65002, LOCAL_AS, 65010] }), ctx)).toEqual({ ok: false, reason: 'as-loop' });
    const inSet = mk({ attrs: { asPath: [{ type: 'sequence', asns: [65002] }, { type: 'set', asns: [7, LOCAL_AS] }] } });
    expect(isEligible(inSet, ctx)).toEqual({ ok: false, reason: 'as-loop' });
  });

  it('also rejects the local AS of the session when it differs (per-peer local AS)', () => {
    const p = mk({ asns: [65002, 64999], peer: { localAs: 64999 } });
    expect(isEligible(p, ctx)).toEqual({ ok: false, reason: 'as-loop' });
  });

  it('does not check AS loops on iBGP-learned paths', () => {
    expect(isEligible(mk({ from: 'ibgp', asns: [65002, LOCAL_AS] }), ctx)).toEqual({ ok: true });
  });

  it('rejects our own ORIGINATOR_ID and our cluster id in the CLUSTER_LIST', () => {
    expect(isEligible(mk({ from: 'ibgp', attrs: { originatorId: '10.0.0.1' } }), ctx)).toEqual({ ok: false, reason: 'originator-is-self' });
    expect(isEligible(mk({ from: 'ibgp', attrs: { originatorId: '10.0.0.2' } }), ctx)).toEqual({ ok: true });
    expect(isEligible(mk({ from: 'ibgp', attrs: { clusterList: ['10.0.0.7', '10.0.0.100'] } }), ctx)).toEqual({ ok: false, reason: 'cluster-loop' });
    expect(isEligible(mk({ from: 'ibgp', attrs: { clusterList: ['10.0.0.1'] } }), ctx)).toEqual({ ok: true });
  });

  it('rejects an unresolvable next hop of a BGP path when a resolver is given', () => {
    const resolvable = (nh: string): boolean => nh.startsWith('192.0.2.');
    const far = mk({ attrs: { nextHop: '198.51.100.1' } });
    expect(isEligible(far, ctx)).toEqual({ ok: true });
    expect(isEligible(far, { ...ctx, nextHopResolvable: resolvable })).toEqual({ ok: false, reason: 'next-hop-unreachable' });
    expect(isEligible(mk(), { ...ctx, nextHopResolvable: resolvable })).toEqual({ ok: true });
    expect(isEligible(mk({ from: 'local', attrs: { nextHop: '0.0.0.0' } }), { ...ctx, nextHopResolvable: resolvable })).toEqual({ ok: true });
  });
});
