/**
 * rtnetlink route messages (RTM_NEWROUTE / RTM_DELROUTE, rtnetlink(7)), built and read with the `netlink`
 * package's typed structs. Only RTA_MULTIPATH is laid out by hand: the package leaves it as raw bytes.
 *
 * Writes follow what keeps other software's routes safe:
 * - a first install uses NLM_F_CREATE|NLM_F_EXCL, so a route of another protocol with the same prefix, table
 *   and metric makes the kernel answer EEXIST instead of being replaced;
 * - a change of a route tern installed uses NLM_F_CREATE|NLM_F_REPLACE;
 * - a delete names tern's protocol and metric, and the kernel only deletes a route that matches both.
 * No request asks for an ACK: the kernel answers only errors (netlink(7) "NLMSG_ERROR"), and the transport
 * sends one acknowledged barrier after a batch to learn that the whole batch was processed.
 */
import ipaddr from 'ipaddr.js';
import { AttrStream, FlagsNew, formatAttribute, rt } from 'netlink';
import { prefixKeyOfBytes, type PrefixKey } from '../common/prefix-key.js';
import type { PrefixTable } from '../common/prefix-table.js';
import { frame, NLMSG_HDRLEN, type NetlinkBatch, type NetlinkRequest } from './netlink-batch.js';
import type { FibTarget, Forwarding, IpVersion, KernelNextHop, KernelRoute } from './types.js';

export const AF_INET = 2;
export const AF_INET6 = 10;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
const RTA_GATEWAY = 5;
/** RTA_VIA: a gateway of another family than the route (IPv4 over an IPv6 next hop, RFC 8950). */
const RTA_VIA = 18;
/** RTNH_F_ONLINK (include/uapi/linux/rtnetlink.h): the gateway is on the link even without a subnet. */
const RTNH_F_ONLINK = 4;
const RTN_UNICAST = 1;
const RTN_BLACKHOLE = 6;
/** rtm_table carries only 8 bits; larger table ids go in RTA_TABLE with rtm_table = RT_TABLE_UNSPEC. */
const RT_TABLE_UNSPEC = 0;

export type RouteOp = 'add' | 'replace' | 'delete';

export type { NetlinkRequest } from './netlink-batch.js';

/** Concatenate message parts and pad to 4 octets (NLMSG_ALIGN), as iproute2 does; the package does not pad the end. */
export function alignedBody(parts: readonly Uint8Array[]): Buffer {
  const b = Buffer.concat(parts);
  const pad = (4 - (b.length % 4)) % 4;
  return pad ? Buffer.concat([b, Buffer.alloc(pad)]) : b;
}

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const gatewayCache = new Map<string, Buffer>();

/** Address text to octets; dotted quads without ipaddr.js (this runs twice per route on the FIB's hot path). */
export function addressBytes(address: string): Buffer {
  const m = DOTTED_QUAD.exec(address);
  if (m) return Buffer.from([Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])]);
  return Buffer.from(ipaddr.parse(address).toByteArray());
}

/** Gateways repeat across many routes: keep their octets (read-only; a handful of distinct next hops). */
function gatewayBytes(address: string): Buffer {
  let b = gatewayCache.get(address);
  if (!b) {
    if (gatewayCache.size > 4096) gatewayCache.clear();
    b = addressBytes(address);
    gatewayCache.set(address, b);
  }
  return b;
}

function familyOf(version: IpVersion): number {
  return version === 4 ? AF_INET : AF_INET6;
}

function isV6(address: string): boolean {
  return address.includes(':');
}

/** The gateway as RTA_GATEWAY, or as RTA_VIA { u16 family; address } when its family is not the route's. */
function gatewayAttribute(version: IpVersion, gateway: string): Buffer {
  const bytes = gatewayBytes(gateway);
  if (isV6(gateway) === (version === 6)) return Buffer.concat(formatAttribute({ type: RTA_GATEWAY, data: bytes }));
  const via = Buffer.alloc(2 + bytes.length);
  via.writeUInt16LE(isV6(gateway) ? AF_INET6 : AF_INET, 0);
  via.set(bytes, 2);
  const attr = Buffer.concat(formatAttribute({ type: RTA_VIA, data: via }));
  return attr.length % 4 ? Buffer.concat([attr, Buffer.alloc(4 - (attr.length % 4))]) : attr;
}

