/**
 * AS_PATH (RFC 4271 §4.3, RFC 5065 confederation segments) and AS4_PATH (RFC 6793), and the RFC 6793
 * §4.2.3 reconstruction of the real path on a session where one side only speaks 2-octet AS numbers.
 *
 * Malformed (RFC 7606 §7.2): an unknown segment type, a zero-length segment, a segment that overruns the
 * attribute, octets left over, or AS 0 (RFC 7607). AS_PATH → treat-as-withdraw; AS4_PATH → attribute discard
 * (RFC 6793 §6).
 */
import { AS_TRANS, AttrType, UpdateSubcode } from '../constants.js';
import type { CodecContext } from '../context.js';
import type { Writer } from '../writer.js';
import { MalformedAttribute, type AttributeDescriptor } from './descriptor.js';
import type { AsPathSegment, AsPathSegmentType, AsPathAttr, As4PathAttr } from './types.js';

const SEGMENT_TYPES: Readonly<Record<number, AsPathSegmentType>> = {
  1: 'set',
  2: 'sequence',
  3: 'confed-sequence',
  4: 'confed-set',
};
const SEGMENT_CODES: Readonly<Record<AsPathSegmentType, number>> = {
  set: 1,
  sequence: 2,
  'confed-sequence': 3,
  'confed-set': 4,
};

export function decodeSegments(value: Uint8Array, asnBytes: 2 | 4): AsPathSegment[] {
  const segments: AsPathSegment[] = [];
  let at = 0;
  while (at < value.length) {
    if (value.length - at < 2) throw new MalformedAttribute(`truncated segment header at offset ${at}`);
    const type = SEGMENT_TYPES[value[at]!];
    if (type === undefined) throw new MalformedAttribute(`unknown segment type ${value[at]} at offset ${at}`);
    const count = value[at + 1]!;
    if (count === 0) throw new MalformedAttribute(`zero-length segment at offset ${at}`);
    at += 2;
    if (at + count * asnBytes > value.length) throw new MalformedAttribute(`segment of ${count} AS numbers overruns the attribute`);
    const asns: number[] = new Array<number>(count);
    for (let i = 0; i < count; i++, at += asnBytes) {
      const asn = asnBytes === 4
        ? ((value[at]! << 24) | (value[at + 1]! << 16) | (value[at + 2]! << 8) | value[at + 3]!) >>> 0
        : (value[at]! << 8) | value[at + 1]!;
      if (asn === 0) throw new MalformedAttribute('AS 0 in the path (RFC 7607)');
      asns[i] = asn;
    }
    segments.push({ type, asns });
  }
  // A copy at its length: the pushed array keeps room for 16 segments, held as long as the set lives.
  return segments.slice();
}

/** With 2-octet AS numbers, an AS that needs 4 octets is written as AS_TRANS (RFC 6793 §4.2.2). */
export function encodeSegments(w: Writer, segments: readonly AsPathSegment[], asnBytes: 2 | 4): void {
  for (const s of segments) {
    if (s.asns.length === 0 || s.asns.length > 255) throw new RangeError(`AS_PATH segment of ${s.asns.length} AS numbers`);
    w.u8(SEGMENT_CODES[s.type]).u8(s.asns.length);
    for (const asn of s.asns) {
      if (asnBytes === 4) w.u32(asn);
      else w.u16(asn > 0xffff ? AS_TRANS : asn);
    }
  }
}

export const asPath: AttributeDescriptor<AsPathAttr> = {
  code: AttrType.AS_PATH, name: 'AS_PATH', type: 'as-path', optional: false, transitive: true,
  malformed: 'treat-as-withdraw', subcode: UpdateSubcode.MALFORMED_AS_PATH,
  decode(value, flags, ctx: CodecContext) {
    return { type: 'as-path', flags, segments: decodeSegments(value, ctx.as4 ? 4 : 2) };
  },
  encode(a, w, ctx) {
    encodeSegments(w, a.segments, ctx.as4 ? 4 : 2);
  },
};

export const as4Path: AttributeDescriptor<As4PathAttr> = {
  code: AttrType.AS4_PATH, name: 'AS4_PATH', type: 'as4-path', optional: true, transitive: true,
  malformed: 'attribute-discard', subcode: UpdateSubcode.MALFORMED_AS_PATH,
  // RFC 6793 §3: AS4_PATH between two NEW speakers is never sent; one received anyway is discarded.
  ignoreIn: (ctx) => (ctx.as4 ? 'AS4_PATH on a 4-octet AS session' : undefined),
  decode(value, flags) {
    return { type: 'as4-path', flags, segments: decodeSegments(value, 4) };
  },
  encode(a, w) {
    encodeSegments(w, a.segments, 4);
  },
};

/** RFC 6793 §4.2.3 counting: each AS of a sequence counts one, a set counts one, confed segments none. */
function countAsns(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === 'sequence') n += s.asns.length;
    else if (s.type === 'set') n += 1;
  }
  return n;
}

/**
 * Rebuild the 4-octet AS path from AS_PATH and AS4_PATH received over a 2-octet session (RFC 6793 §4.2.3):
 * if AS_PATH has fewer AS numbers than AS4_PATH, AS4_PATH is ignored; otherwise take as many leading AS numbers
 * (and whole leading confed segments) from AS_PATH as make up the difference and prepend them to AS4_PATH.
 * Confederation segments in AS4_PATH are dropped (RFC 6793 §6).
 */
export function mergeAs4Path(path: readonly AsPathSegment[], as4: readonly AsPathSegment[]): AsPathSegment[] {
  const as4Clean = as4.filter((s) => s.type === 'sequence' || s.type === 'set');
  let needed = countAsns(path) - countAsns(as4Clean);
  if (needed < 0) return [...path];
  const lead: AsPathSegment[] = [];
  for (const s of path) {
    if (needed === 0 && s.type !== 'confed-sequence' && s.type !== 'confed-set') break;
    if (s.type === 'confed-sequence' || s.type === 'confed-set') {
      lead.push(s);
    } else if (s.type === 'set') {
      if (needed === 0) break;
      lead.push(s);
      needed -= 1;
    } else {
      const take = Math.min(needed, s.asns.length);
      if (take > 0) lead.push({ type: 'sequence', asns: s.asns.slice(0, take) });
      needed -= take;
      if (take < s.asns.length) break;
    }
  }
  const merged = [...lead, ...as4Clean];
  // Adjacent sequences (the split point) read as one segment.
  const out: AsPathSegment[] = [];
  for (const s of merged) {
    const prev = out[out.length - 1];
    if (prev && prev.type === 'sequence' && s.type === 'sequence' && prev.asns.length + s.asns.length <= 255) {
      out[out.length - 1] = { type: 'sequence', asns: [...prev.asns, ...s.asns] };
    } else {
      out.push(s);
    }
  }
  return out;
}
