/**
 * Addresses and prefixes as the configuration writes them: parsed to numbers for range checks, and to the
 * canonical text used as peer keys (RFC 5952 IPv6, IPv4-mapped addresses unmapped, link-local zone kept).
 */
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';
import { describeValue } from './describe-value.js';


export interface IpAddress {
  readonly family: 4 | 6;
  /** The address as a number (32 or 128 bits). */
  readonly value: bigint;
  /** The interface of a link-local IPv6 address (`fe80::1%eth0` → `eth0`). */
  readonly zone?: string;
  /** Canonical text: IPv4 dotted quad, IPv6 per RFC 5952 (IPv4-mapped unmapped), `%zone` kept. */
  readonly text: string;
  readonly linkLocal: boolean;
}

export interface IpPrefix {
  readonly family: 4 | 6;
  readonly value: bigint;
  readonly length: number;
  /** Canonical text, e.g. `10.0.0.0/8`, `2001:db8::/32`. */
  readonly text: string;
}

const ZONE = /^[A-Za-z0-9_.:@-]{1,15}$/;

function toBigInt(bytes: readonly number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** Parses an IP address with an optional `%zone`; `undefined` if it is not one (the zone is not checked). */
export function parseIpAddress(input: string): IpAddress | undefined {
  const at = input.indexOf('%');
  const addr = at < 0 ? input : input.slice(0, at);
  const zone = at < 0 ? undefined : input.slice(at + 1);
  if (isIPv4(addr)) {
    const ip = ipaddr.IPv4.parse(addr);
    return { family: 4, value: toBigInt(ip.toByteArray()), text: ip.toString(), linkLocal: false, ...(zone !== undefined && { zone }) };
  }
  if (!isIPv6(addr)) return undefined;
  const ip6 = ipaddr.IPv6.parse(addr);
  if (ip6.isIPv4MappedAddress()) {
    const ip = ip6.toIPv4Address();
    return { family: 4, value: toBigInt(ip.toByteArray()), text: ip.toString(), linkLocal: false, ...(zone !== undefined && { zone }) };
  }
  const text = ip6.toString();
  return {
    family: 6,
    value: toBigInt(ip6.toByteArray()),
    text: zone === undefined ? text : `${text}%${zone}`,
    linkLocal: ip6.range() === 'linkLocal',
    ...(zone !== undefined && { zone }),
  };
}

/** Why `input` is not a usable address (zone rules included), or the parsed address. */
export function checkAddress(input: string): IpAddress | string {
  const ip = parseIpAddress(input);
  if (!ip) return `expected an IPv4 or IPv6 address, got ${describeValue(input)}`;
  if (ip.zone !== undefined) {
    if (!ip.linkLocal) return `a zone (%${ip.zone}) is only allowed on a link-local IPv6 address (fe80::/10), got ${describeValue(input)}`;
    if (!ZONE.test(ip.zone)) return `expected an interface name after "%" (1..15 characters), got ${describeValue(input)}`;
  } else if (ip.linkLocal) {
    return `link-local address ${ip.text} needs a zone naming its interface, e.g. "${ip.text}%eth0"`;
  }
  return ip;
}

/** Parses `address/length` (no zone, host bits must be zero); `undefined` or a message when it is not one. */
export function parsePrefix(input: string): IpPrefix | string {
  const bad = `expected an IPv4 or IPv6 prefix such as 10.0.0.0/8, got ${describeValue(input)}`;
  const slash = input.indexOf('/');
  if (slash < 0) return bad;
  const addr = input.slice(0, slash);
  const lenText = input.slice(slash + 1);
  if (addr.includes('%') || !/^\d{1,3}$/.test(lenText)) return bad;
  const ip = parseIpAddress(addr);
  if (!ip) return bad;
  const bits = ip.family === 4 ? 32 : 128;
  const length = Number(lenText);
  if (length > bits) return `prefix length ${length} is longer than ${bits} in ${describeValue(input)}`;
  const host = (1n << BigInt(bits - length)) - 1n;
  const network = ip.value & ~host;
  const text = `${textOf(ip.family, network)}/${length}`;
  if ((ip.value & host) !== 0n) return `host bits are set in ${describeValue(input)} (did you mean ${text}?)`;
  return { family: ip.family, value: network, length, text };
}

function textOf(family: 4 | 6, value: bigint): string {
  const n = family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = n - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/** Whether two prefixes share any address. */
export function prefixesOverlap(a: IpPrefix, b: IpPrefix): boolean {
  if (a.family !== b.family) return false;
  const bits = a.family === 4 ? 32 : 128;
  const shift = BigInt(bits - Math.min(a.length, b.length));
  return a.value >> shift === b.value >> shift;
}

/** Whether `address` lies inside `prefix`. */
export function prefixContains(prefix: IpPrefix, address: IpAddress): boolean {
  if (prefix.family !== address.family) return false;
  const shift = BigInt((prefix.family === 4 ? 32 : 128) - prefix.length);
  return prefix.value >> shift === address.value >> shift;
}

