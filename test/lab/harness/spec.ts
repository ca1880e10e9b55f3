// The daemon-neutral description of a BGP speaker that startBird / startFrr / startGobgp all accept.
import { isIP } from 'node:net';
import { assertLabAddress, parseLabCidr, type LabProcess } from './lab.js';
import { describeValue } from './wait.js';

export type AddPathMode = 'rx' | 'tx' | 'on';
export type Family = 'ipv4' | 'ipv6';

export interface PeerSpec {
  /** Session name; a BIRD protocol name, so letters, digits and underscores only. */
  name: string;
  /** The neighbor's address (lab ranges only). Its family is the session's transport. */
  address: string;
  /** The neighbor's AS (equal to the local AS for iBGP). */
  asn: number;
  /** Carry IPv4 unicast on this session (default: true when the transport is IPv4). */
  ipv4?: boolean;
  /** Carry IPv6 unicast on this session (default: true when the transport is IPv6). */
  ipv6?: boolean;
  /** Never open the connection, only accept it. */
  passive?: boolean;
  /** Proposed hold time in seconds (keepalive is a third of it). Daemon default when absent. */
  holdTime?: number;
  /** eBGP multihop: true for the daemon's default TTL (255), or a TTL. */
  multihop?: boolean | number;
  /** ADD-PATH on every family of the session: receive, send, or both. */
  addPath?: AddPathMode;
  gracefulRestart?: boolean;
  /** RFC 8950 extended next hop (IPv4 NLRI with IPv6 next hop) on the IPv4 family. */
  extendedNextHop?: boolean;
  /** This neighbor is a route-reflector client of ours (iBGP). */
  routeReflectorClient?: boolean;
  /** Our source address for the session. */
  localAddress?: string;
  /** The neighbor's TCP port (default 179). */
  port?: number;
}

export interface StaticRouteSpec {
  /** A lab prefix, e.g. 10.77.100.0/24 or fd77:100::/48. */
  prefix: string;
  /** Next hop to announce; when absent the route is a blackhole and BGP announces our own address. */
  nextHop?: string;
}

export interface DaemonSpec {
  routerId: string;
  asn: number;
  peers: PeerSpec[];
  /** Announced to every peer whose session carries the prefix's family. */
  staticRoutes?: StaticRouteSpec[];
  /** Appended verbatim to the generated configuration (BIRD / FRR syntax; TOML for GoBGP). */
  extraConfig?: string;
  /** Our BGP listening port (default 179). */
  port?: number;
}

/** The families a peer's session carries, in a fixed order. */
export function peerFamilies(peer: PeerSpec): Family[] {
  const v6transport = isIP(peer.address) === 6;
  const families: Family[] = [];
  if (peer.ipv4 ?? !v6transport) families.push('ipv4');
  if (peer.ipv6 ?? v6transport) families.push('ipv6');
  return families;
}

export function prefixFamily(prefix: string): Family {
  return parseLabCidr(prefix).family === 4 ? 'ipv4' : 'ipv6';
}

/** Rejects specs that would use addresses outside the lab ranges or names a daemon would choke on. */
export function validateSpec(spec: DaemonSpec): void {
  if (isIP(spec.routerId) !== 4) throw new Error(`routerId must be a dotted quad: ${spec.routerId}`);
  checkAsn(spec.asn, 'asn');
  if (spec.port !== undefined) checkPort(spec.port, 'port');
  const names = new Set<string>();
  for (const peer of spec.peers) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(peer.name)) {
      throw new Error(`peer name must be an identifier ([A-Za-z_][A-Za-z0-9_]*): ${peer.name}`);
    }
    if (names.has(peer.name)) throw new Error(`duplicate peer name ${peer.name}`);
    names.add(peer.name);
    assertLabAddress(peer.address);
    if (peer.localAddress !== undefined) assertLabAddress(peer.localAddress);
    checkAsn(peer.asn, `peer ${peer.name} asn`);
    if (peer.port !== undefined) checkPort(peer.port, `peer ${peer.name} port`);
    if (peer.holdTime !== undefined && peer.holdTime !== 0 && (peer.holdTime < 3 || peer.holdTime > 65535)) {
      throw new Error(`peer ${peer.name} holdTime must be 0 or 3..65535`);
    }
    if (peerFamilies(peer).length === 0) throw new Error(`peer ${peer.name} carries no address family`);
  }
  for (const route of spec.staticRoutes ?? []) {
    const { family } = parseLabCidr(route.prefix);
    if (route.nextHop !== undefined) {
      assertLabAddress(route.nextHop);
      if ((isIP(route.nextHop) === 4) !== (family === 4)) {
        throw new Error(`next hop ${route.nextHop} is not of the same family as ${route.prefix}`);
      }
    }
  }
}

/** TTL for a multihop setting, or undefined for a directly connected session. */
export function multihopTtl(peer: PeerSpec): number | undefined {
  if (peer.multihop === undefined || peer.multihop === false) return undefined;
  return peer.multihop === true ? 255 : peer.multihop;
}

/** A failIf for waitFor: aborts the wait when the daemon died, quoting the end of its output. */
export function diedCheck(proc: LabProcess): () => string | undefined {
  return () => {
    const info = proc.exitInfo();
    if (!info) return undefined;
    return `${proc.name} (pid ${proc.pid}) exited (code ${info.code}, signal ${info.signal}); output:\n${tail(proc.output())}`;
  };
}

export function tail(text: string, max = 4000): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

export function clip(value: unknown): string {
  return describeValue(value);
}

function checkAsn(asn: number, what: string): void {
  if (!Number.isInteger(asn) || asn < 1 || asn > 4294967295) throw new Error(`${what} must be 1..4294967295`);
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what} must be 1..65535`);
}