function viaAddress(payload: Buffer): string | undefined {
  if (payload.length < 6) return undefined;
  return ipaddr.fromByteArray([...payload.subarray(2)]).toString();
}

/**
 * RTA_MULTIPATH: a sequence of struct rtnexthop { u16 len; u8 flags; u8 hops; s32 ifindex } each followed by
 * its own attributes (here RTA_GATEWAY), every entry padded to 4 octets (RTNH_ALIGN).
 */
export function encodeMultipath(nexthops: readonly KernelNextHop[], version: IpVersion = 4): Buffer {
  const parts: Buffer[] = [];
  for (const nh of nexthops) {
    const attrs = nh.gateway ? gatewayAttribute(version, nh.gateway) : Buffer.alloc(0);
    const len = 8 + attrs.length;
    const head = Buffer.alloc(8);
    head.writeUInt16LE(len, 0);
    head.writeUInt8(nh.onlink ? RTNH_F_ONLINK : 0, 2);
    head.writeUInt8(0, 3); // hops = weight - 1: equal weights
    head.writeInt32LE(nh.ifindex ?? 0, 4);
    parts.push(head, attrs, Buffer.alloc((4 - (len % 4)) % 4));
  }
  return Buffer.concat(parts);
}

export function decodeMultipath(data: Buffer): KernelNextHop[] {
  const out: KernelNextHop[] = [];
  let off = 0;
  while (off + 8 <= data.length) {
    const len = data.readUInt16LE(off);
    if (len < 8 || off + len > data.length) break;
    const flags = data.readUInt8(off + 2);
    const ifindex = data.readInt32LE(off + 4);
    let gateway: string | undefined;
    let a = off + 8;
    while (a + 4 <= off + len) {
      const alen = data.readUInt16LE(a);
      const atype = data.readUInt16LE(a + 2) & 0x3fff;
      if (alen < 4) break;
      if (atype === RTA_GATEWAY) gateway = ipaddr.fromByteArray([...data.subarray(a + 4, a + alen)]).toString();
      if (atype === RTA_VIA) gateway = viaAddress(data.subarray(a + 4, a + alen));
      a += (alen + 3) & ~3;
    }
    out.push({ ...(gateway ? { gateway } : {}), ...(ifindex ? { ifindex } : {}), onlink: (flags & RTNH_F_ONLINK) !== 0 });
    off += (len + 3) & ~3;
  }
  return out;
}

/** The rtmsg header and attributes of one route (what follows the nlmsghdr). */
export function routeBody(route: KernelRoute, target: FibTarget, op: RouteOp): Buffer {
  const single = route.nexthops.length === 1 ? route.nexthops[0] : undefined;
  const multi = route.nexthops.length > 1;
  const data: rt.Route = {
    family: familyOf(route.version),
    dstLen: route.dstLen,
    table: target.table < 256 ? target.table : RT_TABLE_UNSPEC,
    protocol: target.protocol,
    scope: 0, // RT_SCOPE_UNIVERSE: a gatewayed or blackhole route
    type: route.type === 'blackhole' ? RTN_BLACKHOLE : RTN_UNICAST,
    ...(single?.onlink && op !== 'delete' ? { flags: { __unknown: RTNH_F_ONLINK } } : {}),
  };
  const attrs: rt.RouteAttrs = {
    table: target.table,
    priority: target.metric,
    ...(route.dstLen > 0 ? { dst: addressBytes(route.dst) } : {}),
    ...(op !== 'delete' && single?.gateway && isV6(single.gateway) === (route.version === 6) ? { gateway: gatewayBytes(single.gateway) } : {}),
    ...(op !== 'delete' && single?.ifindex ? { oif: single.ifindex } : {}),
    ...(op !== 'delete' && multi ? { multipath: encodeMultipath(route.nexthops, route.version) } : {}),
  };
  const out = new AttrStream();
  rt.formatRouteMessage({ kind: 'route', data, attrs }, out);
  // The package's RouteVia struct is 3 octets (it reads the address as one u8): RTA_VIA is laid out here.
  const viaGateway = op !== 'delete' && single?.gateway && isV6(single.gateway) !== (route.version === 6) ? single.gateway : undefined;
  return viaGateway ? Buffer.concat([alignedBody(out.bufs), gatewayAttribute(route.version, viaGateway)]) : alignedBody(out.bufs);
}

