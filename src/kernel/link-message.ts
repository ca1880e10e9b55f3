/**
 * Tunnel devices over rtnetlink (RTM_NEWLINK). The link header and plain attributes come from the `netlink`
 * package; IFLA_LINKINFO is nested attributes it leaves as bytes, so it is laid out here, in the order and
 * form iproute2 6.1 uses for `ip link add ... type ipip|vxlan` (test/fixtures/iproute2-ipip-create.hex is
 * such a request captured with strace; the IPIP test compares against it byte for byte).
 */
import { AttrStream, FlagsNew, rt } from 'netlink';
import { addressBytes, alignedBody, type NetlinkRequest } from './route-message.js';
import { macBytes } from './vtep-mac.js';

export const RTM_NEWLINK = 16;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
/** include/uapi/linux/if_tunnel.h */
const IPTUN = { LINK: 1, LOCAL: 2, TTL: 4, TOS: 5, PROTO: 9, PMTUDISC: 10, ENCAP_TYPE: 15, ENCAP_FLAGS: 16, ENCAP_SPORT: 17, ENCAP_DPORT: 18, FWMARK: 20 } as const;
/** include/uapi/linux/if_link.h IFLA_VXLAN_* */
const VXLAN = { ID: 1, LINK: 3, LOCAL: 4, LEARNING: 7, PORT: 15 } as const;

/** One netlink attribute: 4-octet header, payload, padding to 4. */
export function nla(type: number, payload: Uint8Array): Buffer {
  const len = 4 + payload.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  out.set(payload, 4);
  return out;
}

function u8(v: number): Buffer {
  return Buffer.from([v]);
}

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
}

function be16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

function linkInfo(kind: string, data: Buffer[]): Buffer {
  return Buffer.concat([nla(IFLA_INFO_KIND, Buffer.from(kind, 'latin1')), nla(IFLA_INFO_DATA, Buffer.concat(data))]);
}

function newLink(name: string, linkinfo: Buffer, extra: { mtu?: number; mac?: string } = {}): NetlinkRequest {
  const out = new AttrStream();
  rt.formatLinkMessage({
    kind: 'link',
    data: { family: 0 },
    attrs: { ifname: name, ...(extra.mtu ? { mtu: extra.mtu } : {}), ...(extra.mac ? { address: macBytes(extra.mac) } : {}) },
  }, out);
  // The package writes IFLA_LINKINFO as given; append it ourselves to control its nesting.
  return { type: RTM_NEWLINK, flags: 1 | FlagsNew.CREATE | FlagsNew.EXCL, body: Buffer.concat([alignedBody(out.bufs), nla(IFLA_LINKINFO, linkinfo)]) };
}

export interface IpipDevice {
  readonly name: string;
  /** Tunnel source (underlay) address. */
  readonly local: string;
}

/** `ip link add name NAME type ipip local LOCAL`: same attributes, same order, same defaults as iproute2. */
export function ipipCreateRequest(dev: IpipDevice): NetlinkRequest {
  return newLink(dev.name, linkInfo('ipip', [
    nla(IPTUN.PROTO, u8(0)),
    nla(IPTUN.LOCAL, addressBytes(dev.local)),
    nla(IPTUN.PMTUDISC, u8(1)),
    nla(IPTUN.TOS, u8(0)),
    nla(IPTUN.TTL, u8(0)),
    nla(IPTUN.LINK, u32(0)),
    nla(IPTUN.FWMARK, u32(0)),
    nla(IPTUN.ENCAP_TYPE, u16(0)),
    nla(IPTUN.ENCAP_FLAGS, u16(0)),
    nla(IPTUN.ENCAP_SPORT, be16(0)),
    nla(IPTUN.ENCAP_DPORT, be16(0)),
  ]));
}

export interface VxlanDevice {
  readonly name: string;
  readonly vni: number;
  readonly port: number;
  /** Tunnel source (underlay) address and the underlay interface it sits on. */
  readonly local: string;
  readonly underlayIfindex: number;
  readonly mac: string;
  readonly mtu: number;
}

/** `ip link add name NAME type vxlan id VNI dstport PORT local LOCAL dev UNDERLAY nolearning` + MAC and MTU. */
export function vxlanCreateRequest(dev: VxlanDevice): NetlinkRequest {
  return newLink(dev.name, linkInfo('vxlan', [
    nla(VXLAN.LINK, u32(dev.underlayIfindex)),
    nla(VXLAN.ID, u32(dev.vni)),
    nla(VXLAN.LOCAL, addressBytes(dev.local)),
    nla(VXLAN.LEARNING, u8(0)),
    nla(VXLAN.PORT, be16(dev.port)),
  ]), { mtu: dev.mtu, mac: dev.mac });
}

/** `ip link set IFINDEX up mtu MTU`. */
export function linkUpRequest(ifindex: number, mtu?: number): NetlinkRequest {
  const out = new AttrStream();
  rt.formatLinkMessage({ kind: 'link', data: { family: 0, index: ifindex, flags: { up: true }, change: { up: true } }, attrs: mtu ? { mtu } : {} }, out);
  return { type: RTM_NEWLINK, flags: 1, body: alignedBody(out.bufs) };
}
