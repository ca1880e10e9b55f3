/** Soft reconfiguration inbound: import policy run again over the kept pre-policy routes into the Loc-RIB. */
import { describe, expect, it } from 'vitest';
import { AdjRibIn } from '../../src/rib/adj-rib-in.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { compileChain } from '../../src/rib/policy/compile.js';
import { PolicyEvaluator } from '../../src/rib/policy/evaluate.js';
import type { Policy } from '../../src/rib/policy/types.js';
import { reapplyImport } from '../../src/rib/soft-reconfiguration.js';
import type { Family } from '../../src/common/prefix-key.js';
import { DEFAULT_DECISION } from '../../src/rib/types.js';
import { key, pathFixtures } from '../helpers/paths.js';

const V4 = 'ipv4-unicast';
const range = (p: string, ge: number, le: number) => ({ family: V4, prefix: key(p), ge, le }) as const;

/** Reject 10.0.1.0/24, set LOCAL_PREF 250 on 10.0.0.0/24, accept the rest unchanged. */
const FIRST: Policy = {
  name: 'from-leaf',
  terms: [
    { name: 'blocked', match: { prefix: [range('10.0.1.0/24', 24, 24)] }, set: {}, action: 'reject' },
    { name: 'prefer', match: { prefix: [range('10.0.0.0/24', 24, 24)] }, set: { localPref: 250 }, action: 'accept' },
    { name: 'rest', match: {}, set: {}, action: 'accept' },
  ],
};
/** What an operator might change it to: 10.0.1.0/24 let in, 10.0.2.0/24 kept out, no preference. */
const SECOND: Policy = {
  name: 'from-leaf',
  terms: [
    { name: 'blocked', match: { prefix: [range('10.0.2.0/24', 24, 24)] }, set: {}, action: 'reject' },
    { name: 'rest', match: {}, set: {}, action: 'accept' },
  ],
};

function setup() {
  const f = pathFixtures();
  const leaf = f.peer('192.0.2.1', 65000);
  const rib = new LocRib({ decision: DEFAULT_DECISION, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1' });
  const table = new AdjRibIn(f.store);
  const received = f.attrs({ nextHop: '192.0.2.1' });
  for (const p of ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']) table.announce(V4, key(p), 0, received);
  f.store.release(received); // the table holds its own references now
  const evaluator = (p: Policy) => new PolicyEvaluator(compileChain([p], { direction: 'import', ebgp: true, ebgpRequiresPolicy: true }), { localAs: 65001, nextHopSelf: {} }, f.store);
  const counts: Record<Family, number> = { 'ipv4-unicast': 0, 'ipv6-unicast': 0 };
  return { ...f, leaf, rib, table, received, evaluator, counts };
}

describe('reapplyImport', () => {
  it('imports accepted routes (changed where the policy says), leaves rejected ones out, and keeps the count', () => {
    const { leaf, rib, table, received, evaluator, counts, store } = setup();
    const r = reapplyImport(table, leaf, evaluator(FIRST), rib, store, counts, 1000);
    expect(r).toEqual({ routes: 3, accepted: 2, rejected: 1, changed: 2 });
    expect(counts[V4]).toBe(2);
    expect(rib.get(V4, key('10.0.0.0/24'))!.best!.attrs.localPref).toBe(250);
    expect(rib.get(V4, key('10.0.2.0/24'))!.best!.attrs).toBe(received);
    expect(rib.get(V4, key('10.0.1.0/24'))).toBeUndefined();
    expect(rib.get(V4, key('10.0.2.0/24'))!.best).toMatchObject({ peer: leaf, source: 'bgp', receivedAt: 1000, stale: false });
  });

  it('with the same policy changes nothing: no Loc-RIB change, no new store reference', () => {
    const { leaf, rib, table, evaluator, counts, store } = setup();
    const ev = evaluator(FIRST);
    reapplyImport(table, leaf, ev, rib, store, counts, 1000);
    rib.takeChanges();
    const size = store.size;
    const before = rib.get(V4, key('10.0.0.0/24'))!.best;
    const again = reapplyImport(table, leaf, ev, rib, store, counts, 2000);
    expect(again).toEqual({ routes: 3, accepted: 2, rejected: 1, changed: 0 });
    expect(rib.takeChanges()).toEqual([]);
    expect(rib.get(V4, key('10.0.0.0/24'))!.best).toEqual(before); // paths are made on demand: equal by content
    expect(store.size).toBe(size);
    expect(counts[V4]).toBe(2);
  });

  it('with a changed policy re-derives the Loc-RIB from the routes as received', () => {
    const { leaf, rib, table, received, evaluator, counts, store } = setup();
    reapplyImport(table, leaf, evaluator(FIRST), rib, store, counts, 1000);
    rib.takeChanges();
    const r = reapplyImport(table, leaf, evaluator(SECOND), rib, store, counts, 2000);
    expect(r).toEqual({ routes: 3, accepted: 2, rejected: 1, changed: 3 });
    // LOCAL_PREF 250 is gone: the route is back to what the peer sent, not to the first policy's output.
    expect(rib.get(V4, key('10.0.0.0/24'))!.best!.attrs).toBe(received);
    expect(rib.get(V4, key('10.0.0.0/24'))!.best!.receivedAt).toBe(1000);
    expect(rib.get(V4, key('10.0.1.0/24'))!.best!.attrs).toBe(received);
    expect(rib.get(V4, key('10.0.2.0/24'))).toBeUndefined();
    expect(rib.takeChanges().map((c) => c.best?.attrs.localPref ?? (c.best ? 'none' : 'gone'))).toEqual(['none', 'none', 'gone']);
    expect(counts[V4]).toBe(2);
  });

  it('keeps stale routes stale, and gives every store reference back once the routes go', () => {
    const { leaf, rib, table, evaluator, counts, store } = setup();
    const size = store.size; // the received set, held by the table
    table.markStale([V4]);
    const ev = evaluator(FIRST);
    reapplyImport(table, leaf, ev, rib, store, counts, 1000);
    expect(rib.get(V4, key('10.0.2.0/24'))!.best!.stale).toBe(true);
    for (const p of rib.dropPeer(leaf.key, [V4])) store.release(p.attrs);
    ev.clear();
    expect(store.size).toBe(size);
    table.clear();
    expect(store.size).toBe(0);
  });
});
