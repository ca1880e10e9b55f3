/**
 * A Map from RouteKey to V, for the FIB's one record per route. IPv4 keys (address × 64 + length, up to 2^38)
 * are no small integers, so a JS Map keeps each as a boxed number and hashes and compares it as one; at 100,000
 * routes those lookups were the largest part of the FIB's own time. Here IPv4 keys live unboxed in a
 * Float64Array, open addressing with linear probing, deletion by tombstone; IPv6 keys (strings, few) stay in a
 * Map. Iteration order is not insertion order. Adding while iterating is not allowed (the table may grow);
 * deleting is.
 */
import type { RouteKey } from './route-key.js';

const EMPTY = -1;
const DELETED = -2;
const MIN_CAPACITY = 16;

/** A mix of the address and the length; the table size is a power of two, so the low bits must vary. */
function hash(key: number): number {
  const len = key % 64;
  const address = (key - len) / 64;
  let h = Math.imul(address | 0, 0x9e3779b1) ^ Math.imul(len, 0x85ebca6b);
  h ^= h >>> 16;
  return h;
}

export class RouteKeyMap<V> {
  private keys = new Float64Array(MIN_CAPACITY).fill(EMPTY);
  private vals: (V | undefined)[] = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
  private mask = MIN_CAPACITY - 1;
  /** Live IPv4 entries, and slots that are live or tombstones (what fills the table). */
  private v4 = 0;
  private used = 0;
  private readonly v6 = new Map<string, V>();

  get size(): number {
    return this.v4 + this.v6.size;
  }

  private slot(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return i;
      if (k === EMPTY) return -1;
    }
  }

  get(key: RouteKey): V | undefined {
    if (typeof key === 'string') return this.v6.get(key);
    const i = this.slot(key);
    return i < 0 ? undefined : this.vals[i];
  }

  has(key: RouteKey): boolean {
    return typeof key === 'string' ? this.v6.has(key) : this.slot(key) >= 0;
  }

  set(key: RouteKey, value: V): void {
    if (typeof key === 'string') {
      this.v6.set(key, value);
      return;
    }
    const keys = this.keys;
    const mask = this.mask;
    let tomb = -1;
    let i = hash(key) & mask;
    for (; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) {
        this.vals[i] = value;
        return;
      }
      if (k === EMPTY) break;
      if (k === DELETED && tomb < 0) tomb = i;
    }
    if (tomb >= 0) i = tomb;
    else this.used++;
    keys[i] = key;
    this.vals[i] = value;
    this.v4++;
    if (this.used * 2 > keys.length) this.resize();
  }

  delete(key: RouteKey): boolean {
    if (typeof key === 'string') return this.v6.delete(key);
    const i = this.slot(key);
    if (i < 0) return false;
    this.keys[i] = DELETED;
    this.vals[i] = undefined;
    this.v4--;
    return true;
  }

  /** Rehash into a table where live entries fill at most a quarter (tombstones are dropped). */
  private resize(): void {
    let capacity = MIN_CAPACITY;
    while (capacity < this.v4 * 4) capacity *= 2;
    const oldKeys = this.keys;
    const oldVals = this.vals;
    this.keys = new Float64Array(capacity).fill(EMPTY);
    this.vals = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.used = this.v4;
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j]!;
      if (k < 0) continue;
      let i = hash(k) & this.mask;
      while (this.keys[i] !== EMPTY) i = (i + 1) & this.mask;
      this.keys[i] = k;
      this.vals[i] = oldVals[j];
    }
  }

  *values(): Generator<V> {
    const { keys, vals } = this;
    for (let i = 0; i < keys.length; i++) if (keys[i]! >= 0) yield vals[i]!;
    yield* this.v6.values();
  }
}