const RTA_DST = 1;
const REQUEST = 1;

function opFlags(op: RouteOp): number {
  return op === 'add' ? REQUEST | FlagsNew.CREATE | FlagsNew.EXCL
    : op === 'replace' ? REQUEST | FlagsNew.CREATE | FlagsNew.REPLACE
      : REQUEST;
}

export function routeRequest(route: KernelRoute, target: FibTarget, op: RouteOp): NetlinkRequest {
  return { type: op === 'delete' ? RTM_DELROUTE : RTM_NEWROUTE, flags: opFlags(op), body: routeBody(route, target, op) };
}

/** Offset of RTA_DST's payload in a route body (after the 12-octet rtmsg), or -1. */
function dstOffset(body: Buffer): number {
  for (let off = 12; off + 4 <= body.length;) {
    const len = body.readUInt16LE(off);
    if (len < 4) break;
    if ((body.readUInt16LE(off + 2) & 0x3fff) === RTA_DST) return off + 4;
    off += (len + 3) & ~3;
  }
  return -1;
}

/** A whole request (nlmsghdr and body) for one shape of route, and where its destination address goes. */
interface Template {
  /** The message as 32-bit words (its length is a multiple of 4). */
  readonly words: Int32Array;
  readonly dstAt: number;
}

/**
 * Writes route requests into a batch. Routes of one shape (operation, prefix length, forwarding) differ only
 * in their destination, so each shape is formatted once, with the `netlink` package, and every route of it
 * is a copy of those octets with its address written in: installing 100,000 routes through one gateway
 * formats one message and copies it 100,000 times. A delete names no next hops, so its shape is the family,
 * type and length alone.
 */
export class RouteEncoder {
  private readonly shapes = new WeakMap<Forwarding, (Template | undefined)[]>();
  private readonly deletes: (Template | undefined)[] = [];
  /** The last forwarding's shapes: consecutive routes mostly share one. */
  private lastForwarding: Forwarding | undefined;
  private lastShapes: (Template | undefined)[] = [];

  constructor(private readonly target: FibTarget) {}

  /** Writes the request for the route at `slot` of `prefixes` (the FIB's table of one family). */
  write(batch: NetlinkBatch, prefixes: PrefixTable, slot: number, op: RouteOp, forwarding: Forwarding): void {
    const t = this.template(prefixes.width === 1 ? 4 : 6, prefixes.lengths[slot]!, op, forwarding);
    const at = batch.appendWords(t.words);
    if (t.dstAt >= 0) prefixes.writeAddress(slot, batch.buffer, at + t.dstAt);
  }

  private template(version: IpVersion, dstLen: number, op: RouteOp, forwarding: Forwarding): Template {
    let shapes: (Template | undefined)[];
    let index: number;
    if (op === 'delete') {
      shapes = this.deletes;
      index = ((version === 6 ? 2 : 0) + (forwarding.type === 'blackhole' ? 1 : 0)) * 129 + dstLen;
    } else {
      if (forwarding !== this.lastForwarding) {
        let s = this.shapes.get(forwarding);
        if (!s) this.shapes.set(forwarding, (s = []));
        this.lastForwarding = forwarding;
        this.lastShapes = s;
      }
      shapes = this.lastShapes;
      // One forwarding may serve both families (a blackhole; an IPv6 next hop of IPv4 routes, RFC 8950).
      index = ((op === 'add' ? 0 : 2) + (version === 6 ? 1 : 0)) * 129 + dstLen;
    }
    let t = shapes[index];
    if (!t) {
      const route: KernelRoute = { version, dst: version === 4 ? '0.0.0.0' : '::', dstLen, type: forwarding.type, nexthops: forwarding.nexthops };
      const message = frame({ type: op === 'delete' ? RTM_DELROUTE : RTM_NEWROUTE, flags: opFlags(op), body: routeBody(route, this.target, op) });
      const at = dstLen > 0 ? dstOffset(message.subarray(NLMSG_HDRLEN)) : -1;
      const words = new Int32Array(message.length >>> 2);
      new Uint8Array(words.buffer).set(message);
      t = { words, dstAt: at < 0 ? -1 : NLMSG_HDRLEN + at };
      shapes[index] = t;
    }
    return t;
  }
}

