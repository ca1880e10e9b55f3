/**
 * Prefix keys, the one encoding of a destination prefix that the RIB and the kernel side share: IPv4 as
 * address * 64 + length (a number, so Maps hash it without allocating a string), IPv6 as "<32 hex digits>/
 * <length>". Host bits are always zero. Conversions to text are for display only; parsing text is for
 * configuration, kernel dumps and the few addresses policy matches on (cached by the caller).
 */
import ipaddr from 'ipaddr.js';

export type Family = 'ipv4-unicast' | 'ipv6-unicast';

/**
 * A prefix key: IPv4 as a number (address * 64 + length, exact below 2^53); IPv6 as a string of 32 hex
 * digits, "/" and the length. Both are cheap Map keys.
 */
export type PrefixKey = number | string;

export function ipv4Key(address: number, length: number): number {
  return address * 64 + length;
}

export function ipv6Key(bytes: Uint8Array, offset: number, length: number): string {
  let hex = '';
  const n = (length + 7) >>> 3;
  for (let i = 0; i < 16; i++) {
    let b = i < n ? bytes[offset + i]! : 0;
    if (i === n - 1 && length % 8 !== 0) b &= (0xff << (8 - (length % 8))) & 0xff;
    hex += (b < 16 ? '0' : '') + b.toString(16);
  }
  return `${hex}/${length}`;
}

export function prefixLength(key: PrefixKey): number {
  return typeof key === 'number' ? key % 64 : Number(key.slice(33));
}

/** IPv4 address of a key as an unsigned 32-bit number. */
export function ipv4Address(key: number): number {
  return Math.floor(key / 64);
}

/** The 16 address bytes of an IPv6 key. */
export function ipv6Bytes(key: string): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number.parseInt(key.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function ipv6Text(bytes: Uint8Array): string {
  // RFC 5952: lower case, leading zeros dropped, the longest run of zero groups (≥ 2) as "::".
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * The key of the prefix of `length` bits whose address starts at `bytes[offset]` (4 octets for IPv4, 16 for
 * IPv6, as in a kernel route); host bits are cleared.
 */
export function prefixKeyOfBytes(family: Family, bytes: Uint8Array, offset: number, length: number): PrefixKey {
  if (family === 'ipv6-unicast') return ipv6Key(bytes, offset, length);
  const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
  const a = ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) & mask;
  return ipv4Key(a >>> 0, length);
}

/** `10.0.0.0/24` or `fd00::/48` as a prefix key and its family; undefined when it is no prefix. */
export function prefixKeyFromText(text: string): { readonly family: Family; readonly key: PrefixKey } | undefined {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let length: number;
  try {
    [addr, length] = ipaddr.parseCIDR(text);
  } catch {
    return undefined;
  }
  const family: Family = addr.kind() === 'ipv4' ? 'ipv4-unicast' : 'ipv6-unicast';
  return { family, key: prefixKeyOfBytes(family, Uint8Array.from(addr.toByteArray()), 0, length) };
}

/** The network address of a key as text (`10.0.0.0`, `fd00::`), for display. */
export function prefixAddressText(key: PrefixKey): string {
  if (typeof key === 'number') {
    const a = ipv4Address(key);
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  return ipv6Text(ipv6Bytes(key));
}

export function formatPrefixKey(key: PrefixKey): string {
  return `${prefixAddressText(key)}/${prefixLength(key)}`;
}

export function familyOfKey(key: PrefixKey): Family {
  return typeof key === 'number' ? 'ipv4-unicast' : 'ipv6-unicast';
}

/** The key of one address as a host prefix (/32, /128); a `%zone` is ignored; IPv4-mapped IPv6 is IPv4. */
export function addressKeyOf(text: string): { readonly family: Family; readonly key: PrefixKey } | undefined {
  const zone = text.indexOf('%');
  const addr = zone < 0 ? text : text.slice(0, zone);
  if (!ipaddr.isValid(addr)) return undefined;
  let ip = ipaddr.parse(addr);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return prefixKeyFromText(`${ip.toString()}/${ip.kind() === 'ipv4' ? 32 : 128}`);
}
