/**
 * Our own next hop per family for a session, as BIRD picks it: the session's local address for its own
 * family, and for the other family a global address of the interface that holds the session's address
 * (so IPv4 routes can go over an IPv6 session and vice versa, RFC 4760 §3 / RFC 2545 §2). Read from the
 * interface table when the session comes up; the kernel issue replaces this with the live netlink view.
 *
 * A session over link-local addresses (`fe80::1%eth0`) names its interface by the scope: the same link-local
 * address is often on many links, so the address alone does not say which one.
 *
 * `linkLocalSelf` is our link-local address on the session's link, the second next hop that RFC 2545 §3 sends
 * with the global one when sender and receiver share the link (BIRD and FRR do so toward directly connected
 * peers): the session's own address when it is link-local, else one of its interface.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { Family } from '../common/prefix-key.js';

type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

function unmapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function isLinkLocal(address: string): boolean {
  return /^fe[89ab]/i.test(address);
}

/** The session's local address without scope, and the addresses of the interface(s) that may hold it. */
function sessionInterfaces(sessionLocal: string, interfaces: InterfaceTable): { local: string; candidates: NetworkInterfaceInfo[][] } {
  const [address, scope] = sessionLocal.split('%');
  const local = unmapped(address!);
  const scoped = scope !== undefined ? interfaces[scope] : undefined;
  const all = scoped ? [scoped] : Object.values(interfaces).filter((a): a is NetworkInterfaceInfo[] => a !== undefined);
  return { local, candidates: all.filter((addrs) => addrs.some((a) => a.address === local)) };
}

export function nextHopSelf(sessionLocal: string | undefined, interfaces: InterfaceTable = networkInterfaces()): Partial<Record<Family, string>> {
  const out: Partial<Record<Family, string>> = {};
  if (!sessionLocal) return out;
  const { local, candidates } = sessionInterfaces(sessionLocal, interfaces);
  const v6 = local.includes(':');
  if (v6 && !isLinkLocal(local)) out['ipv6-unicast'] = local;
  if (!v6) out['ipv4-unicast'] = local;
  for (const addrs of candidates) {
    if (!out['ipv4-unicast']) {
      const a4 = addrs.find((a) => a.family === 'IPv4' && !a.internal);
      if (a4) out['ipv4-unicast'] = a4.address;
    }
    if (!out['ipv6-unicast']) {
      const a6 = addrs.find((a) => a.family === 'IPv6' && !a.internal && !isLinkLocal(a.address));
      if (a6) out['ipv6-unicast'] = a6.address;
    }
  }
  return out;
}

/** Our link-local address on the session's link (RFC 2545 §3), undefined when it has none. */
export function linkLocalSelf(sessionLocal: string | undefined, interfaces: InterfaceTable = networkInterfaces()): string | undefined {
  if (!sessionLocal) return undefined;
  const { local, candidates } = sessionInterfaces(sessionLocal, interfaces);
  if (isLinkLocal(local)) return local;
  for (const addrs of candidates) {
    const ll = addrs.find((a) => a.family === 'IPv6' && !a.internal && isLinkLocal(a.address));
    if (ll) return ll.address;
  }
  return undefined;
}
