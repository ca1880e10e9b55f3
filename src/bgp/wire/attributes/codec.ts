/**
 * The path attribute loop: RFC 4271 §4.3 attribute framing plus RFC 7606 error handling.
 *
 * - A header or value that runs past the path attribute field (RFC 7606 §4): treat-as-withdraw, recorded as
 *   Attribute Length Error; the loop stops there (`complete` false) and the NLRI field is still located by the
 *   Total Attribute Length. When the UPDATE then has no reachable NLRI, update.ts escalates to session reset
 *   (§5.2). BIRD does the same; FRR resets.
 * - Optional/Transitive flags that contradict the type (§3 (c)): malformed, handled with that attribute's
 *   approach, recorded as Attribute Flags Error.
 * - A repeated MP_REACH_NLRI / MP_UNREACH_NLRI: session reset, Malformed Attribute List; any other repeated
 *   attribute: later copies discarded (§3 (g)).
 * - An unrecognized well-known attribute: session reset, Unrecognized Well-known Attribute (RFC 4271 §6.3).
 * - Unrecognized optional attributes are kept as `unknown` and re-encode unchanged.
 */
import { AttrFlag, ErrorCode, UpdateSubcode } from '../constants.js';
import type { CodecContext } from '../context.js';
import { wireError, type WireError } from '../errors.js';
import { Writer } from '../writer.js';
import { MalformedAttribute } from './descriptor.js';
import { attributeName, descriptorForCode, descriptorForType } from './table.js';
import type { PathAttribute } from './types.js';

export interface DecodedAttributes {
  readonly attributes: PathAttribute[];
  readonly errors: WireError[];
  /** False when a framing error (RFC 7606 §4) stopped the loop: attributes after it were never seen. */
  readonly complete: boolean;
}

const MP_CODES = new Set([14, 15]);

export function decodeAttributes(field: Uint8Array, ctx: CodecContext): DecodedAttributes {
  const attributes: PathAttribute[] = [];
  const errors: WireError[] = [];
  // Attribute codes seen: 0-31 and 32-63 in two bit masks (every attribute tern knows), others in a Set
  // made only when one comes, rather than a Uint8Array(256) allocated per UPDATE.
  let seenLow = 0;
  let seenHigh = 0;
  let seenOther: Set<number> | undefined;
  let at = 0;
  while (at < field.length) {
    const start = at;
    if (field.length - at < 3) {
      errors.push(framingError(`truncated attribute header at offset ${at}`, undefined, field.subarray(start)));
      return { attributes, errors, complete: false };
    }
    const flags = field[at]!;
    const code = field[at + 1]!;
    const extended = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    if (extended && field.length - at < 4) {
      errors.push(framingError(`truncated extended-length header of ${attributeName(code)}`, code, field.subarray(start)));
      return { attributes, errors, complete: false };
    }
    const length = extended ? (field[at + 2]! << 8) | field[at + 3]! : field[at + 2]!;
    at += extended ? 4 : 3;
    if (at + length > field.length) {
      errors.push(framingError(`${attributeName(code)} length ${length} overruns the path attribute field`, code, field.subarray(start)));
      return { attributes, errors, complete: false };
    }
    const value = field.subarray(at, at + length);
    const end = at + length;
    at = end;

    const seen = code < 32 ? (seenLow >>> code) & 1 : code < 64 ? (seenHigh >>> (code - 32)) & 1 : seenOther?.has(code) ? 1 : 0;
    if (seen) {
      if (MP_CODES.has(code)) {
        errors.push(sessionReset(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `${attributeName(code)} appears more than once`, code));
        break;
      }
      errors.push(wireError('attribute-discard', ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
        `repeated ${attributeName(code)} discarded`, field.subarray(start, end), code));
      continue;
    }
    if (code < 32) seenLow |= 1 << code;
    else if (code < 64) seenHigh |= 1 << (code - 32);
    else (seenOther ??= new Set()).add(code);
    const result = decodeOne(code, flags, value, field, start, end, ctx);
    if ('action' in result) errors.push(result);
    else attributes.push(result);
  }
  return { attributes, errors, complete: true };
}

