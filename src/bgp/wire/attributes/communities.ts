/**
 * COMMUNITIES (RFC 1997), LARGE_COMMUNITIES (RFC 8092) and EXTENDED_COMMUNITIES (RFC 4360) on the wire.
 * Malformed (RFC 7606 §7.8, §7.14; RFC 8092 §6): empty, or a length that is not a multiple of the element
 * size → treat-as-withdraw. Typed display of extended communities lives in extended-community.ts.
 *
 * Decoded lists are made at their length (`new Array(n)`), not grown by `push`: an interned set keeps them as
 * long as it lives, and a pushed array keeps room for 16 or more elements (about 150 octets for one community).
 */
import { AttrType, UpdateSubcode } from '../constants.js';
import { readU32 } from '../reader.js';
import { expectMultiple, type AttributeDescriptor } from './descriptor.js';
import type { CommunitiesAttr, ExtendedCommunitiesAttr, LargeCommunitiesAttr, LargeCommunity } from './types.js';

export const communities: AttributeDescriptor<CommunitiesAttr> = {
  code: AttrType.COMMUNITIES, name: 'COMMUNITIES', type: 'communities', optional: true, transitive: true,
  malformed: 'treat-as-withdraw', subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  decode(value, flags) {
    expectMultiple(value, 4);
    const values = new Array<number>(value.length / 4);
    for (let i = 0; i < values.length; i++) values[i] = readU32(value, i * 4);
    return { type: 'communities', flags, communities: values };
  },
  encode(a, w) {
    for (const c of a.communities) w.u32(c);
  },
};

export const largeCommunities: AttributeDescriptor<LargeCommunitiesAttr> = {
  code: AttrType.LARGE_COMMUNITIES, name: 'LARGE_COMMUNITIES', type: 'large-communities', optional: true, transitive: true,
  malformed: 'treat-as-withdraw', subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  decode(value, flags) {
    expectMultiple(value, 12);
    const values = new Array<LargeCommunity>(value.length / 12);
    for (let i = 0, at = 0; i < values.length; i++, at += 12) {
      values[i] = { global: readU32(value, at), local1: readU32(value, at + 4), local2: readU32(value, at + 8) };
    }
    return { type: 'large-communities', flags, communities: values };
  },
  encode(a, w) {
    for (const c of a.communities) w.u32(c.global).u32(c.local1).u32(c.local2);
  },
};

export const extendedCommunities: AttributeDescriptor<ExtendedCommunitiesAttr> = {
  code: AttrType.EXTENDED_COMMUNITIES, name: 'EXTENDED_COMMUNITIES', type: 'extended-communities', optional: true, transitive: true,
  malformed: 'treat-as-withdraw', subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  decode(value, flags) {
    expectMultiple(value, 8);
    const values = new Array<Uint8Array>(value.length / 8);
    for (let i = 0; i < values.length; i++) values[i] = value.slice(i * 8, i * 8 + 8);
    return { type: 'extended-communities', flags, communities: values };
  },
  encode(a, w) {
    for (const c of a.communities) {
      if (c.length !== 8) throw new RangeError(`extended community of ${c.length} octets`);
      w.bytes(c);
    }
  },
};

export function formatCommunity(c: number): string {
  return `${c >>> 16}:${c & 0xffff}`;
}

export function formatLargeCommunity(c: LargeCommunity): string {
  return `${c.global}:${c.local1}:${c.local2}`;
}

/** Well-known communities (RFC 1997, RFC 7999, RFC 8326). */
export const WellKnownCommunity = {
  GRACEFUL_SHUTDOWN: 0xffff0000,
  BLACKHOLE: 0xffff029a,
  NO_EXPORT: 0xffffff01,
  NO_ADVERTISE: 0xffffff02,
  NO_EXPORT_SUBCONFED: 0xffffff03,
  NOPEER: 0xffffff04,
} as const;
