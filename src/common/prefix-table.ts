/**
 * The prefixes of one family, each given a small integer slot: an open-addressing hash table (linear probing,
 * backward-shift deletion) over typed arrays, so a lookup allocates nothing and a million prefixes cost
 * about 13 (IPv4) or 25 (IPv6) bytes each here instead of a Map entry with a boxed number or a 35-character
 * string key. Its owners keep their per-prefix state in arrays indexed by slot: the RIB (rib/loc-rib.ts,
 * rib/adj-rib-out.ts) and the kernel's FIB (kernel/fib.ts).
 *
 * Addresses are stored as 32-bit words, network order (IPv4: one word; IPv6: four), with host bits zero.
 * Freed slots are reused before new ones are made, the longest-freed first: a prune frees slots in ascending
 * order, and prefixes then announced in a row get ascending slots again (what `lookupMany`'s hint follows).
 */
import { ipv4Key, ipv6Key, type PrefixKey } from './prefix-key.js';

const EMPTY = -1;

/** fmix32 of MurmurHash3: spreads consecutive prefixes over the table. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class PrefixTable {
  /** Words per address: 1 for IPv4, 4 for IPv6. */
  readonly width: 1 | 4;
  words: Uint32Array;
  lengths: Uint8Array;
  /** 1 for slots that hold a prefix. */
  private live: Uint8Array;
  /** Each slot's hash, so removal and rehashing need not read and mix the address again. */
  private hashes: Int32Array;
  private buckets: Int32Array;
  private mask: number;
  private used = 0;
  private next = 0;
  /** Freed slots, oldest first from `freeHead` (a queue: see the top of the file). */
  private free: number[] = [];
  private freeHead = 0;
  /** Called with the new capacity whenever the slot arrays grow, so owners of per-slot arrays grow theirs. */
  onGrow: (capacity: number) => void = () => {};

  constructor(width: 1 | 4, capacity = 1024) {
    this.width = width;
    this.words = new Uint32Array(capacity * width);
    this.lengths = new Uint8Array(capacity);
    this.live = new Uint8Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.buckets = new Int32Array(capacity * 2).fill(EMPTY);
    this.mask = capacity * 2 - 1;
  }

  /** Prefixes held. */
  get size(): number {
    return this.used;
  }

  /** Slots allocated so far (every live slot is below this). */
  get highWater(): number {
    return this.next;
  }

  get capacity(): number {
    return this.lengths.length;
  }

  private hashAt(slot: number): number {
    return this.hashes[slot]!;
  }

  private computeHash(slot: number): number {
    return this.hashWords(this.words, slot * this.width, this.lengths[slot]!);
  }

  /**
   * The hash of the prefix at `words[o]` with `length`. IPv6: the four words multiplied by distinct odd
   * constants and summed, then one fmix32, rather than fmix32 four times over (a quarter of the multiplies;
   * the lookups and inserts of a 100k IPv6 table took 11 ms of CPU samples instead of 16).
   */
  private hashWords(words: Uint32Array, o: number, length: number): number {
    const l = Math.imul(length, 0x9e3779b1);
    if (this.width === 1) return mix(words[o]! ^ l);
    return mix((Math.imul(words[o]!, 0x85ebca77) + Math.imul(words[o + 1]!, 0xc2b2ae3d) + Math.imul(words[o + 2]!, 0x27d4eb2f)
      + Math.imul(words[o + 3]!, 0x165667b1) + l) | 0);
  }

  // ---- IPv4 --------------------------------------------------------------------------------------------

  /** The slot of an IPv4 prefix (address with host bits zero), or -1. */
  findV4(address: number, length: number): number {
    const b = this.buckets;
    let i = mix(address ^ Math.imul(length, 0x9e3779b1)) & this.mask;
    for (;;) {
      const s = b[i]!;
      if (s === EMPTY) return -1;
      if (this.words[s] === address && this.lengths[s] === length) return s;
      i = (i + 1) & this.mask;
    }
  }

  /** The slot of an IPv4 prefix, added when missing. */
  addV4(address: number, length: number): number {
    const b = this.buckets;
    let i = mix(address ^ Math.imul(length, 0x9e3779b1)) & this.mask;
    for (;;) {
      const s = b[i]!;
      if (s === EMPTY) break;
      if (this.words[s] === address && this.lengths[s] === length) return s;
      i = (i + 1) & this.mask;
    }
    const slot = this.allocate();
    this.words[slot] = address;
    this.lengths[slot] = length;
    return this.place(slot, i);
  }

  // ---- IPv6 --------------------------------------------------------------------------------------------

  private scratch = new Uint32Array(4);

  /** Load a wire prefix (bytes from `offset`, `length` bits) into the scratch words; host bits cleared. */
  private load(bytes: Uint8Array, offset: number, length: number): Uint32Array {
    const w = this.scratch;
    const n = (length + 7) >>> 3;
    for (let k = 0; k < 4; k++) {
      let v = 0;
      for (let j = 0; j < 4; j++) {
        const i = k * 4 + j;
        v = (v << 8) | (i < n ? bytes[offset + i]! : 0);
      }
      w[k] = v >>> 0;
    }
    const rest = length % 32;
    const word = length >>> 5;
    if (word < 4 && rest !== 0) w[word] = (w[word]! & (0xffffffff << (32 - rest))) >>> 0;
    else if (word < 4) w[word] = 0;
    for (let k = word + 1; k < 4; k++) w[k] = 0;
    return w;
  }

  /** The bucket of the IPv6 prefix in `w[o..o+3]`: the one holding it, or the empty one where it would go. */
  private probeV6(w: Uint32Array, o: number, length: number): number {
    return this.probe(this.hashWords(w, o, length), w, o, length);
  }

  /** The slot of an IPv6 prefix as on the wire (`length` bits from `bytes[offset]`), or -1. */
  findV6(bytes: Uint8Array, offset: number, length: number): number {
    return this.buckets[this.probeV6(this.load(bytes, offset, length), 0, length)]!;
  }

  /** The slot of an IPv6 prefix as on the wire, added when missing. */
  addV6(bytes: Uint8Array, offset: number, length: number): number {
    return this.addV6Words(this.load(bytes, offset, length), 0, length);
  }

  /** The slot of an IPv6 prefix given as four words (network order, host bits zero) from `words[at]`, or -1. */
  findV6Words(words: Uint32Array, at: number, length: number): number {
    return this.buckets[this.probeV6(words, at, length)]!;
  }

  /** The slot of an IPv6 prefix given as four words, added when missing. */
  addV6Words(words: Uint32Array, at: number, length: number): number {
    const i = this.probeV6(words, at, length);
    const found = this.buckets[i]!;
    return found !== EMPTY ? found : this.insertV6(words, at, length, i);
  }

  /** A new slot for the IPv6 prefix at `words[at]`, placed in the empty bucket `i` its probe ended on. */
  private insertV6(words: Uint32Array, at: number, length: number, i: number, hash?: number): number {
    const slot = this.allocate();
    const o = slot * 4;
    const ws = this.words;
    ws[o] = words[at]!;
    ws[o + 1] = words[at + 1]!;
    ws[o + 2] = words[at + 2]!;
    ws[o + 3] = words[at + 3]!;
    this.lengths[slot] = length;
    return this.place(slot, i, hash);
  }

  // ---- many at once ------------------------------------------------------------------------------------

  /** The slot the last `lookupMany` ended on: where the next batch's sequence hint starts. */
  private lastSlot = -1;

  /** Whether slot `slot` has the key of the prefix at `words[o]` with `length` (live or not: see callers). */
  private keyAt(slot: number, words: Uint32Array, o: number, length: number): boolean {
    if (this.lengths[slot] !== length) return false;
    const ws = this.words;
    if (this.width === 1) return ws[slot] === words[o];
    const so = slot * 4;
    return ws[so] === words[o] && ws[so + 1] === words[o + 1] && ws[so + 2] === words[o + 2] && ws[so + 3] === words[o + 3];
  }

  /** Whether the slot after `prev` holds the prefix at `words[o]`: the sequence hint of `lookupMany`. */
  private follows(prev: number, words: Uint32Array, o: number, length: number): boolean {
    const g = prev + 1;
    // A freed slot keeps its old key until reused, hence the live check.
    return prev >= 0 && g < this.next && this.keyAt(g, words, o, length) && this.live[g] === 1;
  }

  /**
   * The slots of `n` prefixes given as columns (`width` words per prefix, network order, host bits zero; and
   * lengths), written to `out`: missing prefixes are added when `add`, else their slot is -1. The answers are
   * those of the one-at-a-time calls made in order (a prefix twice in the batch is added once).
   *
   * Before hashing, each lookup tries the slot after the previous prefix's (a sequence hint). A peer withdraws
   * or re-sends its prefixes in the order it announced them, and this table gave those consecutive slots, so
   * on a large table the lookup skips the random bucket, a cache miss, for one that is next in memory to the
   * last. Off a sequence the hint is tried only every 16th prefix (and at the start of a batch): testing it
   * needs the previous lookup's answer, and waiting for that would stop the processor overlapping the cache
   * misses of lookups in no particular order.
   */
  lookupMany(words: Uint32Array, lengths: Uint8Array, n: number, add: boolean, out: Int32Array): void {
    const width = this.width;
    let prev = this.lastSlot;
    for (let j = 0; j < n; j++) {
      const o = j * width;
      const len = lengths[j]!;
      if (this.follows(prev, words, o, len)) {
        out[j] = ++prev;
        continue;
      }
      let slot: number;
      if (width === 1) {
        slot = add ? this.addV4(words[o]!, len) : this.findV4(words[o]!, len);
      } else {
        const h = this.hashWords(words, o, len);
        const i = this.probe(h, words, o, len);
        slot = this.buckets[i]!;
        if (slot === EMPTY) slot = add ? this.insertV6(words, o, len, i, h) : -1;
      }
      out[j] = slot;
      prev = (j & 15) === 0 ? slot : -1;
    }
    if (n > 0 && out[n - 1]! >= 0) this.lastSlot = out[n - 1]!;
  }

  /** The bucket holding the prefix at `words[o]` with `length` and hash `h`, or the empty one where it would go. */
  private probe(h: number, words: Uint32Array, o: number, length: number): number {
    const b = this.buckets;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const s = b[i]!;
      if (s === EMPTY || this.keyAt(s, words, o, length)) return i;
      i = (i + 1) & mask;
    }
  }

  // ---- common ------------------------------------------------------------------------------------------

  /** The slot of a prefix key (prefix-key.ts), or -1. */
  findKey(key: PrefixKey): number {
    if (typeof key === 'number') return this.width === 1 ? this.findV4(Math.floor(key / 64), key % 64) : -1;
    if (this.width !== 4) return -1;
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(key.slice(i * 2, i * 2 + 2), 16);
    return this.findV6(bytes, 0, Number(key.slice(33)));
  }

  /** The slot of a prefix key, added when missing. */
  addKey(key: PrefixKey): number {
    if (typeof key === 'number') return this.addV4(Math.floor(key / 64), key % 64);
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(key.slice(i * 2, i * 2 + 2), 16);
    return this.addV6(bytes, 0, Number(key.slice(33)));
  }

  /** The prefix key (prefix-key.ts) of a slot. */
  keyOf(slot: number): PrefixKey {
    if (this.width === 1) return ipv4Key(this.words[slot]!, this.lengths[slot]!);
    const bytes = new Uint8Array(16);
    const dv = new DataView(bytes.buffer);
    for (let k = 0; k < 4; k++) dv.setUint32(k * 4, this.words[slot * 4 + k]!);
    return ipv6Key(bytes, 0, this.lengths[slot]!);
  }

  /** The slot of the prefix at `slot` of `other` (a table of the same family), or -1. */
  findFrom(other: PrefixTable, slot: number): number {
    if (this.width === 1) return this.findV4(other.words[slot]!, other.lengths[slot]!);
    return this.findV6Words(other.words, slot * 4, other.lengths[slot]!);
  }

  /** The slot of the prefix at `slot` of `other` (a table of the same family), added when missing. */
  addFrom(other: PrefixTable, slot: number): number {
    if (this.width === 1) return this.addV4(other.words[slot]!, other.lengths[slot]!);
    return this.addV6Words(other.words, slot * 4, other.lengths[slot]!);
  }

  /** Writes the address of a slot (4 or 16 octets, network order) at `out[offset]`. */
  writeAddress(slot: number, out: Uint8Array, offset: number): void {
    const w = this.words;
    for (let k = 0, o = slot * this.width; k < this.width; k++, offset += 4) {
      const v = w[o + k]!;
      out[offset] = v >>> 24;
      out[offset + 1] = (v >>> 16) & 255;
      out[offset + 2] = (v >>> 8) & 255;
      out[offset + 3] = v & 255;
    }
  }

  /** Whether a slot holds a prefix (and was not removed since). */
  has(slot: number): boolean {
    return this.live[slot] === 1;
  }

  /** Forget the prefix of a slot; the slot is reused later. */
  remove(slot: number): void {
    if (this.live[slot] !== 1) throw new Error(`prefix table: slot ${slot} holds no prefix`);
    const b = this.buckets;
    let i = this.hashAt(slot) & this.mask;
    while (b[i] !== slot) {
      if (b[i] === EMPTY) throw new Error(`prefix table: slot ${slot} is not in the table`);
      i = (i + 1) & this.mask;
    }
    // Backward-shift deletion: move later entries of the probe run into the hole when their home allows.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      const s = b[j]!;
      if (s === EMPTY) break;
      const home = this.hashAt(s) & this.mask;
      // Move s when its home is not cyclically within (hole, j].
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        b[hole] = s;
        hole = j;
      }
    }
    b[hole] = EMPTY;
    this.live[slot] = 0;
    this.used--;
    this.free.push(slot);
  }

  private allocate(): number {
    if (this.freeHead < this.free.length) {
      const reused = this.free[this.freeHead++]!;
      if (this.freeHead === this.free.length) {
        this.free = [];
        this.freeHead = 0;
      } else if (this.freeHead > 4096 && this.freeHead * 2 > this.free.length) {
        this.free = this.free.slice(this.freeHead);
        this.freeHead = 0;
      }
      return reused;
    }
    if (this.next === this.capacity) this.grow(this.capacity * 2);
    return this.next++;
  }

  private place(slot: number, index: number, hash?: number): number {
    this.buckets[index] = slot;
    this.hashes[slot] = hash ?? this.computeHash(slot);
    this.live[slot] = 1;
    this.used++;
    if (this.used * 2 > this.buckets.length) this.rehash(this.buckets.length * 2);
    return slot;
  }

  private grow(capacity: number): void {
    const words = new Uint32Array(capacity * this.width);
    words.set(this.words);
    this.words = words;
    const lengths = new Uint8Array(capacity);
    lengths.set(this.lengths);
    this.lengths = lengths;
    const live = new Uint8Array(capacity);
    live.set(this.live);
    this.live = live;
    const hashes = new Int32Array(capacity);
    hashes.set(this.hashes);
    this.hashes = hashes;
    this.onGrow(capacity);
  }

  /**
   * The buckets at `size`, every live slot placed again. By slot order, not by old bucket: each slot's hash
   * and liveness are then read in order, where walking the old buckets read the hash of slots in no order,
   * a cache miss each once the table outgrows the cache.
   */
  private rehash(size: number): void {
    const b = new Int32Array(size).fill(EMPTY);
    const mask = size - 1;
    const hashes = this.hashes;
    const live = this.live;
    for (let s = 0; s < this.next; s++) {
      if (live[s] === 0) continue;
      let i = hashes[s]! & mask;
      while (b[i] !== EMPTY) i = (i + 1) & mask;
      b[i] = s;
    }
    this.buckets = b;
    this.mask = mask;
  }
}
