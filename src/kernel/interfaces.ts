/**
 * The live table of links and addresses, loaded with a dump and kept current from rtnetlink notifications.
 * It answers the question the overlay turns on: is this next hop on a local subnet, and through which
 * interface (the connected prefix of an up interface that contains it, longest first).
 */
import ipaddr from 'ipaddr.js';
import { rt } from 'netlink';
import type { KernelMessage, RtnlSocket } from './netlink-socket.js';
import type { InterfaceAddress, IpVersion, Link } from './types.js';

const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const RTM_GETADDR = 22;
const IFF_UP = 1;
const IFLA_INFO_KIND = 1;
/** IF_OPER_UP (6) and IF_OPER_UNKNOWN (0, e.g. tunnels and loopback) carry traffic. */
const OPER_UP = new Set([0, 6]);

function dumpRequest(type: number, family: number): { type: number; flags: number; body: Uint8Array } {
  const body = Buffer.alloc(type === RTM_GETLINK ? 16 : 8);
  body.writeUInt8(family, 0);
  return { type, flags: 1 | 0x300, body };
}

/** IFLA_LINKINFO is nested attributes; IFLA_INFO_KIND is a NUL-terminated string. */
function linkKind(info: Buffer | undefined): string | undefined {
  if (!info) return undefined;
  let off = 0;
  while (off + 4 <= info.length) {
    const len = info.readUInt16LE(off);
    const type = info.readUInt16LE(off + 2) & 0x3fff;
    if (len < 4) break;
    if (type === IFLA_INFO_KIND) return info.subarray(off + 4, off + len).toString('latin1').replace(/\0+$/, '');
    off += (len + 3) & ~3;
  }
  return undefined;
}

export function parseLink(body: Buffer): Link | undefined {
  if (body.length < 16) return undefined;
  const { attrs } = rt.parseLinkMessage(body);
  const ifindex = body.readInt32LE(4);
  const flags = body.readUInt32LE(8);
  const kind = linkKind(attrs.linkinfo);
  return {
    ifindex,
    name: attrs.ifname ?? `if${ifindex}`,
    up: (flags & IFF_UP) !== 0 && OPER_UP.has(attrs.operstate ?? 0),
    mtu: attrs.mtu ?? 1500,
    ...(kind ? { kind } : {}),
  };
}

export function parseAddress(body: Buffer): InterfaceAddress | undefined {
  if (body.length < 8) return undefined;
  const family = body[0];
  const version: IpVersion | undefined = family === 2 ? 4 : family === 10 ? 6 : undefined;
  if (!version) return undefined;
  const { attrs } = rt.parseAddressMessage(body);
  const raw = attrs.local ?? attrs.address;
  if (!raw) return undefined;
  return { ifindex: body.readUInt32LE(4), version, address: ipaddr.fromByteArray([...raw]).toString(), prefixLen: body[1]! };
}

/**
 * What changed: a full re-read, or one interface that gained (came up, got an address, appeared) or lost
 * (went down, lost an address, went away). A loss can mean the kernel itself dropped routes through it.
 */
export type InterfaceChange = { readonly kind: 'reload' } | { readonly kind: 'gained' | 'lost'; readonly ifindex: number };

export class InterfaceTable {
  private readonly links = new Map<number, Link>();
  private readonly addrs = new Map<string, InterfaceAddress>();
  private readonly onLinkCache = new Map<string, InterfaceAddress | null>();
  private readonly listeners: ((change: InterfaceChange) => void)[] = [];

  /** Re-reads every link and address (at start, and after lost notifications); the table is swapped at once. */
  async load(socket: RtnlSocket): Promise<void> {
    const links = await socket.dump(dumpRequest(RTM_GETLINK, 0));
    const addrs = await socket.dump(dumpRequest(RTM_GETADDR, 0));
    this.links.clear();
    this.addrs.clear();
    for (const m of [...links, ...addrs]) this.update(m);
    this.changed({ kind: 'reload' });
  }

  /** Feed one notification; returns whether the table changed. */
  apply(m: KernelMessage, notify = true): boolean {
    const change = this.update(m);
    if (change && notify) this.changed(change);
    return change !== undefined;
  }

  private update(m: KernelMessage): InterfaceChange | undefined {
    if (m.type === RTM_NEWLINK || m.type === RTM_DELLINK) {
      const l = parseLink(m.body);
      if (!l) return undefined;
      const before = this.links.get(l.ifindex);
      if (m.type === RTM_DELLINK) {
        if (!this.links.delete(l.ifindex)) return undefined;
        for (const [k, a] of this.addrs) if (a.ifindex === l.ifindex) this.addrs.delete(k);
        return { kind: 'lost', ifindex: l.ifindex };
      }
      if (before && before.up === l.up && before.name === l.name && before.mtu === l.mtu && before.kind === l.kind) return undefined;
      this.links.set(l.ifindex, l);
      return { kind: before?.up && !l.up ? 'lost' : 'gained', ifindex: l.ifindex };
    }
    if (m.type === RTM_NEWADDR || m.type === RTM_DELADDR) {
      const a = parseAddress(m.body);
      if (!a) return undefined;
      const key = `${a.ifindex}|${a.address}/${a.prefixLen}`;
      if (m.type === RTM_DELADDR) return this.addrs.delete(key) ? { kind: 'lost', ifindex: a.ifindex } : undefined;
      if (this.addrs.has(key)) return undefined;
      this.addrs.set(key, a);
      return { kind: 'gained', ifindex: a.ifindex };
    }
    return undefined;
  }

  private changed(change: InterfaceChange): void {
    this.onLinkCache.clear();
    for (const l of this.listeners) l(change);
  }

  onChange(listener: (change: InterfaceChange) => void): void {
    this.listeners.push(listener);
  }

  link(ifindex: number): Link | undefined {
    return this.links.get(ifindex);
  }

  linkByName(name: string): Link | undefined {
    for (const l of this.links.values()) if (l.name === name) return l;
    return undefined;
  }

  addresses(ifindex?: number): InterfaceAddress[] {
    return [...this.addrs.values()].filter((a) => ifindex === undefined || a.ifindex === ifindex);
  }

  /** The address (with its interface) whose connected subnet holds `address` on an up link, longest prefix first. */
  onLink(address: string): InterfaceAddress | undefined {
    const cached = this.onLinkCache.get(address);
    if (cached !== undefined) return cached ?? undefined;
    let best: InterfaceAddress | undefined;
    const parsed = ipaddr.parse(address);
    for (const a of this.addrs.values()) {
      if (a.version !== (parsed.kind() === 'ipv4' ? 4 : 6) || (best && best.prefixLen >= a.prefixLen)) continue;
      if (a.version === 4 && a.prefixLen === 32) continue; // a host address is no subnet
      if (!this.links.get(a.ifindex)?.up) continue;
      if (parsed.match(ipaddr.parse(a.address), a.prefixLen)) best = a;
    }
    this.onLinkCache.set(address, best ?? null);
    return best;
  }
}
