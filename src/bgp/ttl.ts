/**
 * The IP TTL (IPv4) or hop limit (IPv6) of a session's packets: 1 for a directly connected eBGP peer, more
 * with eBGP multihop, 255 for iBGP (what BIRD and FRR send). Node cannot set it; the `sockopt` package
 * calls setsockopt(2). Set once the socket is connected, so the SYN itself still goes with the default TTL.
 */
import type { Socket } from 'node:net';
import { setsockopt } from 'sockopt';

const IPPROTO_IP = 0;
const IP_TTL = 2;
const IPPROTO_IPV6 = 41;
const IPV6_UNICAST_HOPS = 16;

/** Returns an error message when the kernel refused, else undefined. */
export function setSessionTtl(socket: Socket, ttl: number): string | undefined {
  const v6 = socket.remoteFamily === 'IPv6' && !(socket.remoteAddress ?? '').startsWith('::ffff:');
  try {
    if (v6) setsockopt(socket, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl);
    else setsockopt(socket, IPPROTO_IP, IP_TTL, ttl);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
