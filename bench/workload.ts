/**
 * The codec benchmark's workloads: prefix batches, the attribute set, and the decode loop the RIB will run
 * (Framer.push of one buffer of back-to-back UPDATEs → decodeMessage for each → walk the NLRI without
 * allocating). Every prefix visited is folded into a checksum kept in a typed array, so the work cannot be
 * optimised away and storing it allocates nothing; the checksum and count are compared with values computed
 * independently from the batch.
 */
import {
  attribute, buildNlri, decodeMessage, encodeAttributesForPacking, findAttribute, forEachIPv4, forEachPrefix, Framer, IPV4_UNICAST,
  IPV6_UNICAST, parseAddress, type CodecContext, type PrefixBatch, type UpdateMessage,
} from '../src/bgp/wire/index.js';

/**
 * `count` distinct IPv4 /24s spread over the whole address space (i · odd constant mod 2^24 is a bijection),
 * so half of them are ≥ 128.0.0.0 and do not fit a small integer: a decoder that boxes addresses would show it.
 */
export function ipv4Batch(count: number, withPathIds: boolean): PrefixBatch {
  if (count > 1 << 24) throw new RangeError('at most 2^24 distinct /24s');
  const words = new Uint32Array(count);
  const lengths = new Uint8Array(count).fill(24);
  for (let i = 0; i < count; i++) words[i] = ((Math.imul(i, 0x9e3779b1) & 0xffffff) << 8) >>> 0;
  if (!withPathIds) return { family: IPV4_UNICAST, count, words, lengths };
  const pathIds = new Uint32Array(count);
  for (let i = 0; i < count; i++) pathIds[i] = i + 1;
  return { family: IPV4_UNICAST, count, words, lengths, pathIds };
}

/** `count` distinct IPv6 /48s, 2a00:XXXX:YYYY::/48 with XXXXYYYY a bijection of the index. */
export function ipv6Batch(count: number): PrefixBatch {
  const words = new Uint32Array(count * 4);
  const lengths = new Uint8Array(count).fill(48);
  for (let i = 0; i < count; i++) {
    const x = Math.imul(i, 0x9e3779b1) >>> 0;
    words[i * 4] = (0x2a000000 | (x >>> 16)) >>> 0;
    words[i * 4 + 1] = ((x & 0xffff) << 16) >>> 0;
  }
  return { family: IPV6_UNICAST, count, words, lengths };
}

/** A typical eBGP attribute set, encoded once per batch (as the daemon does per attribute set). */
export function encodedAttributes(ctx: CodecContext, withNextHop: boolean): Uint8Array {
  return encodeAttributesForPacking([
    attribute({ type: 'origin', origin: 'igp' }),
    attribute({ type: 'as-path', segments: [{ type: 'sequence', asns: [65001, 65002, 65003] }] }),
    ...(withNextHop ? [attribute({ type: 'next-hop', nextHop: '192.0.2.1' })] : []),
    attribute({ type: 'med', med: 100 }),
    attribute({ type: 'communities', communities: [(65001 << 16) + 100, (65001 << 16) + 200] }),
  ], ctx);
}

/** Global + link-local, as an eBGP IPv6 next hop usually is (RFC 2545 §3). */
export const IPV6_NEXT_HOP = new Uint8Array([...parseAddress('2001:db8::1'), ...parseAddress('fe80::1')]);

/** [checksum, prefixes visited]. A Float64Array slot: sums up to 2^53 stay exact and never allocate. */
export const acc = new Float64Array(2);

function visitIPv4(address: number, length: number, pathId: number): void {
  acc[0]! += address + length + pathId;
  acc[1]!++;
}

/** What a RIB does with a non-IPv4 prefix: read its address octets (here into a hash). */
function prefixHash(bytes: Uint8Array, offset: number, length: number): number {
  const n = (length + 7) >>> 3;
  let h = 0;
  for (let k = 0; k < n; k++) h = (Math.imul(h, 31) + bytes[offset + k]!) | 0;
  return h >>> 0;
}

function visitPrefix(bytes: Uint8Array, offset: number, length: number, pathId: number): void {
  acc[0]! += prefixHash(bytes, offset, length) + length + pathId;
  acc[1]!++;
}

