/**
 * Prefix ranges against prefix keys, without allocating: IPv4 keys are numbers (address * 64 + length),
 * compared with shifts; IPv6 keys are "<32 hex digits>/<length>", compared as hex text (whole nibbles with
 * `startsWith`, a partial nibble by its character code).
 *
 * A range covers a key when the key is at least as long as the range and agrees with it on the range's
 * bits; a prefix-set entry also bounds the key's length to [ge, le].
 *
 * `routeInRanges` is the per-route entry point. It takes the route, not its key, and does the IPv4
 * arithmetic inline: an IPv4 key above 2^31 is a double, which V8 keeps unboxed in a Path of IPv4 routes
 * only, and passing it to a function it did not inline allocates a HeapNumber per call (measured: 32 bytes
 * per route through a two-term prefix chain, in some runs, when `matches` was compiled on its own).
 */
import type { PrefixKey } from '../../common/prefix-key.js';
import type { IpRange, PrefixRange } from './types.js';

/** A range prepared for matching. */
export interface RangeMatcher {
  readonly v4: boolean;
  readonly length: number;
  readonly ge: number;
  readonly le: number;
  /** IPv4: the network address as an unsigned 32-bit number. */
  readonly network: number;
  /** IPv6: the hex digits of the whole nibbles of the range. */
  readonly hex: string;
  /** IPv6: the value and mask of the partial nibble after `hex` (mask 0 when the length is a multiple of 4). */
  readonly nibble: number;
  readonly nibbleMask: number;
}

export function rangeMatcher(r: IpRange | PrefixRange): RangeMatcher {
  const ge = 'ge' in r ? r.ge : 0;
  const le = 'le' in r ? r.le : 128;
  if (typeof r.prefix === 'number') {
    const length = r.prefix % 64;
    return { v4: true, length, ge, le, network: Math.floor(r.prefix / 64), hex: '', nibble: 0, nibbleMask: 0 };
  }
  const length = v6Length(r.prefix);
  const whole = length >>> 2;
  const rest = length & 3;
  const nibbleMask = rest === 0 ? 0 : (0xf << (4 - rest)) & 0xf;
  const nibble = rest === 0 ? 0 : hexValue(r.prefix.charCodeAt(whole)) & nibbleMask;
  return { v4: false, length, ge, le, network: 0, hex: r.prefix.slice(0, whole), nibble, nibbleMask };
}

/** The length of an IPv6 key, read from its digits after the "/". */
export function v6Length(key: string): number {
  let n = 0;
  for (let i = 33; i < key.length; i++) n = n * 10 + (key.charCodeAt(i) - 48);
  return n;
}

function hexValue(code: number): number {
  return code <= 57 ? code - 48 : code - 87; // '0'-'9', 'a'-'f' (keys are lower case)
}

/** Whether the range covers `key`, ignoring ge/le (an address inside a block). */
export function covers(m: RangeMatcher, key: PrefixKey): boolean {
  if (typeof key === 'number') {
    if (!m.v4) return false;
    const length = key % 64;
    if (length < m.length) return false;
    if (m.length === 0) return true;
    const shift = 32 - m.length;
    return Math.floor(key / 64) >>> shift === m.network >>> shift;
  }
  if (m.v4 || v6Length(key) < m.length || !key.startsWith(m.hex)) return false;
  return m.nibbleMask === 0 || (hexValue(key.charCodeAt(m.hex.length)) & m.nibbleMask) === m.nibble;
}

/** Whether `key` is one of the prefixes of a prefix-set entry: covered, with a length in [ge, le]. */
export function inPrefixRange(m: RangeMatcher, key: PrefixKey): boolean {
  const length = typeof key === 'number' ? key % 64 : v6Length(key);
  return length >= m.ge && length <= m.le && covers(m, key);
}

/** Whether the route's prefix is one of any range's prefixes (inPrefixRange over a list, allocation-free). */
export function routeInRanges(ranges: readonly RangeMatcher[], route: { readonly prefix: PrefixKey }): boolean {
  const key = route.prefix;
  if (typeof key !== 'number') {
    for (let i = 0; i < ranges.length; i++) if (inPrefixRange(ranges[i]!, key)) return true;
    return false;
  }
  const length = key % 64;
  const address = (key - length) / 64;
  for (let i = 0; i < ranges.length; i++) {
    const m = ranges[i]!;
    if (!m.v4 || length < m.ge || length > m.le || length < m.length) continue;
    if (m.length === 0) return true;
    const shift = 32 - m.length;
    if (address >>> shift === m.network >>> shift) return true;
  }
  return false;
}
