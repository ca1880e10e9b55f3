/**
 * OPEN (RFC 4271 §4.2) with capabilities in optional parameter type 2 (RFC 5492) and the RFC 9072 extended
 * optional-parameter length. Parameter grouping and encoding style are kept so a decoded OPEN re-encodes
 * byte for byte (BIRD sends one parameter holding every capability, older speakers one per capability).
 *
 * Checks here are the ones that hold for every session (RFC 4271 §6.2): version 4, hold time 0 or ≥ 3,
 * BGP identifier not 0, AS not 0 (RFC 7607), known parameter types, well-formed capabilities. Checks that
 * need configuration (peer AS, our identifier, required capabilities) belong to the session.
 */
import { formatIPv4Number, parseIPv4 } from './address.js';
import { decodeCapability, encodeCapability, isUnknownCapability, MalformedCapability, type Capability, type FourOctetAsCap } from './capabilities.js';
import { AS_TRANS, BGP_VERSION, CapabilityCode, ErrorCode, HeaderSubcode, OpenSubcode } from './constants.js';
import { wireError, type WireError } from './errors.js';
import { parseOpenFixed } from './fixed-headers.js';
import { readU16 } from './reader.js';
import { Writer } from './writer.js';

export type OptionalParameter =
  | { readonly kind: 'capabilities'; readonly capabilities: readonly Capability[] }
  | { readonly kind: 'unknown'; readonly type: number; readonly value: Uint8Array };

export interface OpenMessage {
  readonly type: 'OPEN';
  readonly version: number;
  /** The 2-octet "My Autonomous System" field (AS_TRANS when the real AS needs 4 octets). */
  readonly myAs: number;
  readonly holdTime: number;
  readonly routerId: string;
  readonly parameters: readonly OptionalParameter[];
  /** The RFC 9072 extended optional-parameter encoding was used. */
  readonly extendedParameters: boolean;
}

const CAPABILITIES_PARAM = 2;

export function openCapabilities(open: OpenMessage): Capability[] {
  const out: Capability[] = [];
  for (const p of open.parameters) if (p.kind === 'capabilities') out.push(...p.capabilities);
  return out;
}

/**
 * The speaker's AS: from the 4-octet AS capability when present (RFC 6793 §3), else My Autonomous System.
 * A malformed 4-octet AS capability (kept as bytes) carries no AS.
 */
export function openAsn(open: OpenMessage): number {
  const cap = openCapabilities(open).find((c): c is FourOctetAsCap => c.code === CapabilityCode.FOUR_OCTET_AS && !isUnknownCapability(c));
  return cap ? cap.asn : open.myAs;
}

export interface OpenSpec {
  readonly asn: number;
  readonly holdTime: number;
  readonly routerId: string;
  readonly capabilities: readonly Capability[];
}

/**
 * An OPEN with every capability in one parameter; My AS is AS_TRANS when the AS needs 4 octets. The RFC 9072
 * extended encoding is used when, and only when, that parameter would not fit the 1-octet lengths.
 */
export function buildOpen(spec: OpenSpec): OpenMessage {
  const w = new Writer(256);
  for (const c of spec.capabilities) encodeCapability(w, c);
  const extendedParameters = spec.capabilities.length > 0 && 2 + w.length > 255;
  return {
    type: 'OPEN',
    version: BGP_VERSION,
    myAs: spec.asn > 0xffff ? AS_TRANS : spec.asn,
    holdTime: spec.holdTime,
    routerId: spec.routerId,
    parameters: spec.capabilities.length > 0 ? [{ kind: 'capabilities', capabilities: spec.capabilities }] : [],
    extendedParameters,
  };
}

const openError = (subcode: number, reason: string, data?: Uint8Array): WireError =>
  wireError('session-reset', ErrorCode.OPEN_MESSAGE, subcode, reason, data);

function decodeCapabilities(v: Uint8Array, errors: WireError[]): Capability[] {
  const caps: Capability[] = [];
  let at = 0;
  while (at < v.length) {
    if (v.length - at < 2 || at + 2 + v[at + 1]! > v.length) {
      errors.push(openError(OpenSubcode.UNSPECIFIC, `capability at offset ${at} overruns its parameter`));
      break;
    }
    const code = v[at]!;
    const value = v.subarray(at + 2, at + 2 + v[at + 1]!);
    at += 2 + value.length;
    try {
      caps.push(decodeCapability(code, value));
    } catch (e) {
      if (!(e instanceof MalformedCapability)) throw e;
      errors.push(openError(OpenSubcode.UNSPECIFIC, e.message));
      caps.push({ code, name: 'unknown', value: value.slice(), malformed: e.message });
    }
  }
  return caps;
}

