/**
 * UPDATE (RFC 4271 §4.3) with RFC 7606 error handling, End-of-RIB (RFC 4724 §2) and builders.
 *
 * Decoding order follows RFC 7606 §4/§5: the three length fields must add up (else session reset, Malformed
 * Attribute List); withdrawn routes and NLRI must parse (else session reset, §5.3); attributes go through the
 * descriptor table; then the well-known mandatory attributes are checked (§3 (d): missing → treat-as-withdraw).
 * Last, an UPDATE that announces nothing cannot be treated as withdraw: session reset instead (§5.2).
 * The NLRI lists are views of the message: nothing is allocated per prefix.
 */
import { AttrType, ErrorCode, UpdateSubcode } from './constants.js';
import type { CodecContext } from './context.js';
import { wireError, type WireError } from './errors.js';
import { IPV4_UNICAST, IPV6_UNICAST, familyOf, type FamilyName } from './family.js';
import { buildNlri, emptyNlri, nlriList, scanNlri, type NlriList } from './nlri.js';
import { readU16 } from './reader.js';
import { decodeAttributes, encodeAttributes } from './attributes/codec.js';
import { defaultFlags } from './attributes/table.js';
import type { AttributeOf, KnownAttribute, MpReachAttr, MpUnreachAttr, PathAttribute, PathAttributeType } from './attributes/types.js';
import type { Writer } from './writer.js';
import { parseAddress } from './address.js';

export interface UpdateMessage {
  readonly type: 'UPDATE';
  /** IPv4 unicast withdrawals in the Withdrawn Routes field. */
  readonly withdrawn: NlriList;
  /** Path attributes in wire order (attributes discarded under RFC 7606 are not here). */
  readonly attributes: readonly PathAttribute[];
  /** IPv4 unicast NLRI in the NLRI field. */
  readonly nlri: NlriList;
}

export function findAttribute<T extends PathAttributeType>(u: { readonly attributes: readonly PathAttribute[] }, type: T): AttributeOf<T> | undefined {
  for (const a of u.attributes) if (a.type === type) return a as AttributeOf<T>;
  return undefined;
}

const updateError = (subcode: number, reason: string, data?: Uint8Array): WireError =>
  wireError('session-reset', ErrorCode.UPDATE_MESSAGE, subcode, reason, data);

function ipv4List(data: Uint8Array, ctx: CodecContext, what: string, errors: WireError[]): NlriList {
  const addPath = ctx.addPath.has('ipv4-unicast');
  const count = scanNlri(data, IPV4_UNICAST, addPath);
  if (typeof count === 'string') {
    errors.push(updateError(UpdateSubcode.INVALID_NETWORK_FIELD, `${what}: ${count}`));
    return emptyNlri(IPV4_UNICAST, addPath);
  }
  return nlriList(IPV4_UNICAST, addPath, data, count);
}

/** Decode an UPDATE body (the octets after the header; at least 4, checked by the caller). */
export function decodeUpdate(body: Uint8Array, ctx: CodecContext): { update: UpdateMessage; errors: WireError[] } {
  const errors: WireError[] = [];
  const withdrawnLen = readU16(body, 0);
  if (2 + withdrawnLen + 2 > body.length) {
    errors.push(updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `withdrawn routes length ${withdrawnLen} overruns the message`));
    const empty = emptyNlri(IPV4_UNICAST, ctx.addPath.has('ipv4-unicast'));
    return { update: { type: 'UPDATE', withdrawn: empty, attributes: [], nlri: empty }, errors };
  }
  const withdrawn = ipv4List(body.subarray(2, 2 + withdrawnLen), ctx, 'withdrawn routes', errors);
  const attrLen = readU16(body, 2 + withdrawnLen);
  const attrStart = 4 + withdrawnLen;
  if (attrStart + attrLen > body.length) {
    errors.push(updateError(UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `total path attribute length ${attrLen} overruns the message`));
    return { update: { type: 'UPDATE', withdrawn, attributes: [], nlri: emptyNlri(IPV4_UNICAST, ctx.addPath.has('ipv4-unicast')) }, errors };
  }
  const nlri = ipv4List(body.subarray(attrStart + attrLen), ctx, 'NLRI', errors);
  const decoded = decodeAttributes(body.subarray(attrStart, attrStart + attrLen), ctx);
  for (const e of decoded.errors) errors.push(e);
  const update: UpdateMessage = { type: 'UPDATE', withdrawn, attributes: decoded.attributes, nlri };
  // After a session-reset or framing error the attributes were not all read, so "missing" would be a guess.
  if (decoded.complete && !decoded.errors.some((e) => e.action === 'session-reset')) errors.push(...missingMandatory(update, decoded.errors));
  return { update, errors: announcesNothing(update) ? escalateToReset(errors) : errors };
}

