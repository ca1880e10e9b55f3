/**
 * MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 §3, §4), with IPv6 global + link-local next hops (RFC 2545 §3),
 * IPv4 NLRI over an IPv6 next hop (RFC 8950 §3) and path identifiers (RFC 7911).
 *
 * RFC 7606 §7.11: when the next-hop length does not fit the AFI/SAFI, the NLRI that follow cannot be located
 * reliably, so a malformed MP_REACH_NLRI means session reset (likewise an NLRI field that does not parse,
 * §5.3). Families the codec does not know keep their NLRI as opaque bytes.
 */
import { formatIPv4, formatIPv6 } from '../address.js';
import { AttrType, UpdateSubcode } from '../constants.js';
import type { CodecContext } from '../context.js';
import { familyOf, type Family } from '../family.js';
import { scanNlri, type NlriList } from '../nlri.js';
import { readU16 } from '../reader.js';
import { MalformedAttribute, type AttributeDescriptor } from './descriptor.js';
import type { MpReachAttr, MpUnreachAttr } from './types.js';

/** Next-hop lengths each family accepts: IPv4 4, or 16/32 with RFC 8950; IPv6 16 or 32 (global + link-local). */
const NEXT_HOP_LENGTHS: Readonly<Record<string, readonly number[]>> = {
  'ipv4-unicast': [4, 16, 32],
  'ipv6-unicast': [16, 32],
  'ipv4-multicast': [4, 16, 32],
  'ipv6-multicast': [16, 32],
};

function decodeNlriField(afi: number, safi: number, data: Uint8Array, ctx: CodecContext): NlriList {
  const family: Family | undefined = familyOf(afi, safi);
  if (!family) return { afi, safi, family, addPath: false, data, count: 0 };
  const addPath = ctx.addPath.has(family.name);
  const count = scanNlri(data, family, addPath);
  // RFC 4760 §7: an incorrect MP_REACH_NLRI / MP_UNREACH_NLRI ends the session with Optional Attribute Error
  // (the descriptors' subcode), not Invalid Network Field, which RFC 4271 §6.3 keeps for the UPDATE's own fields.
  if (typeof count === 'string') throw new MalformedAttribute(`${family.name} NLRI: ${count}`);
  return { afi, safi, family, addPath, data, count };
}

function checkAddPath(list: NlriList, ctx: CodecContext): void {
  if (list.family && list.addPath !== ctx.addPath.has(list.family.name)) {
    throw new RangeError(`${list.family.name} NLRI ${list.addPath ? 'carry' : 'lack'} path identifiers but the session says otherwise`);
  }
}

export const mpReach: AttributeDescriptor<MpReachAttr> = {
  code: AttrType.MP_REACH_NLRI, name: 'MP_REACH_NLRI', type: 'mp-reach', optional: true, transitive: false,
  malformed: 'session-reset', subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  decode(value, flags, ctx) {
    if (value.length < 5) throw new MalformedAttribute(`length ${value.length} is shorter than the 5 fixed octets`);
    const afi = readU16(value, 0);
    const safi = value[2]!;
    const nhLen = value[3]!;
    if (4 + nhLen + 1 > value.length) throw new MalformedAttribute(`next-hop length ${nhLen} overruns the attribute`);
    const family = familyOf(afi, safi);
    const allowed = family ? NEXT_HOP_LENGTHS[family.name]! : undefined;
    if (allowed && !allowed.includes(nhLen)) {
      throw new MalformedAttribute(`next-hop length ${nhLen} is not valid for ${family!.name} (expected ${allowed.join(', ')})`);
    }
    const nextHop = value.slice(4, 4 + nhLen);
    const reserved = value[4 + nhLen]!;
    const nlri = decodeNlriField(afi, safi, value.subarray(5 + nhLen), ctx);
    return { type: 'mp-reach', flags, afi, safi, nextHop, reserved, nlri };
  },
  encode(a, w, ctx) {
    checkAddPath(a.nlri, ctx);
    w.u16(a.afi).u8(a.safi).u8(a.nextHop.length).bytes(a.nextHop).u8(a.reserved).bytes(a.nlri.data);
  },
};

export const mpUnreach: AttributeDescriptor<MpUnreachAttr> = {
  code: AttrType.MP_UNREACH_NLRI, name: 'MP_UNREACH_NLRI', type: 'mp-unreach', optional: true, transitive: false,
  malformed: 'session-reset', subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  decode(value, flags, ctx) {
    if (value.length < 3) throw new MalformedAttribute(`length ${value.length} is shorter than the 3 fixed octets`);
    const afi = readU16(value, 0);
    const safi = value[2]!;
    return { type: 'mp-unreach', flags, afi, safi, withdrawn: decodeNlriField(afi, safi, value.subarray(3), ctx) };
  },
  encode(a, w, ctx) {
    checkAddPath(a.withdrawn, ctx);
    w.u16(a.afi).u8(a.safi).bytes(a.withdrawn.data);
  },
};

/** The next hops of an MP_REACH_NLRI as text: one address, or global then link-local for 32 octets. */
export function formatNextHops(nextHop: Uint8Array): string[] {
  switch (nextHop.length) {
    case 4:
      return [formatIPv4(nextHop)];
    case 16:
      return [formatIPv6(nextHop)];
    case 32:
      return [formatIPv6(nextHop, 0), formatIPv6(nextHop, 16)];
    default:
      return [Buffer.from(nextHop).toString('hex')];
  }
}
