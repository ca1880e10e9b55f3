/**
 * A kernel route's destination as a Map key, without text on the hot path: IPv4 as address × 64 + length (a
 * number), IPv6 as 32 hex digits, "/" and the length. It is the encoding of the RIB's PrefixKey
 * (src/rib/types.ts), so the daemon hands the RIB's keys to the kernel side unchanged
 * (test/daemon/kernel-routes.test.ts pins that the two agree). Text is made only for people: logs, bgpctl.
 */
import ipaddr from 'ipaddr.js';
import type { IpVersion } from './types.js';

export type RouteKey = number | string;

export function routeKeyVersion(key: RouteKey): IpVersion {
  return typeof key === 'number' ? 4 : 6;
}

export function routeKeyLength(key: RouteKey): number {
  return typeof key === 'number' ? key % 64 : Number(key.slice(33));
}

/** The key of `dst/dstLen` (host bits are cleared). */
export function routeKey(version: IpVersion, dst: string, dstLen: number): RouteKey {
  const bytes = ipaddr.parse(dst).toByteArray();
  if (version === 4) {
    const mask = dstLen === 0 ? 0 : (0xffffffff << (32 - dstLen)) >>> 0;
    const a = ((((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0) & mask) >>> 0;
    return a * 64 + dstLen;
  }
  let hex = '';
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, dstLen - i * 8));
    const b = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
    hex += (b < 16 ? '0' : '') + b.toString(16);
  }
  return `${hex}/${dstLen}`;
}

/** `10.1.0.0/24` or `fd00::/48` as a key; undefined when it is no prefix. */
export function parseRouteKey(prefix: string): RouteKey | undefined {
  const slash = prefix.indexOf('/');
  const address = prefix.slice(0, slash);
  const len = Number(prefix.slice(slash + 1));
  if (slash < 0 || !ipaddr.isValid(address) || !Number.isInteger(len)) return undefined;
  const version = ipaddr.parse(address).kind() === 'ipv4' ? 4 : 6;
  if (len < 0 || len > (version === 4 ? 32 : 128)) return undefined;
  return routeKey(version, address, len);
}

/** Writes the destination address (4 or 16 octets) at `off`. */
export function writeRouteKeyAddress(key: RouteKey, buf: Uint8Array, off: number): void {
  if (typeof key === 'number') {
    const a = Math.floor(key / 64);
    buf[off] = a >>> 24;
    buf[off + 1] = (a >>> 16) & 255;
    buf[off + 2] = (a >>> 8) & 255;
    buf[off + 3] = a & 255;
    return;
  }
  for (let i = 0; i < 16; i++) buf[off + i] = Number.parseInt(key.slice(i * 2, i * 2 + 2), 16);
}

/** The destination as text: address and length. */
export function routeKeyDestination(key: RouteKey): { readonly version: IpVersion; readonly dst: string; readonly dstLen: number } {
  const version = routeKeyVersion(key);
  const bytes = new Uint8Array(version === 4 ? 4 : 16);
  writeRouteKeyAddress(key, bytes, 0);
  return { version, dst: ipaddr.fromByteArray([...bytes]).toString(), dstLen: routeKeyLength(key) };
}

export function routeKeyText(key: RouteKey): string {
  const d = routeKeyDestination(key);
  return `${d.dst}/${d.dstLen}`;
}
