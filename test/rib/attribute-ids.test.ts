import { describe, expect, it } from 'vitest';
import { AttributeIds } from '../../src/rib/attribute-ids.js';
import { AttributeStore } from '../../src/rib/attribute-store.js';
import type { PathAttributes } from '../../src/rib/types.js';

function set(nextHop: string): PathAttributes {
  return { origin: 0, asPath: [], nextHop, atomicAggregate: false, communities: [], largeCommunities: [], extendedCommunities: [], clusterList: [], unknown: [] };
}

describe('AttributeIds', () => {
  it('gives one id per set, never 0, counts uses, and reuses an id once its set is let go', () => {
    const ids = new AttributeIds();
    const a = set('192.0.2.1');
    const b = set('192.0.2.2');
    const ia = ids.acquire(a);
    expect(ia).toBeGreaterThan(0);
    expect(ids.acquire(a)).toBe(ia);
    const ib = ids.acquire(b);
    expect(ib).not.toBe(ia);
    expect(ids.get(ia)).toBe(a);
    ids.release(ia);
    expect(ids.get(ia)).toBe(a); // one use left
    ids.release(ia);
    expect(ids.get(ia)).toBeUndefined();
    expect(ids.size).toBe(1);
    const c = set('192.0.2.3');
    expect(ids.acquire(c)).toBe(ia); // reused
    expect(ids.acquire(a)).not.toBe(ia); // a is a new set now: a new id
    expect(ids.get(ib)).toBe(b);
  });
});

describe('AttributeIds with a store', () => {
  it('keeps a set interned while it has an id, whatever else let go of it, and lets it drop with the last use', () => {
    const store = new AttributeStore({ trackDrops: true });
    const ids = new AttributeIds();
    ids.store = store;
    const a = store.internContent(set('192.0.2.1')); // the path's (or export verdict's) reference
    const id = ids.acquire(a);
    ids.acquire(a); // a second prefix: still one store reference for the id
    store.release(a); // the path let go: the set is still advertised under its id
    expect(store.size).toBe(1);
    expect(store.internContent(set('192.0.2.1'))).toBe(a); // the same content is the same object
    store.release(a);
    ids.release(id, 2);
    expect(store.size).toBe(0);
    expect(store.takeDropped()).toEqual([a]);
    expect(store.droppedCount).toBe(0);
  });
});
