/**
 * A small integer (a slot) for every route key the FIB knows, so its per-route state can live in arrays
 * indexed by slot instead of one object per route behind a Map: at 100,000 routes the objects and the Map's
 * boxed keys were the largest part of the FIB's own time and of what the garbage collector had to copy.
 *
 * IPv4 keys (address × 64 + length, up to 2^38: no small integers) sit unboxed in a Float64Array, open
 * addressing with linear probing and tombstones; IPv6 keys (strings, few) in a Map. Slots are handed out
 * densely and reused once released; `limit` bounds them for iteration.
 */
import type { RouteKey } from './route-key.js';

const EMPTY = -1;
const DELETED = -2;
const MIN_CAPACITY = 16;

/** A mix of the address and the length; the table size is a power of two, so the low bits must vary. */
function hash(key: number): number {
  const len = key % 64;
  const address = (key - len) / 64;
  const h = Math.imul(address | 0, 0x9e3779b1) ^ Math.imul(len, 0x85ebca6b);
  return h ^ (h >>> 16);
}

export class RouteSlots {
  /** The IPv4 hash table: key, and the slot it has. */
  private table = new Float64Array(MIN_CAPACITY).fill(EMPTY);
  private tableSlots = new Int32Array(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  /** Table cells that are live or tombstones (what fills the table), and live IPv4 keys. */
  private filled = 0;
  private v4 = 0;
  private readonly v6 = new Map<string, number>();
  /** Per slot: its IPv4 key, or NaN (IPv6, or free). */
  private v4Keys = new Float64Array(MIN_CAPACITY).fill(Number.NaN);
  private readonly v6Keys = new Map<number, string>();
  private readonly free: number[] = [];
  private handedOut = 0;

  get size(): number {
    return this.v4 + this.v6.size;
  }

  /** Every slot in use is below this. */
  get limit(): number {
    return this.handedOut;
  }

  private cell(key: number): number {
    const table = this.table;
    const mask = this.mask;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const k = table[i]!;
      if (k === key) return i;
      if (k === EMPTY) return -1;
    }
  }

  /** The slot of `key`, or -1. */
  find(key: RouteKey): number {
    if (typeof key === 'string') return this.v6.get(key) ?? -1;
    const i = this.cell(key);
    return i < 0 ? -1 : this.tableSlots[i]!;
  }

  /** A slot for `key`, which must have none. */
  add(key: RouteKey): number {
    const slot = this.free.length ? this.free.pop()! : this.handedOut++;
    if (slot >= this.v4Keys.length) {
      const bigger = new Float64Array(this.v4Keys.length * 2).fill(Number.NaN);
      bigger.set(this.v4Keys);
      this.v4Keys = bigger;
    }
    if (typeof key === 'string') {
      this.v6.set(key, slot);
      this.v6Keys.set(slot, key);
      return slot;
    }
    const table = this.table;
    const mask = this.mask;
    let i = hash(key) & mask;
    while (table[i]! >= 0) i = (i + 1) & mask; // a tombstone or an empty cell takes it
    if (table[i] === EMPTY) this.filled++;
    table[i] = key;
    this.tableSlots[i] = slot;
    this.v4Keys[slot] = key;
    this.v4++;
    if (this.filled * 2 > table.length) this.rehash();
    return slot;
  }

  /** Frees `slot`: its key has no slot any more, and the slot may be handed out again. */
  remove(slot: number): void {
    const key = this.v4Keys[slot]!;
    if (Number.isNaN(key)) {
      const v6 = this.v6Keys.get(slot);
      if (v6 === undefined) return;
      this.v6Keys.delete(slot);
      this.v6.delete(v6);
    } else {
      this.table[this.cell(key)] = DELETED;
      this.v4Keys[slot] = Number.NaN;
      this.v4--;
    }
    this.free.push(slot);
  }

  keyAt(slot: number): RouteKey {
    const key = this.v4Keys[slot]!;
    return Number.isNaN(key) ? this.v6Keys.get(slot)! : key;
  }

  /** Into a table where live keys fill at most a quarter (tombstones are dropped). */
  private rehash(): void {
    let capacity = MIN_CAPACITY;
    while (capacity < this.v4 * 4) capacity *= 2;
    const oldTable = this.table;
    const oldSlots = this.tableSlots;
    this.table = new Float64Array(capacity).fill(EMPTY);
    this.tableSlots = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.filled = this.v4;
    for (let j = 0; j < oldTable.length; j++) {
      const k = oldTable[j]!;
      if (k < 0) continue;
      let i = hash(k) & this.mask;
      while (this.table[i] !== EMPTY) i = (i + 1) & this.mask;
      this.table[i] = k;
      this.tableSlots[i] = oldSlots[j]!;
    }
  }
}
