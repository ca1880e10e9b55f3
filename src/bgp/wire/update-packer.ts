/**
 * Outbound UPDATE packing: many prefixes that share one attribute set go out in as few UPDATEs as the
 * session's message size allows (RFC 4271 §4.3 for IPv4 in the NLRI field, RFC 4760 §3 for the others in
 * MP_REACH_NLRI, which goes first as RFC 7606 §5.1 asks). Withdrawals are packed the same way.
 *
 * The input is a `PrefixBatch`, prefixes as numbers; the output is one byte array holding the messages back
 * to back, ready for a single socket write. The attributes are encoded once by the caller (once per attribute
 * set), never per prefix. `appendAnnouncements` and `appendWithdrawals` add to an `UpdateBuffer` the caller
 * keeps, so that the withdrawals and every attribute set of one flush go out as one write: a table under
 * 1000 sets had been 1000 buffers of a few hundred octets, each allocated, written and collected.
 */
import { AttrFlag, AttrType, HEADER_LENGTH, MessageType } from './constants.js';
import type { CodecContext } from './context.js';
import type { Family } from './family.js';
import { maxLengthFor } from './message.js';
import { encodeAttributes } from './attributes/codec.js';
import type { PathAttribute } from './attributes/types.js';
import { Writer } from './writer.js';

export interface PrefixBatch {
  readonly family: Family;
  readonly count: number;
  /** addressBytes / 4 unsigned 32-bit words per prefix, most significant word first. */
  readonly words: Uint32Array;
  readonly lengths: Uint8Array;
  /** Path identifiers (RFC 7911), one per prefix; required when add-path is on for the family. */
  readonly pathIds?: Uint32Array;
}

export interface PackedUpdates {
  /** The messages, back to back. */
  readonly bytes: Uint8Array;
  readonly messages: number;
}

/** The largest encoded prefix of the family: path id + length octet + address. */
function maxPrefixSize(family: Family, addPath: boolean): number {
  return (addPath ? 4 : 0) + 1 + family.addressBytes;
}

