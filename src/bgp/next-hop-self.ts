/**
 * Our own next hop per family for a session, as BIRD picks it: the session's local address for its own
 * family, and for the other family a global address of the interface that holds the session's address
 * (so IPv4 routes can go over an IPv6 session and vice versa, RFC 4760 §3 / RFC 2545 §2). Read from the
 * interface table when the session comes up; the kernel issue replaces this with the live netlink view.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { Family } from '../common/prefix-key.js';

function unmapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export function nextHopSelf(
  sessionLocal: string | undefined,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): Partial<Record<Family, string>> {
  const out: Partial<Record<Family, string>> = {};
  if (!sessionLocal) return out;
  const local = unmapped(sessionLocal.split('%')[0]!);
  const v6 = local.includes(':');
  if (v6 && !local.toLowerCase().startsWith('fe80')) out['ipv6-unicast'] = local;
  if (!v6) out['ipv4-unicast'] = local;
  for (const addrs of Object.values(interfaces)) {
    if (!addrs?.some((a) => a.address === local)) continue;
    if (!out['ipv4-unicast']) {
      const a4 = addrs.find((a) => a.family === 'IPv4' && !a.internal);
      if (a4) out['ipv4-unicast'] = a4.address;
    }
    if (!out['ipv6-unicast']) {
      const a6 = addrs.find((a) => a.family === 'IPv6' && !a.internal && !a.address.toLowerCase().startsWith('fe80'));
      if (a6) out['ipv6-unicast'] = a6.address;
    }
  }
  return out;
}