/** No reachable NLRI: the NLRI field is empty and there is no MP_REACH_NLRI, or one with no NLRI in it. */
function announcesNothing(u: UpdateMessage): boolean {
  const reach = findAttribute(u, 'mp-reach');
  return u.nlri.data.length === 0 && (!reach || reach.nlri.data.length === 0);
}

/**
 * RFC 7606 §5.2: in an UPDATE with path attributes but no reachable NLRI we cannot be sure the NLRI were parsed,
 * so any error whose approach is stronger than attribute discard means session reset. (An UPDATE holding only
 * MP_UNREACH_NLRI, such as End-of-RIB, has no treat-as-withdraw errors to escalate.)
 */
function escalateToReset(errors: WireError[]): WireError[] {
  return errors.map((e) => (e.action === 'treat-as-withdraw'
    ? { ...e, action: 'session-reset', reason: `${e.reason}; no reachable NLRI, so session reset (RFC 7606 §5.2)` }
    : e));
}

/**
 * RFC 4271 §5 / RFC 7606 §3 (d): ORIGIN and AS_PATH are required whenever the UPDATE carries reachable NLRI
 * (in the NLRI field or MP_REACH_NLRI); NEXT_HOP only for NLRI in the NLRI field (RFC 4760 §3). An attribute
 * that was present but malformed is already an error of its own and is not reported twice.
 */
function missingMandatory(u: UpdateMessage, attrErrors: readonly WireError[]): WireError[] {
  if (announcesNothing(u)) return [];
  // Codes 1-3 present (bits 1-3), whether decoded or reported as malformed.
  let present = 0;
  for (const e of attrErrors) if (e.attribute !== undefined && e.attribute < 4) present |= 1 << e.attribute;
  for (const a of u.attributes) if (a.type === 'origin' || a.type === 'as-path' || a.type === 'next-hop') present |= 1 << codeOf(a);
  const needed = (1 << AttrType.ORIGIN) | (1 << AttrType.AS_PATH) | (u.nlri.count > 0 ? 1 << AttrType.NEXT_HOP : 0);
  const missing = needed & ~present;
  if (missing === 0) return [];
  return [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP].filter((code) => (missing & (1 << code)) !== 0).map((code) =>
    wireError('treat-as-withdraw', ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE,
      `missing well-known attribute ${['', 'ORIGIN', 'AS_PATH', 'NEXT_HOP'][code]}`, Uint8Array.of(code), code));
}

const CODES: Readonly<Record<KnownAttribute['type'], number>> = {
  origin: 1, 'as-path': 2, 'next-hop': 3, med: 4, 'local-pref': 5, 'atomic-aggregate': 6, aggregator: 7,
  communities: 8, 'originator-id': 9, 'cluster-list': 10, 'mp-reach': 14, 'mp-unreach': 15,
  'extended-communities': 16, 'as4-path': 17, 'as4-aggregator': 18, 'large-communities': 32, otc: 35,
};

function codeOf(a: KnownAttribute): number {
  return CODES[a.type];
}

/** The NLRI an UPDATE announces, to be withdrawn instead under RFC 7606 treat-as-withdraw (§2). */
export function reachableNlri(u: UpdateMessage): NlriList[] {
  const out: NlriList[] = [];
  if (u.nlri.count > 0) out.push(u.nlri);
  const reach = findAttribute(u, 'mp-reach');
  if (reach) out.push(reach.nlri);
  return out;
}

export function encodeUpdate(w: Writer, u: UpdateMessage, ctx: CodecContext): void {
  for (const list of [u.withdrawn, u.nlri]) {
    if (list.addPath !== ctx.addPath.has('ipv4-unicast')) throw new RangeError('IPv4 NLRI path identifiers disagree with the session context');
  }
  w.u16(u.withdrawn.data.length).bytes(u.withdrawn.data);
  const lenAt = w.reserve16();
  const start = w.length;
  encodeAttributes(w, u.attributes, ctx);
  w.patch16(lenAt, w.length - start);
  w.bytes(u.nlri.data);
}