/** RFC 7606 §4: an attribute that does not fit the path attribute field means treat-as-withdraw, not reset. */
function framingError(reason: string, attribute: number | undefined, data: Uint8Array): WireError {
  return wireError('treat-as-withdraw', ErrorCode.UPDATE_MESSAGE, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, reason, data, attribute);
}

function sessionReset(subcode: number, reason: string, attribute?: number, data?: Uint8Array): WireError {
  return wireError('session-reset', ErrorCode.UPDATE_MESSAGE, subcode, reason, data, attribute);
}

/** One attribute; `field[start..end)` is the whole attribute, header included (the data of an error, made only then). */
function decodeOne(code: number, flags: number, value: Uint8Array, field: Uint8Array, start: number, end: number, ctx: CodecContext): PathAttribute | WireError {
  const d = descriptorForCode(code);
  if (!d) {
    if ((flags & AttrFlag.OPTIONAL) === 0) {
      return wireError('session-reset', ErrorCode.UPDATE_MESSAGE, UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE,
        `unrecognized well-known attribute ${code}`, field.subarray(start, end), code);
    }
    return { type: 'unknown', flags, code, value: value.slice() };
  }
  // Checked before the flags: RFC 7606 §7.5 discards LOCAL_PREF from an external peer whatever it looks like
  // (likewise AS4_PATH / AS4_AGGREGATOR between 4-octet speakers, RFC 6793 §3, discarded either way).
  const ignored = d.ignoreIn?.(ctx);
  if (ignored) return wireError('attribute-discard', ErrorCode.UPDATE_MESSAGE, UpdateSubcode.UNSPECIFIC, `${ignored}: discarded`, field.subarray(start, end), code);
  const expected = (d.optional ? AttrFlag.OPTIONAL : 0) | (d.transitive ? AttrFlag.TRANSITIVE : 0);
  if ((flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== expected) {
    return wireError(d.malformed, ErrorCode.UPDATE_MESSAGE, UpdateSubcode.ATTRIBUTE_FLAGS_ERROR,
      `${d.name} flags 0x${flags.toString(16).padStart(2, '0')} conflict with the attribute type`, field.subarray(start, end), code);
  }
  try {
    return d.decode(value, flags, ctx);
  } catch (e) {
    if (!(e instanceof MalformedAttribute)) throw e;
    return wireError(d.malformed, ErrorCode.UPDATE_MESSAGE, e.subcode ?? d.subcode, `malformed ${d.name}: ${e.reason}`, field.subarray(start, end), code);
  }
}

const scratch = new Writer(512);

/** Encode one attribute: flags (extended-length set when needed or when the attribute asks for it), type, length, value. */
export function encodeAttribute(w: Writer, attr: PathAttribute, ctx: CodecContext): void {
  scratch.reset();
  let code: number;
  if (attr.type === 'unknown') {
    code = attr.code;
    scratch.bytes(attr.value);
  } else {
    const d = descriptorForType(attr.type);
    code = d.code;
    d.encode(attr as never, scratch, ctx);
  }
  const value = scratch.view();
  if (value.length > 0xffff) throw new RangeError(`${attributeName(code)} value of ${value.length} octets does not fit`);
  const extended = (attr.flags & AttrFlag.EXTENDED_LENGTH) !== 0 || value.length > 255;
  w.u8(extended ? attr.flags | AttrFlag.EXTENDED_LENGTH : attr.flags).u8(code);
  if (extended) w.u16(value.length);
  else w.u8(value.length);
  w.bytes(value);
}

export function encodeAttributes(w: Writer, attributes: readonly PathAttribute[], ctx: CodecContext): void {
  for (const a of attributes) encodeAttribute(w, a, ctx);
}

/**
 * The attributes as they are passed on to another peer (RFC 4271 §5): unrecognized optional non-transitive
 * attributes are dropped, unrecognized optional transitive ones keep going with the Partial bit set.
 * Returns a new array; the input is not touched.
 */
export function attributesForPropagation(attributes: readonly PathAttribute[]): PathAttribute[] {
  const out: PathAttribute[] = [];
  for (const a of attributes) {
    if (a.type !== 'unknown') out.push(a);
    else if (a.flags & AttrFlag.TRANSITIVE) out.push({ ...a, flags: a.flags | AttrFlag.PARTIAL });
  }
  return out;
}
