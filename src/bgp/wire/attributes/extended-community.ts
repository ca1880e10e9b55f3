/**
 * Typed reading of one 8-octet extended community, for display and policy matching.
 *
 * RFC 4360 §3 (type octet: bit 0x80 IANA authority, 0x40 non-transitive; two-octet AS, IPv4 address and
 * opaque types), RFC 5668 (four-octet AS specific), RFC 9012 §4.1 (encapsulation, opaque subtype 0x0c),
 * RFC 9135 §8.1 (EVPN router's MAC, type 0x06 subtype 0x03), RFC 4360 route target (subtype 0x02) and route
 * origin (0x03), draft-ietf-idr-link-bandwidth (0x40/0x04). Anything else is reported by type/subtype/hex.
 */
import { formatIPv4 } from '../address.js';
import { readU16, readU32 } from '../reader.js';

export interface ExtendedCommunityView {
  readonly type: number;
  readonly subtype: number;
  readonly hex: string;
  readonly transitive: boolean;
  /** e.g. route-target, route-origin, encapsulation, router-mac, link-bandwidth. */
  readonly kind?: string;
  readonly asn?: number;
  readonly address?: string;
  readonly value?: number;
  readonly tunnelType?: number;
  readonly tunnelTypeName?: string;
  readonly routerMac?: string;
  readonly bandwidth?: number;
}

/** IANA "BGP Tunnel Encapsulation Attribute Tunnel Types" (the common ones). */
const TUNNEL_TYPES: Readonly<Record<number, string>> = {
  1: 'l2tpv3', 2: 'gre', 7: 'ip-in-ip', 8: 'vxlan', 9: 'nvgre', 10: 'mpls', 11: 'mpls-in-gre',
  12: 'vxlan-gpe', 13: 'mpls-in-udp', 15: 'sr-policy', 19: 'geneve',
};

const AS_SPECIFIC_KINDS: Readonly<Record<number, string>> = { 0x02: 'route-target', 0x03: 'route-origin' };

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function mac(b: Uint8Array, at: number): string {
  return Array.from(b.subarray(at, at + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}

export function describeExtendedCommunity(c: Uint8Array): ExtendedCommunityView {
  const type = c[0]!;
  const subtype = c[1]!;
  const base = { type, subtype, hex: hex(c), transitive: (type & 0x40) === 0 };
  // RFC 4360 §3.1/§3.2, RFC 5668: the AS- and address-specific types have a generic global/local layout
  // whatever the subtype; the subtype only names what the local value means.
  const named = AS_SPECIFIC_KINDS[subtype] ? { kind: AS_SPECIFIC_KINDS[subtype] } : {};
  switch (type) {
    case 0x00:
    case 0x40:
      if (subtype === 0x04) return { ...base, kind: 'link-bandwidth', asn: readU16(c, 2), value: readU32(c, 4), bandwidth: Buffer.from(c.buffer, c.byteOffset + 4, 4).readFloatBE(0) };
      return { ...base, ...named, asn: readU16(c, 2), value: readU32(c, 4) };
    case 0x01:
    case 0x41:
      return { ...base, ...named, address: formatIPv4(c, 2), value: readU16(c, 6) };
    case 0x02:
    case 0x42:
      return { ...base, ...named, asn: readU32(c, 2), value: readU16(c, 6) };
    case 0x03:
      if (subtype === 0x0c) {
        const tunnelType = readU16(c, 6);
        const name = TUNNEL_TYPES[tunnelType];
        return name ? { ...base, kind: 'encapsulation', tunnelType, tunnelTypeName: name } : { ...base, kind: 'encapsulation', tunnelType };
      }
      return base;
    case 0x06:
      return subtype === 0x03 ? { ...base, kind: 'router-mac', routerMac: mac(c, 2) } : base;
    default:
      return base;
  }
}

/** Build a route target / route origin community (2-octet AS with a 4-octet value, or 4-octet AS with 2). */
export function asSpecificCommunity(kind: 'route-target' | 'route-origin', asn: number, value: number): Uint8Array {
  const c = new Uint8Array(8);
  const dv = new DataView(c.buffer);
  c[1] = kind === 'route-target' ? 0x02 : 0x03;
  if (asn <= 0xffff) {
    c[0] = 0x00;
    dv.setUint16(2, asn);
    dv.setUint32(4, value);
  } else {
    c[0] = 0x02;
    dv.setUint32(2, asn);
    dv.setUint16(6, value);
  }
  return c;
}

/** RFC 9012 §4.1 encapsulation extended community. */
export function encapsulationCommunity(tunnelType: number): Uint8Array {
  const c = new Uint8Array(8);
  c[0] = 0x03;
  c[1] = 0x0c;
  new DataView(c.buffer).setUint16(6, tunnelType);
  return c;
}

/** RFC 9135 router's MAC extended community. */
export function routerMacCommunity(macText: string): Uint8Array {
  const parts = macText.split(':').map((p) => Number.parseInt(p, 16));
  if (parts.length !== 6 || parts.some((p) => !(p >= 0 && p <= 255))) throw new TypeError(`not a MAC address: ${macText}`);
  return Uint8Array.from([0x06, 0x03, ...parts]);
}