/**
 * Make the visitor call sites inside `forEachIPv4` / `forEachPrefix` megamorphic, as they will be in the daemon
 * where several callers (announce, withdraw, treat-as-withdraw, display) pass visitors of their own. V8 then no
 * longer inlines the visitor into the walk, so arguments are passed as real values: an unsigned address of
 * 128.0.0.0 or more does not fit a small integer and is boxed. Irreversible for the process: scenarios that
 * call it run last.
 */
export function makeVisitorCallSitesMegamorphic(): void {
  const v4 = buildNlri('ipv4-unicast', ['10.0.0.0/24', '192.0.2.0/24']);
  const v6 = buildNlri('ipv6-unicast', ['2001:db8::/32']);
  const sink = new Float64Array(1);
  for (let r = 0; r < 2000; r++) {
    forEachIPv4(v4, (address) => { sink[0]! += address; });
    forEachIPv4(v4, (_address, length) => { sink[0]! += length; });
    forEachIPv4(v4, (_address, _length, pathId) => { sink[0]! += pathId; });
    forEachPrefix(v6, (_bytes, offset) => { sink[0]! += offset; });
    forEachPrefix(v6, (_bytes, _offset, length) => { sink[0]! += length; });
  }
}

/** The checksum the visitors must reach for the whole batch, computed from the batch itself. */
export function expectedChecksum(batch: PrefixBatch, withPathIds: boolean): number {
  let sum = 0;
  const wordsPer = batch.family.addressBytes >>> 2;
  const scratch = new Uint8Array(batch.family.addressBytes);
  for (let i = 0; i < batch.count; i++) {
    const length = batch.lengths[i]!;
    const pathId = withPathIds ? batch.pathIds![i]! : 0;
    if (wordsPer === 1) {
      sum += batch.words[i]! + length + pathId;
    } else {
      for (let k = 0; k < scratch.length; k++) scratch[k] = batch.words[i * wordsPer + (k >>> 2)]! >>> (24 - ((k & 3) << 3));
      sum += prefixHash(scratch, 0, length) + length + pathId;
    }
  }
  return sum;
}

/** Which NLRI of each UPDATE the walk visits. */
export type Walk = 'ipv4-nlri' | 'ipv4-withdrawn' | 'mp-reach' | 'mp-unreach';

function walk(u: UpdateMessage, what: Walk): void {
  switch (what) {
    case 'ipv4-nlri':
      forEachIPv4(u.nlri, visitIPv4);
      break;
    case 'ipv4-withdrawn':
      forEachIPv4(u.withdrawn, visitIPv4);
      break;
    case 'mp-reach': {
      const reach = findAttribute(u, 'mp-reach');
      if (!reach) throw new Error('UPDATE without MP_REACH_NLRI');
      forEachPrefix(reach.nlri, visitPrefix);
      break;
    }
    case 'mp-unreach': {
      const unreach = findAttribute(u, 'mp-unreach');
      if (!unreach) throw new Error('UPDATE without MP_UNREACH_NLRI');
      forEachPrefix(unreach.withdrawn, visitPrefix);
      break;
    }
  }
}

/**
 * The RIB's receive path over a buffer of back-to-back messages: frame, decode each, walk its NLRI.
 * Resets `acc` first; returns the number of messages. Throws on any framing or decode error.
 */
export function decodeStream(stream: Uint8Array, ctx: CodecContext, what: Walk): number {
  acc[0] = 0;
  acc[1] = 0;
  const framed = new Framer(ctx.extendedMessage ? 65535 : 4096).push(stream);
  if (framed.error) throw new Error(`framing failed: ${framed.error.reason}`);
  const messages = framed.messages;
  for (let i = 0; i < messages.length; i++) {
    const r = decodeMessage(messages[i]!, ctx);
    if (r.action !== 'none' || r.message.type !== 'UPDATE') {
      throw new Error(`message ${i}: ${r.action} ${r.errors.map((e) => e.reason).join('; ')}`);
    }
    walk(r.message, what);
  }
  return messages.length;
}
