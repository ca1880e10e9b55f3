import { describe, expect, it } from 'vitest';
import { AttributeStore } from '../../src/rib/attribute-store.js';
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