/**
 * The family an End-of-RIB marker is for (RFC 4724 §2): an UPDATE with nothing in it for IPv4 unicast,
 * or one holding only an empty MP_UNREACH_NLRI for the others.
 */
export function endOfRib(u: UpdateMessage): { afi: number; safi: number } | undefined {
  if (u.withdrawn.count > 0 || u.nlri.data.length > 0 || u.withdrawn.data.length > 0) return undefined;
  if (u.attributes.length === 0) return { afi: 1, safi: 1 };
  const only = u.attributes[0]!;
  if (u.attributes.length === 1 && only.type === 'mp-unreach' && only.withdrawn.data.length === 0) {
    return { afi: only.afi, safi: only.safi };
  }
  return undefined;
}

export function endOfRibMessage(afi: number, safi: number, ctx: CodecContext): UpdateMessage {
  const empty = emptyNlri(IPV4_UNICAST, ctx.addPath.has('ipv4-unicast'));
  if (afi === 1 && safi === 1) return { type: 'UPDATE', withdrawn: empty, attributes: [], nlri: empty };
  const family = familyOf(afi, safi);
  const withdrawn: NlriList = family
    ? emptyNlri(family, ctx.addPath.has(family.name))
    : { afi, safi, family: undefined, addPath: false, data: new Uint8Array(0), count: 0 };
  return { type: 'UPDATE', withdrawn: empty, attributes: [{ type: 'mp-unreach', flags: 0x80, afi, safi, withdrawn }], nlri: empty };
}

type Distributive<T> = T extends unknown ? Omit<T, 'flags'> & { flags?: number } : never;
/** A path attribute whose flags may be left out (the type's usual flags are used). */
export type AttributeSpec = Distributive<KnownAttribute>;

export function attribute(spec: AttributeSpec): PathAttribute {
  return { ...spec, flags: spec.flags ?? defaultFlags(spec.type) } as PathAttribute;
}

export interface UpdateSpec {
  readonly withdrawn?: readonly string[];
  readonly attributes?: readonly (AttributeSpec | PathAttribute)[];
  readonly nlri?: readonly string[];
  /** Prefixes of another family announced in MP_REACH_NLRI with these next hops (1 or 2 addresses). */
  readonly mpReach?: { readonly family: FamilyName; readonly nextHops: readonly string[]; readonly nlri: readonly string[] };
  readonly mpUnreach?: { readonly family: FamilyName; readonly withdrawn: readonly string[] };
}

/**
 * Build an UPDATE from plain data (tests, tools, the daemon's origination). MP attributes go first, as
 * RFC 7606 §5.1 asks of senders. Throws TypeError on bad prefixes or addresses.
 */
export function buildUpdate(spec: UpdateSpec, ctx: CodecContext): UpdateMessage {
  const ap4 = ctx.addPath.has('ipv4-unicast');
  const attributes: PathAttribute[] = [];
  if (spec.mpUnreach) {
    const f = spec.mpUnreach.family === 'ipv4-unicast' ? IPV4_UNICAST : IPV6_UNICAST;
    const withdrawn = buildNlri(f.name, spec.mpUnreach.withdrawn, ctx.addPath.has(f.name));
    const a: MpUnreachAttr = { type: 'mp-unreach', flags: defaultFlags('mp-unreach'), afi: f.afi, safi: f.safi, withdrawn };
    attributes.push(a);
  }
  if (spec.mpReach) {
    const f = spec.mpReach.family === 'ipv4-unicast' ? IPV4_UNICAST : IPV6_UNICAST;
    const hops = spec.mpReach.nextHops.map(parseAddress);
    const nextHop = new Uint8Array(hops.reduce((n, h) => n + h.length, 0));
    let at = 0;
    for (const h of hops) {
      nextHop.set(h, at);
      at += h.length;
    }
    const nlri = buildNlri(f.name, spec.mpReach.nlri, ctx.addPath.has(f.name));
    const a: MpReachAttr = { type: 'mp-reach', flags: defaultFlags('mp-reach'), afi: f.afi, safi: f.safi, nextHop, reserved: 0, nlri };
    attributes.push(a);
  }
  for (const a of spec.attributes ?? []) attributes.push('flags' in a && a.flags !== undefined ? (a as PathAttribute) : attribute(a as AttributeSpec));
  return {
    type: 'UPDATE',
    withdrawn: buildNlri('ipv4-unicast', spec.withdrawn ?? [], ap4),
    attributes,
    nlri: buildNlri('ipv4-unicast', spec.nlri ?? [], ap4),
  };
}