/** A dump request for every route of one address family (filtered by the caller: dumps ignore rtm fields). */
export function routeDumpRequest(version: IpVersion): NetlinkRequest {
  const out = new AttrStream();
  rt.formatRouteMessage({ kind: 'route', data: { family: familyOf(version) }, attrs: {} }, out);
  return { type: RTM_GETROUTE, flags: 1 | 0x300, body: Buffer.concat(out.bufs) };
}

/** A route read from the kernel (dump or notification), with the fields that say whose it is. */
export interface ObservedRoute {
  readonly route: KernelRoute;
  /** The route's destination as a prefix key. */
  readonly key: PrefixKey;
  readonly table: number;
  readonly protocol: number;
  readonly metric: number;
}

/** The body without its top-level RTA_VIA, and that gateway. */
function takeVia(body: Buffer): { rest: Buffer; via?: string } {
  let via: string | undefined;
  const keep: Buffer[] = [body.subarray(0, 12)];
  for (let off = 12; off + 4 <= body.length;) {
    const len = body.readUInt16LE(off);
    if (len < 4) break;
    const next = off + ((len + 3) & ~3);
    if ((body.readUInt16LE(off + 2) & 0x3fff) === RTA_VIA) via = viaAddress(body.subarray(off + 4, off + len));
    else keep.push(body.subarray(off, Math.min(next, body.length)));
    off = next;
  }
  return via === undefined ? { rest: body } : { rest: Buffer.concat(keep), via };
}

/**
 * Reads an RTM_NEWROUTE/RTM_DELROUTE payload. Returns undefined for routes tern never writes (other types
 * than unicast and blackhole, source-specific routes, cache entries).
 */
export function parseRouteBody(body: Buffer): ObservedRoute | undefined {
  if (body.length < 12) return undefined;
  // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type (u8 each), flags (u32). Read
  // as numbers: the package maps known values to enum names.
  const family = body[0]!;
  const version: IpVersion | undefined = family === AF_INET ? 4 : family === AF_INET6 ? 6 : undefined;
  const type = body[7]!;
  if (!version || body[2] !== 0 || (type !== RTN_UNICAST && type !== RTN_BLACKHOLE)) return undefined;
  const protocol = body[5]!;
  const dstLen = body[1]!;
  const rtmTable = body[4]!;
  const onlink = (body.readUInt32LE(8) & RTNH_F_ONLINK) !== 0;
  // RTA_VIA is read here and hidden from the package, whose 3-octet RouteVia throws on a real one.
  const { rest, via } = takeVia(body);
  let attrs: rt.RouteAttrs;
  try {
    attrs = rt.parseRouteMessage(rest).attrs;
  } catch {
    return undefined; // a route with attributes tern never writes; not ours
  }
  const dstBytes = attrs.dst ?? new Uint8Array(version === 4 ? 4 : 16);
  if (dstBytes.length !== (version === 4 ? 4 : 16)) return undefined;
  const dst = ipaddr.fromByteArray([...dstBytes]).toString();
  const nexthops: KernelNextHop[] = attrs.multipath
    ? decodeMultipath(attrs.multipath)
    : type === RTN_BLACKHOLE ? [] : [{
      ...(attrs.gateway ? { gateway: ipaddr.fromByteArray([...attrs.gateway]).toString() } : via ? { gateway: via } : {}),
      ...(attrs.oif ? { ifindex: attrs.oif } : {}),
      onlink,
    }];
  return {
    route: { version, dst, dstLen, type: type === RTN_BLACKHOLE ? 'blackhole' : 'unicast', nexthops },
    key: prefixKeyOfBytes(version === 4 ? 'ipv4-unicast' : 'ipv6-unicast', dstBytes, 0, dstLen),
    table: attrs.table ?? rtmTable,
    protocol,
    metric: attrs.priority ?? 0,
  };
}