function decodeParameters(params: Uint8Array, extended: boolean, errors: WireError[]): OptionalParameter[] {
  const out: OptionalParameter[] = [];
  const headLen = extended ? 3 : 2;
  let at = 0;
  while (at < params.length) {
    if (params.length - at < headLen) {
      errors.push(openError(OpenSubcode.UNSPECIFIC, `truncated optional parameter header at offset ${at}`));
      break;
    }
    const type = params[at]!;
    const len = extended ? readU16(params, at + 1) : params[at + 1]!;
    at += headLen;
    if (at + len > params.length) {
      errors.push(openError(OpenSubcode.UNSPECIFIC, `optional parameter ${type} of length ${len} overruns the parameters`));
      break;
    }
    const value = params.subarray(at, at + len);
    at += len;
    if (type === CAPABILITIES_PARAM) {
      out.push({ kind: 'capabilities', capabilities: decodeCapabilities(value, errors) });
    } else {
      errors.push(openError(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, `unsupported optional parameter type ${type}`));
      out.push({ kind: 'unknown', type, value: value.slice() });
    }
  }
  return out;
}

/** Decode an OPEN body (the octets after the header; at least 10, checked by the caller). */
export function decodeOpen(body: Uint8Array, lengthField: Uint8Array): { open: OpenMessage; errors: WireError[] } {
  const errors: WireError[] = [];
  const fixed = parseOpenFixed(body);
  let params = body.subarray(10);
  let extended = false;
  // RFC 9072 §2: a non-extended length of 255 followed by parameter type 255 announces the extended encoding.
  if (fixed.optLen === 255 && body.length >= 13 && body[10] === 255) {
    extended = true;
    const extLen = readU16(body, 11);
    params = body.subarray(13);
    if (params.length !== extLen) {
      errors.push(wireError('session-reset', ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH,
        `extended optional parameters length ${extLen} disagrees with the ${params.length} octets present`, lengthField));
    }
  } else if (params.length !== fixed.optLen) {
    errors.push(wireError('session-reset', ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH,
      `optional parameters length ${fixed.optLen} disagrees with the ${params.length} octets present`, lengthField));
  }
  const parameters = decodeParameters(params, extended, errors);
  const open: OpenMessage = {
    type: 'OPEN', version: fixed.version, myAs: fixed.myAs, holdTime: fixed.holdTime,
    routerId: formatIPv4Number(fixed.bgpId), parameters, extendedParameters: extended,
  };
  if (fixed.version !== BGP_VERSION) {
    // RFC 4271 §6.2: the data is the largest version we support below the one offered.
    errors.unshift(openError(OpenSubcode.UNSUPPORTED_VERSION, `unsupported BGP version ${fixed.version}`, Uint8Array.of(0, BGP_VERSION)));
  }
  if (fixed.holdTime === 1 || fixed.holdTime === 2) {
    errors.push(openError(OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${fixed.holdTime} s (must be 0 or at least 3)`));
  }
  if (fixed.bgpId === 0) errors.push(openError(OpenSubcode.BAD_BGP_IDENTIFIER, 'BGP identifier 0.0.0.0'));
  if (fixed.myAs === 0 || openAsn(open) === 0) {
    errors.push(openError(OpenSubcode.BAD_PEER_AS, 'AS 0 in OPEN (RFC 7607)', body.subarray(1, 3)));
  }
  return { open, errors };
}

export function encodeOpen(w: Writer, open: OpenMessage): void {
  w.u8(open.version).u16(open.myAs).u16(open.holdTime);
  w.bytes(parseIPv4(open.routerId)); // TypeError for anything but a dotted-quad IPv4 address
  const lenAt = w.reserve8();
  const extended = open.extendedParameters;
  let extLenAt = -1;
  if (extended) {
    w.u8(255);
    extLenAt = w.reserve16();
  }
  const start = w.length;
  for (const p of open.parameters) {
    w.u8(p.kind === 'capabilities' ? CAPABILITIES_PARAM : p.type);
    const pLenAt = extended ? w.reserve16() : w.reserve8();
    const pStart = w.length;
    if (p.kind === 'capabilities') for (const c of p.capabilities) encodeCapability(w, c);
    else w.bytes(p.value);
    const pLen = w.length - pStart;
    if (extended) w.patch16(pLenAt, pLen);
    else if (pLen > 255) throw new RangeError(`optional parameter of ${pLen} octets needs the RFC 9072 encoding`);
    else w.patch8(pLenAt, pLen);
  }
  const total = w.length - start;
  if (extended) {
    w.patch8(lenAt, 255);
    w.patch16(extLenAt, total);
  } else {
    if (total > 255) throw new RangeError(`optional parameters of ${total} octets need the RFC 9072 encoding`);
    w.patch8(lenAt, total);
  }
}
