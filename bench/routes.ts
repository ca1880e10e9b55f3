/**
 * The routes the side-by-side benchmark (`npm run bench`, bench/run.ts) announces, shared by the sender and
 * the receivers so that both agree on which prefixes are "ours" without any exchange.
 *
 * Prefix i (0 ≤ i < 2^20) is, for IPv4, the /24 at 16.0.0.0 + i·256 (so 1M prefixes fill 16.0.0.0/4) and,
 * for IPv6, 2a00:XXXX:XXXX::/48 with XXXXXXXX = i. The index is a bijection with the prefix, so receivers
 * key their tables by it and anything else a DUT might send (a connected route, say) is counted apart.
 */
import {
  attribute, encodeAttributesForPacking, IPV4_UNICAST, IPV6_UNICAST, makeContext, type PrefixBatch,
} from '../src/bgp/wire/index.js';

export type BenchFamily = 'ipv4' | 'ipv6';

/** 16.0.0.0 >>> 8: the /24 number of prefix 0. */
const V4_BASE24 = 0x100000;
export const MAX_PREFIXES = 1 << 20;

/** All `count` prefixes of the family as one batch (words and lengths can be sliced with {@link slice}). */
export function prefixBatch(family: BenchFamily, count: number): PrefixBatch {
  if (!Number.isInteger(count) || count < 0 || count > MAX_PREFIXES) throw new RangeError(`prefix count ${count} outside 0..${MAX_PREFIXES}`);
  if (family === 'ipv4') {
    const words = new Uint32Array(count);
    for (let i = 0; i < count; i++) words[i] = ((V4_BASE24 + i) << 8) >>> 0;
    return { family: IPV4_UNICAST, count, words, lengths: new Uint8Array(count).fill(24) };
  }
  const words = new Uint32Array(count * 4);
  for (let i = 0; i < count; i++) {
    words[i * 4] = (0x2a000000 | (i >>> 16)) >>> 0;
    words[i * 4 + 1] = ((i & 0xffff) << 16) >>> 0;
  }
  return { family: IPV6_UNICAST, count, words, lengths: new Uint8Array(count).fill(48) };
}

/** Prefixes [start, start + count) of a batch, without copying. */
export function slice(batch: PrefixBatch, start: number, count: number): PrefixBatch {
  const per = batch.family.addressBytes >>> 2;
  return {
    family: batch.family,
    count,
    words: batch.words.subarray(start * per, (start + count) * per),
    lengths: batch.lengths.subarray(start, start + count),
  };
}

/** Index of an IPv4 prefix (unsigned address, length), or -1 when it is not one of ours. */
export function v4Index(address: number, length: number): number {
  if (length !== 24) return -1;
  const i = (address >>> 8) - V4_BASE24;
  return i >= 0 && i < MAX_PREFIXES ? i : -1;
}

/** Index of an IPv6 prefix given as in forEachPrefix (bytes, offset of the address, length), or -1. */
export function v6Index(bytes: Uint8Array, offset: number, length: number): number {
  if (length !== 48 || bytes[offset] !== 0x2a || bytes[offset + 1] !== 0x00) return -1;
  const i = ((bytes[offset + 2]! << 24) | (bytes[offset + 3]! << 16) | (bytes[offset + 4]! << 8) | bytes[offset + 5]!) >>> 0;
  return i < MAX_PREFIXES ? i : -1;
}

export interface AttributeOptions {
  /** The sender's AS (first and, for eBGP, only AS of the path). */
  readonly asn: number;
  /** iBGP: empty AS_PATH and LOCAL_PREF 100. */
  readonly ibgp: boolean;
  /** IPv4 NEXT_HOP; absent for IPv6 (the next hop goes in MP_REACH_NLRI). */
  readonly nextHop?: string;
}

/**
 * Attribute set number `k` (0 is the default one): ORIGIN IGP, AS_PATH, NEXT_HOP (IPv4), LOCAL_PREF (iBGP) and
 * one community. Sets differ by their AS_PATH (a private 4-octet AS 4200000000+k appended for k > 0) and
 * their community (65001:k), so a DUT cannot merge them.
 */
export function encodedAttributeSet(k: number, opts: AttributeOptions): Uint8Array {
  const path = opts.ibgp ? (k === 0 ? [] : [4200000000 + k]) : k === 0 ? [opts.asn] : [opts.asn, 4200000000 + k];
  return encodeAttributesForPacking([
    attribute({ type: 'origin', origin: 'igp' }),
    attribute({ type: 'as-path', segments: path.length === 0 ? [] : [{ type: 'sequence', asns: path }] }),
    ...(opts.nextHop !== undefined ? [attribute({ type: 'next-hop', nextHop: opts.nextHop })] : []),
    ...(opts.ibgp ? [attribute({ type: 'local-pref', localPref: 100 })] : []),
    attribute({ type: 'communities', communities: [((65001 << 16) | (k & 0xffff)) >>> 0] }),
  ], makeContext({ as4: true }));
}