/** UPDATEs packed back to back, growing as needed. Its bytes go to a socket: make a new one per write. */
export class UpdateBuffer {
  buf: Uint8Array;
  pos = 0;
  messages = 0;
  constructor(size = 4096) {
    this.buf = new Uint8Array(size);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  header(): number {
    const start = this.pos;
    this.buf.fill(0xff, start, start + 16);
    this.buf[start + 18] = MessageType.UPDATE;
    this.pos += HEADER_LENGTH;
    return start;
  }
  u16At(at: number, v: number): void {
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v;
  }
  finishMessage(start: number): void {
    this.u16At(start + 16, this.pos - start);
    this.messages++;
  }
  done(): PackedUpdates {
    return { bytes: this.buf.subarray(0, this.pos), messages: this.messages };
  }
}

/**
 * Write prefixes of the batch from `i` on at out.pos while out.pos stays at or below `limit` before each
 * (the caller's room check: a whole prefix of the largest size still fits); returns the next index. Loops
 * over local variables, IPv4 without path identifiers (by far the most common) in one of its own: a
 * function call per prefix reading the batch's fields took 13-22 ns a prefix, most of a withdrawal's
 * packing, against 7 now.
 */
function writePrefixes(out: UpdateBuffer, batch: PrefixBatch, i: number, limit: number, addPath: boolean): number {
  const count = batch.count;
  const b = out.buf;
  const words = batch.words;
  const lengths = batch.lengths;
  const ids = addPath ? batch.pathIds! : undefined;
  const wordsPer = batch.family.addressBytes >>> 2;
  let p = out.pos;
  if (wordsPer === 1 && ids === undefined) {
    for (; i < count && p <= limit; i++) {
      const bits = lengths[i]!;
      const w = words[i]!;
      b[p++] = bits;
      if (bits > 0) b[p++] = w >>> 24;
      if (bits > 8) b[p++] = w >>> 16;
      if (bits > 16) b[p++] = w >>> 8;
      if (bits > 24) b[p++] = w;
    }
  } else {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (; i < count && p <= limit; i++) {
      if (ids !== undefined) {
        const id = ids[i]!;
        b[p] = id >>> 24; b[p + 1] = id >>> 16; b[p + 2] = id >>> 8; b[p + 3] = id;
        p += 4;
      }
      const bits = lengths[i]!;
      b[p++] = bits;
      const n = (bits + 7) >>> 3;
      const base = i * wordsPer;
      // Whole words, the last one's octets past the prefix's included (zero: host bits are clear), and the
      // position moved on by the prefix's octets only: what follows overwrites them. There is room: the
      // caller's limit leaves a whole prefix of the largest size, and no address has more than 4 words.
      for (let k = 0; k < n; k += 4) view.setUint32(p + k, words[base + (k >>> 2)]!);
      p += n;
    }
  }
  out.pos = p;
  return i;
}

function checkBatch(batch: PrefixBatch, addPath: boolean): void {
  if (addPath && (!batch.pathIds || batch.pathIds.length < batch.count)) {
    throw new RangeError(`add-path is on for ${batch.family.name}: every prefix needs a path identifier`);
  }
}

/**
 * Announce the batch with the given encoded attributes (MP_REACH_NLRI excluded). IPv4 unicast goes in the
 * NLRI field and `attributes` must hold NEXT_HOP; other families, and IPv4 over an IPv6 next hop (RFC 8950),
 * go in MP_REACH_NLRI with `mp.nextHop` as its next-hop field.
 */
export function packAnnouncements(
  batch: PrefixBatch,
  attributes: Uint8Array,
  ctx: CodecContext,
  mp?: { readonly nextHop: Uint8Array },
): PackedUpdates {
  const out = new UpdateBuffer(announcementsSize(batch, attributes, ctx, mp));
  appendAnnouncements(out, batch, attributes, ctx, mp);
  return out.done();
}

/** The octets `packAnnouncements` needs at most for a batch (a size hint for an UpdateBuffer). */
export function announcementsSize(batch: PrefixBatch, attributes: Uint8Array, ctx: CodecContext, mp?: { readonly nextHop: Uint8Array }): number {
  const addPath = ctx.addPath.has(batch.family.name);
  const max = maxLengthFor(MessageType.UPDATE, ctx);
  const maxPrefix = maxPrefixSize(batch.family, addPath);
  const fixed = HEADER_LENGTH + 4 + attributes.length + (mp !== undefined || batch.family.afi !== 1 ? 4 + 5 + (mp?.nextHop.length ?? 0) : 0);
  const perMessage = Math.max(1, Math.floor((max - fixed) / maxPrefix));
  return Math.ceil(batch.count / perMessage) * (fixed + perMessage * maxPrefix);
}

/** `packAnnouncements`, appended to `out`. */
export function appendAnnouncements(
  out: UpdateBuffer,
  batch: PrefixBatch,
  attributes: Uint8Array,
  ctx: CodecContext,
  mp?: { readonly nextHop: Uint8Array },
): void {
  const addPath = ctx.addPath.has(batch.family.name);
  checkBatch(batch, addPath);
  const max = maxLengthFor(MessageType.UPDATE, ctx);
  const maxPrefix = maxPrefixSize(batch.family, addPath);
  const useMp = mp !== undefined || batch.family.afi !== 1;
  if (useMp && !mp) throw new RangeError(`${batch.family.name} announcements need an MP_REACH_NLRI next hop`);
  const fixed = HEADER_LENGTH + 4 + attributes.length + (useMp ? 4 + 5 + mp!.nextHop.length : 0);
  if (fixed + maxPrefix > max) throw new RangeError(`attributes of ${attributes.length} octets leave no room for NLRI`);
  let i = 0;
  while (i < batch.count) {
    out.ensure(max);
    const start = out.header();
    out.u16At(out.pos, 0); // withdrawn routes length
    const attrLenAt = out.pos + 2;
    out.pos += 4;
    const attrStart = out.pos;
    let mpLenAt = -1;
    let mpStart = -1;
    if (useMp) {
      const b = out.buf;
      b[out.pos++] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
      b[out.pos++] = AttrType.MP_REACH_NLRI;
      mpLenAt = out.pos;
      out.pos += 2;
      mpStart = out.pos;
      out.u16At(out.pos, batch.family.afi);
      b[out.pos + 2] = batch.family.safi;
      b[out.pos + 3] = mp!.nextHop.length;
      out.pos += 4;
      b.set(mp!.nextHop, out.pos);
      out.pos += mp!.nextHop.length;
      b[out.pos++] = 0; // reserved
    }
    // IPv4 NLRI follow the attributes; MP NLRI sit inside MP_REACH_NLRI, before the other attributes.
    if (useMp) {
      i = writePrefixes(out, batch, i, start + max - maxPrefix - attributes.length, addPath);
      out.u16At(mpLenAt, out.pos - mpStart);
      out.buf.set(attributes, out.pos);
      out.pos += attributes.length;
      out.u16At(attrLenAt, out.pos - attrStart);
    } else {
      out.buf.set(attributes, out.pos);
      out.pos += attributes.length;
      out.u16At(attrLenAt, out.pos - attrStart);
      i = writePrefixes(out, batch, i, start + max - maxPrefix, addPath);
    }
    out.finishMessage(start);
  }
}

/** Withdraw the batch: IPv4 unicast in the Withdrawn Routes field, other families in MP_UNREACH_NLRI. */
export function packWithdrawals(batch: PrefixBatch, ctx: CodecContext): PackedUpdates {
  const out = new UpdateBuffer(withdrawalsSize(batch, ctx));
  appendWithdrawals(out, batch, ctx);
  return out.done();
}

/** The octets `packWithdrawals` needs at most for a batch (a size hint for an UpdateBuffer). */
export function withdrawalsSize(batch: PrefixBatch, ctx: CodecContext): number {
  const max = maxLengthFor(MessageType.UPDATE, ctx);
  const perMessage = Math.floor((max - HEADER_LENGTH - 4 - (batch.family.afi !== 1 ? 7 : 0)) / maxPrefixSize(batch.family, ctx.addPath.has(batch.family.name)));
  return Math.ceil(batch.count / perMessage) * max;
}

/** `packWithdrawals`, appended to `out`. */
export function appendWithdrawals(out: UpdateBuffer, batch: PrefixBatch, ctx: CodecContext): void {
  const addPath = ctx.addPath.has(batch.family.name);
  checkBatch(batch, addPath);
  const max = maxLengthFor(MessageType.UPDATE, ctx);
  const maxPrefix = maxPrefixSize(batch.family, addPath);
  const useMp = batch.family.afi !== 1;
  let i = 0;
  while (i < batch.count) {
    out.ensure(max);
    const start = out.header();
    if (useMp) {
      out.u16At(out.pos, 0);
      const attrLenAt = out.pos + 2;
      out.pos += 4;
      const attrStart = out.pos;
      const b = out.buf;
      b[out.pos++] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
      b[out.pos++] = AttrType.MP_UNREACH_NLRI;
      const lenAt = out.pos;
      out.pos += 2;
      const valueStart = out.pos;
      out.u16At(out.pos, batch.family.afi);
      b[out.pos + 2] = batch.family.safi;
      out.pos += 3;
      i = writePrefixes(out, batch, i, start + max - maxPrefix, addPath);
      out.u16At(lenAt, out.pos - valueStart);
      out.u16At(attrLenAt, out.pos - attrStart);
    } else {
      const wLenAt = out.pos;
      out.pos += 2;
      const wStart = out.pos;
      i = writePrefixes(out, batch, i, start + max - 2 - maxPrefix, addPath);
      out.u16At(wLenAt, out.pos - wStart);
      out.u16At(out.pos, 0); // total path attribute length
      out.pos += 2;
    }
    out.finishMessage(start);
  }
}

/**
 * Where `encodeAttributesForPacking` writes before copying out exactly what it wrote: a new Writer per set
 * allocated a 128-octet buffer outside the JS heap (larger than V8 keeps on it) for every set exported.
 */
const attributesScratch = new Writer(512);

/** Encode an attribute set once, for `packAnnouncements`. */
export function encodeAttributesForPacking(attributes: readonly PathAttribute[], ctx: CodecContext): Uint8Array {
  attributesScratch.reset();
  encodeAttributes(attributesScratch, attributes, ctx);
  return attributesScratch.finish();
}
