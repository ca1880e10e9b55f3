/** The pre-policy Adj-RIB-In: routes as received, store references, add-path ids, stale generations. */
import { describe, expect, it } from 'vitest';
import { AdjRibIn, AdjRibsIn } from '../../src/rib/adj-rib-in.js';
import { AttributeStore } from '../../src/rib/attribute-store.js';
import { key, pathFixtures } from '../helpers/paths.js';

const V4 = 'ipv4-unicast';
const V6 = 'ipv6-unicast';

/** A fresh store and three interned sets, each with one reference: the test's own. */
function setup() {
  const store = new AttributeStore();
  const { attrs } = pathFixtures(store);
  return { store, a: attrs(), b: attrs({ med: 5 }), c: attrs({ nextHop: '2001:db8::2' }) };
}

/** The references a set has: how many releases make the store forget it (so: the last check on a set). */
function refs(store: AttributeStore, set: ReturnType<typeof setup>['a']): number {
  let n = 0;
  const before = store.size;
  while (store.size === before) {
    store.release(set);
    n++;
    if (n > 100) throw new Error('runaway');
  }
  return n;
}

describe('AdjRibIn', () => {
  it('keeps what was announced, replaced and withdrawn, one store reference per route', () => {
    const { store, a, b } = setup();
    const t = new AdjRibIn(store);
    t.announce(V4, key('10.0.0.0/24'), 0, a);
    t.announce(V4, key('10.0.1.0/24'), 0, a);
    t.announce(V4, key('10.0.0.0/24'), 0, b); // replaces: a's reference goes back
    expect(t.size(V4)).toBe(2);
    expect(t.get(V4, key('10.0.0.0/24'), 0)).toEqual({ pathId: 0, attrs: b, stale: false });
    expect(t.get(V4, key('10.0.0.0/24'), 7)).toBeUndefined();
    t.withdraw(V4, key('10.0.1.0/24'), 0);
    t.withdraw(V4, key('10.9.0.0/24'), 0); // never announced: nothing happens
    expect(t.size(V4)).toBe(1);
    expect(t.routes(V4, key('10.0.1.0/24'))).toEqual([]);
    // a: only the test's reference is left; b: the test's and the table's.
    expect(refs(store, a)).toBe(1);
    expect(refs(store, b)).toBe(2);
  });

  it('keeps add-path ids apart, path id 0 beside others', () => {
    const { store, a, b, c } = setup();
    const t = new AdjRibIn(store);
    const p = key('10.0.0.0/24');
    t.announce(V4, p, 0, a);
    t.announce(V4, p, 2, b);
    t.announce(V4, p, 3, a);
    t.announce(V6, key('2001:db8::/48'), 1, c);
    expect(t.routes(V4, p).map((r) => [r.pathId, r.attrs])).toEqual([[0, a], [2, b], [3, a]]);
    t.withdraw(V4, p, 0);
    t.withdraw(V4, p, 2);
    expect(t.routes(V4, p).map((r) => r.pathId)).toEqual([3]);
    t.withdraw(V4, p, 3);
    expect(t.size(V4)).toBe(0);
    expect(t.size(V6)).toBe(1);
    const seen: unknown[] = [];
    t.forEach(V6, (prefix, r) => seen.push([prefix, r.pathId, r.attrs === c]));
    expect(seen).toEqual([[key('2001:db8::/48'), 1, true]]);
  });

  it('goes stale as a whole (graceful restart, BoRR); re-announced routes come back, the sweep drops the rest', () => {
    const { store, a, b } = setup();
    const t = new AdjRibIn(store);
    t.announce(V4, key('10.0.0.0/24'), 0, a);
    t.announce(V4, key('10.0.1.0/24'), 0, a);
    t.announce(V4, key('10.0.2.0/24'), 0, a);
    t.markStale([V4]);
    expect(t.get(V4, key('10.0.0.0/24'), 0)).toEqual({ pathId: 0, attrs: a, stale: true });
    t.announce(V4, key('10.0.0.0/24'), 0, b); // re-announced with other attributes
    t.withdraw(V4, key('10.0.2.0/24'), 0); // a stale route withdrawn
    expect(t.get(V4, key('10.0.0.0/24'), 0)).toEqual({ pathId: 0, attrs: b, stale: false });
    expect(t.size(V4)).toBe(2);
    // A BoRR while still stale: the fresh route goes stale too; nothing is counted twice.
    t.markStale([V4]);
    expect(t.size(V4)).toBe(2);
    t.announce(V4, key('10.0.1.0/24'), 0, a);
    expect(t.sweepStale(V4)).toBe(1); // 10.0.0.0/24 was not re-announced after the second mark
    expect(t.sweepStale(V4)).toBe(0);
    expect(t.routes(V4, key('10.0.1.0/24'))).toEqual([{ pathId: 0, attrs: a, stale: false }]);
    expect(t.size(V4)).toBe(1);
    expect(refs(store, a)).toBe(2);
    expect(refs(store, b)).toBe(1);
  });

  it('clear gives every reference back', () => {
    const { store, a, b } = setup();
    const before = store.size;
    const t = new AdjRibIn(store);
    t.announce(V4, key('10.0.0.0/24'), 0, a);
    t.announce(V4, key('10.0.1.0/24'), 4, b);
    t.markStale([V4]);
    t.announce(V4, key('10.0.2.0/24'), 0, b);
    t.clear();
    expect(t.size(V4)).toBe(0);
    expect(store.size).toBe(before);
    expect(refs(store, a)).toBe(1);
    expect(refs(store, b)).toBe(1);
  });
});

describe('AdjRibsIn', () => {
  it('keeps a table per peer that asks for one, through a graceful restart, and forgets it otherwise', () => {
    const { store, a } = setup();
    const all = new AdjRibsIn(store);
    all.open('192.0.2.1', true);
    all.open('192.0.2.2', false);
    expect(all.get('192.0.2.2')).toBeUndefined();
    all.get('192.0.2.1')!.announce(V4, key('10.0.0.0/24'), 0, a);
    all.down('192.0.2.1', [V4], true); // GR helper: kept, stale
    all.open('192.0.2.1', true); // the new session keeps the same table
    expect(all.get('192.0.2.1')!.get(V4, key('10.0.0.0/24'), 0)?.stale).toBe(true);
    all.sweepStale('192.0.2.1', V4);
    expect(all.get('192.0.2.1')!.size(V4)).toBe(0);
    all.get('192.0.2.1')!.announce(V4, key('10.0.0.0/24'), 0, a);
    all.down('192.0.2.1', [V4], false); // no GR: gone, references back
    expect(all.get('192.0.2.1')).toBeUndefined();
    expect(refs(store, a)).toBe(1);
  });
});
