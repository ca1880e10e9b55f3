import { describe, expect, it } from 'vitest';
import { AttributeStore, contentKey } from '../../src/rib/attribute-store.js';
import type { PathAttributes } from '../../src/rib/types.js';
import { pathFixtures } from '../helpers/paths.js';

describe('AttributeStore', () => {
  it('counts references in bulk both ways and forgets a set only when the last one goes', () => {
    const store = new AttributeStore();
    const { attrs } = pathFixtures(store); // interns one reference per call
    const a = attrs();
    store.retain(a, 999); // 1000 paths hold it
    store.release(a, 998);
    expect(store.size).toBe(1);
    store.release(a, 0); // a run of nothing changes nothing
    expect(store.size).toBe(1);
    store.release(a);
    expect(store.size).toBe(1);
    store.release(a);
    expect(store.size).toBe(0);
    // Interned again afterwards: a fresh count.
    const b = attrs();
    expect(b).toStrictEqual(a);
    expect(store.size).toBe(1);
  });
});

describe('AttributeStore, dropped sets', () => {
  it('keeps the sets it dropped for its owner with trackDrops, in order, each once', () => {
    const store = new AttributeStore({ trackDrops: true });
    const { attrs } = pathFixtures(store);
    const a = attrs();
    const b = attrs({ med: 5 });
    store.retain(a);
    store.release(a); // still held once
    expect(store.droppedCount).toBe(0);
    store.release(b);
    store.release(a);
    expect(store.droppedCount).toBe(2);
    expect(store.takeDropped()).toEqual([b, a]);
    expect(store.takeDropped()).toEqual([]);
  });

  it('keeps nothing without trackDrops (no owner would ever take them)', () => {
    const store = new AttributeStore();
    const { attrs } = pathFixtures(store);
    store.release(attrs());
    expect(store.size).toBe(0);
    expect(store.droppedCount).toBe(0);
    expect(store.takeDropped()).toEqual([]);
  });
});

describe('AttributeStore, a set dropped and interned again', () => {
  it('counts references against the object they were taken on, never a newer set of the same content', () => {
    const store = new AttributeStore();
    const { attrs } = pathFixtures(store);
    const old = attrs();
    store.release(old); // dropped
    const fresh = attrs(); // the same content again: a new object
    expect(fresh).not.toBe(old);
    store.retain(fresh, 2); // three references now
    store.release(old, 5); // a stray release of the dropped set changes nothing
    expect(store.size).toBe(1);
    store.release(fresh, 2);
    expect(store.size).toBe(1);
    store.release(fresh);
    expect(store.size).toBe(0);
  });
});

describe('contentKey', () => {
  const base: PathAttributes = {
    origin: 0, asPath: [{ type: 'sequence', asns: [65001, 65002] }], nextHop: '192.0.2.1', atomicAggregate: false,
    communities: [1, 23], largeCommunities: [{ global: 1, local1: 2, local2: 3 }], extendedCommunities: [Uint8Array.of(0, 2, 0, 0, 0, 1, 0, 2)],
    clusterList: ['10.0.0.1'], unknown: [{ code: 99, flags: 0xc0, value: Uint8Array.of(1, 2) }],
  };

  it('gives equal sets one key, built separately', () => {
    const copy: PathAttributes = structuredClone(base);
    expect(contentKey(copy)).toBe(contentKey(base));
  });

  it('tells apart sets that differ in any one field, including look-alikes', () => {
    const variants: PathAttributes[] = [
      { ...base, origin: 2 },
      { ...base, asPath: [{ type: 'sequence', asns: [65001] }, { type: 'sequence', asns: [65002] }] },
      { ...base, asPath: [{ type: 'set', asns: [65001, 65002] }] },
      { ...base, asPath: [] },
      { ...base, nextHop: '192.0.2.2' },
      { ...base, nextHopLinkLocal: 'fe80::1' },
      { ...base, med: 0 },
      { ...base, med: 10 },
      { ...base, localPref: 0 },
      { ...base, atomicAggregate: true },
      { ...base, aggregator: { asn: 65001, address: '192.0.2.9' } },
      { ...base, communities: [12, 3] },
      { ...base, communities: [] },
      { ...base, largeCommunities: [{ global: 1, local1: 23, local2: 0 }] },
      { ...base, extendedCommunities: [] },
      { ...base, originatorId: '10.0.0.9' },
      { ...base, clusterList: ['10.0.0.1', '10.0.0.2'] },
      { ...base, otc: 65001 },
      { ...base, unknown: [{ code: 99, flags: 0xe0, value: Uint8Array.of(1, 2) }] },
      { ...base, unknown: [] },
    ];
    const keys = [base, ...variants].map(contentKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
