/** RouteSlots (src/kernel/route-slots.ts) against a plain Map, under random adds and removes. */
import { describe, expect, it } from 'vitest';
import { RouteSlots } from '../../src/kernel/route-slots.js';
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

describe('RouteSlots', () => {
  it('gives each live key one slot, finds it, and hands freed slots out again (IPv4 and IPv6, growth, tombstones)', () => {
    const random = rng(20261121);
    const model = new Map<RouteKey, number>();
    const slots = new RouteSlots();
    // Keys crowd a few /16s (what a FIB holds), plus host routes, the default route and some IPv6 keys.
    const key = (): RouteKey => {
      const r = random();
      if (r < 0.05) return `fd77${Math.floor(random() * 64).toString(16).padStart(28, '0')}/48`;
      if (r < 0.06) return 0;
      const address = ((10 << 24) | (Math.floor(random() * 4) << 16) | Math.floor(random() * 65536)) >>> 0;
      return address * 64 + (r < 0.2 ? 32 : 24);
    };
    let maxSlots = 0;
    for (let step = 0; step < 60_000; step++) {
      const k = key();
      const have = model.get(k);
      expect(slots.find(k)).toBe(have ?? -1);
      if (random() < 0.55) {
        if (have === undefined) {
          const slot = slots.add(k);
          expect(slot).toBeLessThan(slots.limit);
          model.set(k, slot);
        }
      } else if (have !== undefined) {
        slots.remove(have);
        model.delete(k);
      }
      maxSlots = Math.max(maxSlots, model.size);
    }
    expect(slots.size).toBe(model.size);
    const live = new Set<number>();
    for (const [k, slot] of model) {
      expect(slots.find(k)).toBe(slot);
      expect(slots.keyAt(slot)).toBe(k);
      live.add(slot);
    }
    expect(live.size).toBe(model.size); // no slot is given to two keys
    expect(slots.limit).toBe(maxSlots); // freed slots are reused before new ones are made
  });
});
