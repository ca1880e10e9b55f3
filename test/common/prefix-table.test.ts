import { describe, expect, it } from 'vitest';
import { formatPrefixKey, ipv4Key, ipv6Key, prefixKeyFromText } from '../../src/common/prefix-key.js';
import { PrefixTable } from '../../src/common/prefix-table.js';
import { rng } from '../helpers/rng.js';

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

describe('PrefixTable.lookupMany (a batch per UPDATE)', () => {
  /** Random prefixes of one width, host bits zero, as words + lengths columns. */
  function columns(width: 1 | 4, n: number, next: () => number, pool: readonly (readonly number[])[]): { words: Uint32Array; lengths: Uint8Array } {
    const words = new Uint32Array(n * width);
    const lengths = new Uint8Array(n);
    // Runs of prefixes in the order they were first added (what the sequence hint is for), mixed with random
    // ones from a small space (so that batches repeat prefixes and probe runs get long).
    let run = next() < 0.5 && pool.length > 0 ? Math.floor(next() * pool.length) : -1;
    for (let j = 0; j < n; j++) {
      let key: readonly number[];
      if (run >= 0 && run < pool.length && next() < 0.9) key = pool[run++]!;
      else {
        const len = width === 1 ? 8 + Math.floor(next() * 25) : [32, 48, 64, 128][Math.floor(next() * 4)]!;
        const w: number[] = [];
        for (let k = 0; k < width; k++) {
          const rest = len - 32 * k;
          const v = k === 0 ? (Math.floor(next() * 2048) << 21) >>> 0 : Math.floor(next() * 4) >>> 0;
          w.push(rest >= 32 ? v : rest <= 0 ? 0 : (v & (0xffffffff << (32 - rest))) >>> 0);
        }
        key = [...w, len];
      }
      for (let k = 0; k < width; k++) words[j * width + k] = key[k]!;
      lengths[j] = key[width]!;
    }
    return { words, lengths };
  }

  for (const width of [1, 4] as const) {
    it(`gives the answers of one-at-a-time lookups made in order (${width === 1 ? 'IPv4' : 'IPv6'}), across growth, removals and repeats`, () => {
      const batched = new PrefixTable(width, 4);
      const single = new PrefixTable(width, 4);
      const next = rng(width * 101);
      const pool: number[][] = []; // prefixes in the order they were added, for sequential runs
      const out = new Int32Array(512);
      let hinted = 0;
      for (let round = 0; round < 400; round++) {
        const n = 1 + Math.floor(next() * 300);
        const { words, lengths } = columns(width, n, next, pool);
        const add = next() < 0.7;
        batched.lookupMany(words, lengths, n, add, out);
        for (let j = 0; j < n; j++) {
          const len = lengths[j]!;
          const expected = width === 1
            ? (add ? single.addV4(words[j]!, len) : single.findV4(words[j]!, len))
            : (add ? single.addV6Words(words, j * 4, len) : single.findV6Words(words, j * 4, len));
          expect(out[j]).toBe(expected);
          if (add && expected === pool.length) pool.push([...words.subarray(j * width, j * width + width), len]);
          if (j > 0 && out[j] === out[j - 1]! + 1) hinted++;
        }
        // Remove some, in both tables alike: freed slots must never be found by the hint.
        for (let r = Math.floor(next() * 40); r > 0; r--) {
          const slot = Math.floor(next() * batched.highWater);
          expect(batched.has(slot)).toBe(single.has(slot));
          if (!batched.has(slot)) continue;
          batched.remove(slot);
          single.remove(slot);
        }
      }
      expect(batched.size).toBe(single.size);
      expect(batched.capacity).toBeGreaterThan(4);
      expect(hinted).toBeGreaterThan(1000); // the sequential runs did exercise the hint
    });
  }

  it('finds a whole table looked up again in the order it was added, and nothing once it is removed', () => {
    const t = new PrefixTable(1);
    const n = 5000;
    const words = new Uint32Array(n);
    const lengths = new Uint8Array(n).fill(24);
    for (let i = 0; i < n; i++) words[i] = ((0x100000 + i) << 8) >>> 0;
    const first = new Int32Array(n);
    t.lookupMany(words, lengths, n, true, first);
    expect(new Set(first).size).toBe(n);
    const again = new Int32Array(n);
    t.lookupMany(words, lengths, n, false, again);
    expect([...again]).toEqual([...first]);
    // A removed prefix keeps its words in its slot until reused: the hint must not find it there.
    t.remove(first[2500]!);
    t.lookupMany(words, lengths, n, false, again);
    expect(again[2500]).toBe(-1);
    expect(again[2501]).toBe(first[2501]);
    t.lookupMany(words, lengths, n, true, again);
    expect(again[2500]).toBe(first[2500]); // added again, into the freed slot
    for (const s of first) t.remove(s);
    t.lookupMany(words, lengths, n, false, again);
    expect(again.every((s) => s === -1)).toBe(true);
    // Freed slots come back oldest first: the table announced again gets its slots in the same order, so a
    // withdrawal in that order follows the hint again.
    t.lookupMany(words, lengths, n, true, again);
    expect([...again]).toEqual([...first]);
  });
});
