/** RouteKeyMap (src/kernel/route-key-map.ts) against a plain Map, under random sets, deletes and growth. */
import { describe, expect, it } from 'vitest';
import { RouteKeyMap } from '../../src/kernel/route-key-map.js';
import type { RouteKey } from '../../src/kernel/route-key.js';

/** A small deterministic generator (xorshift32), so a failure replays. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('RouteKeyMap', () => {
  it('agrees with a Map through random sets and deletes, IPv4 and IPv6 keys, growth and tombstones', () => {
    const random = rng(20261121);
    const model = new Map<RouteKey, number>();
    const map = new RouteKeyMap<number>();
    // Keys crowd a few /16s (what a FIB holds), plus host routes, the default route and some IPv6 keys.
    const key = (): RouteKey => {
      const r = random();
      if (r < 0.05) return `fd77${Math.floor(random() * 64).toString(16).padStart(28, '0')}/48`;
      if (r < 0.06) return 0;
      const address = ((10 << 24) | (Math.floor(random() * 4) << 16) | (Math.floor(random() * 65536))) >>> 0;
      const len = r < 0.2 ? 32 : 24;
      return address * 64 + len;
    };
    for (let step = 0; step < 60_000; step++) {
      const k = key();
      const r = random();
      if (r < 0.55) {
        model.set(k, step);
        map.set(k, step);
      } else if (r < 0.9) {
        expect(map.delete(k)).toBe(model.delete(k));
      } else {
        expect(map.get(k)).toBe(model.get(k));
        expect(map.has(k)).toBe(model.has(k));
      }
      if (step % 10_000 === 0) expect(map.size).toBe(model.size);
    }
    expect(map.size).toBe(model.size);
    for (const [k, v] of model) expect(map.get(k)).toBe(v);
    expect([...map.values()].sort((a, b) => a - b)).toEqual([...model.values()].sort((a, b) => a - b));
  });

  it('allows deleting while iterating', () => {
    const map = new RouteKeyMap<number>();
    for (let i = 0; i < 1000; i++) map.set((((10 << 24) | (i << 8)) >>> 0) * 64 + 24, i);
    map.set('fd770000000000000000000000000000/48', -1);
    let seen = 0;
    for (const v of map.values()) {
      seen++;
      if (v % 2 === 0) map.delete((((10 << 24) | (v << 8)) >>> 0) * 64 + 24);
    }
    expect(seen).toBe(1001);
    expect(map.size).toBe(501);
    expect(map.get((((10 << 24) | (3 << 8)) >>> 0) * 64 + 24)).toBe(3);
    expect(map.get((((10 << 24) | (4 << 8)) >>> 0) * 64 + 24)).toBeUndefined();
  });
});
