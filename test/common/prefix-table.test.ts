import { describe, expect, it } from 'vitest';
import { formatPrefixKey, ipv4Key, ipv6Key, prefixKeyFromText } from '../../src/common/prefix-key.js';
import { PrefixTable } from '../../src/common/prefix-table.js';

/** A small deterministic PRNG (mulberry32) so failures replay. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('PrefixTable (IPv4)', () => {
  it('gives each prefix one slot, finds it again, and tells prefixes of different length apart', () => {
    const t = new PrefixTable(1, 4);
    const a = t.addV4(0x0a000000, 8);
    const b = t.addV4(0x0a000000, 16);
    expect(a).not.toBe(b);
    expect(t.addV4(0x0a000000, 8)).toBe(a);
    expect(t.findV4(0x0a000000, 16)).toBe(b);
    expect(t.findV4(0x0a000000, 24)).toBe(-1);
    expect(t.keyOf(a)).toBe(ipv4Key(0x0a000000, 8));
    expect(t.findKey(ipv4Key(0x0a000000, 16))).toBe(b);
    expect(t.size).toBe(2);
  });

  it('agrees with a Map through a long random run of adds and removes, across growth and slot reuse', () => {
    const t = new PrefixTable(1, 4);
    const model = new Map<number, number>();
    const grown: number[] = [];
    t.onGrow = (c) => grown.push(c);
    const next = rng(7);
    for (let i = 0; i < 20_000; i++) {
      // A small key space so that removals hit and probe runs get long.
      const len = 8 + Math.floor(next() * 25);
      const addr = (Math.floor(next() * 4096) << 20) >>> 0;
      const mask = len === 32 ? 0xffffffff : (0xffffffff << (32 - len)) >>> 0;
      const a = (addr & mask) >>> 0;
      const key = ipv4Key(a, len);
      if (next() < 0.6) {
        const s = t.addV4(a, len);
        if (model.has(key)) expect(s).toBe(model.get(key));
        model.set(key, s);
      } else {
        const s = t.findV4(a, len);
        expect(s).toBe(model.get(key) ?? -1);
        if (s >= 0) {
          t.remove(s);
          model.delete(key);
        }
      }
    }
    expect(t.size).toBe(model.size);
    for (const [key, slot] of model) {
      expect(t.findKey(key)).toBe(slot);
      expect(t.keyOf(slot)).toBe(key);
    }
    expect(new Set(model.values()).size).toBe(model.size); // no slot shared by two prefixes
    expect(grown.length).toBeGreaterThan(0);
    expect(t.highWater).toBeLessThanOrEqual(t.capacity);
  });
});

describe('PrefixTable (IPv6)', () => {
  it('keys prefixes by their significant bits only, as on the wire', () => {
    const t = new PrefixTable(4);
    const wire = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0xff]);
    const s = t.addV6(wire, 0, 48);
    // The same /48 with garbage host bits and from an offset in a larger buffer.
    const other = Uint8Array.from([9, 9, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0xff, 0xee]);
    expect(t.findV6(other, 2, 48)).toBe(s);
    expect(t.findV6(wire, 0, 52)).toBe(-1);
    expect(formatPrefixKey(t.keyOf(s))).toBe('2001:db8:1::/48');
    expect(t.keyOf(s)).toBe(ipv6Key(wire, 0, 48));
    expect(t.findKey(ipv6Key(wire, 0, 48))).toBe(s);
    const host = t.addV6(Uint8Array.from([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), 0, 128);
    expect(formatPrefixKey(t.keyOf(host))).toBe('2001:db8::1/128');
    const def = t.addV6(new Uint8Array(0), 0, 0);
    expect(formatPrefixKey(t.keyOf(def))).toBe('::/0');
    expect(new Set([s, host, def]).size).toBe(3);
  });

  it('agrees with a Map of string keys through random adds and removes', () => {
    const t = new PrefixTable(4, 2);
    const model = new Map<string, number>();
    const next = rng(11);
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 20_000; i++) {
      for (let j = 0; j < 16; j++) bytes[j] = j < 6 ? Math.floor(next() * 3) : Math.floor(next() * 256);
      const len = [32, 48, 56, 64, 127, 128][Math.floor(next() * 6)]!;
      const key = ipv6Key(bytes, 0, len);
      if (next() < 0.6) model.set(key, t.addV6(bytes, 0, len));
      else {
        const s = t.findV6(bytes, 0, len);
        expect(s).toBe(model.get(key) ?? -1);
        if (s >= 0) {
          t.remove(s);
          model.delete(key);
        }
      }
    }
    expect(t.size).toBe(model.size);
    for (const [key, slot] of model) expect(t.keyOf(slot)).toBe(key);
  });
});

describe('PrefixTable by key (the FIB: src/kernel/fib.ts)', () => {
  it('gives each live key one slot and hands freed slots out again before making new ones', () => {
    const next = rng(20261121);
    for (const width of [1, 4] as const) {
      const t = new PrefixTable(width, 4);
      const model = new Map<number | string, number>();
      // Keys crowd a few /16s (what a FIB holds), plus host routes and the default route; IPv6 alike.
      const key = (): number | string => {
        const r = next();
        const n = Math.floor(next() * 64).toString(16);
        if (width === 4) return prefixKeyFromText(r < 0.5 ? `fd77:${n}::/48` : `fd77::${n}/128`)!.key;
        if (r < 0.01) return 0;
        return (((10 << 24) | (Math.floor(next() * 4) << 16) | (Math.floor(next() * 256) << 8)) >>> 0) * 64 + (r < 0.2 ? 32 : 24);
      };
      let most = 0;
      for (let step = 0; step < 30_000; step++) {
        const k = key();
        const have = model.get(k);
        expect(t.findKey(k)).toBe(have ?? -1);
        if (next() < 0.55) {
          const slot = t.addKey(k);
          if (have !== undefined) expect(slot).toBe(have);
          expect(slot).toBeLessThan(t.highWater);
          model.set(k, slot);
        } else if (have !== undefined) {
          t.remove(have);
          model.delete(k);
        }
        most = Math.max(most, model.size);
      }
      expect(t.size).toBe(model.size);
      for (const [k, slot] of model) {
        expect(t.has(slot)).toBe(true);
        expect(t.keyOf(slot)).toBe(k);
      }
      expect(new Set(model.values()).size).toBe(model.size);
      expect(t.highWater).toBe(most); // freed slots are reused before new ones are made
    }
  });

  it('finds and adds the prefix of another table\'s slot, and writes its address octets', () => {
    const rib4 = new PrefixTable(1);
    const fib4 = new PrefixTable(1);
    rib4.addV4(0x0a000000, 8); // so that the RIB's and the FIB's slots differ
    const r = rib4.addV4(0x0a4d6400, 24);
    expect(fib4.findFrom(rib4, r)).toBe(-1);
    const f = fib4.addFrom(rib4, r);
    expect(fib4.findFrom(rib4, r)).toBe(f);
    expect(fib4.addFrom(rib4, r)).toBe(f);
    expect(fib4.keyOf(f)).toBe(rib4.keyOf(r));
    const out = new Uint8Array(6).fill(0xee);
    fib4.writeAddress(f, out, 1);
    expect([...out]).toEqual([0xee, 10, 77, 100, 0, 0xee]);

    const rib6 = new PrefixTable(4);
    const fib6 = new PrefixTable(4);
    rib6.addV6(Uint8Array.from([0xfd, 0x77]), 0, 16);
    const wire = Uint8Array.from([0xfd, 0x77, 0x02, 0x00, 0x00, 0x01, 0xff]);
    const r6 = rib6.addV6(wire, 0, 48);
    const f6 = fib6.addFrom(rib6, r6);
    expect(f6).not.toBe(r6);
    expect(fib6.findFrom(rib6, r6)).toBe(f6);
    expect(fib6.findKey(ipv6Key(wire, 0, 48))).toBe(f6);
    expect(fib6.findV6Words(rib6.words, r6 * 4, 48)).toBe(f6);
    expect(fib6.findV6Words(rib6.words, r6 * 4, 47)).toBe(-1);
    const out6 = new Uint8Array(16);
    fib6.writeAddress(f6, out6, 0);
    expect(formatPrefixKey(ipv6Key(out6, 0, 48))).toBe('fd77:200:1::/48');
  });
});
