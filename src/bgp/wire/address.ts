/**
 * IP addresses as bytes on the wire and as text for people. Formatting is for display only; the hot paths
 * keep addresses as bytes or numbers. IPv6 text follows RFC 5952 (ipaddr.js does the compression).
 */
import ipaddr from 'ipaddr.js';

/**
 * The last IPv4 texts made, by address, as for IPv6 below: every set decoded from an UPDATE has its NEXT_HOP
 * formatted, and a heap snapshot after a table under 20k sets held 17k copies of the one next hop's text
 * (32 octets each, for as long as the sets live). A hit returns the one string already made.
 */
const IPV4_MEMO = 64;
const memoNumbers = new Float64Array(IPV4_MEMO).fill(-1);
const memoTexts4: (string | undefined)[] = new Array<string | undefined>(IPV4_MEMO).fill(undefined);

export function formatIPv4(b: Uint8Array, at = 0): string {
  const n = ipv4ToNumber(b, at);
  const slot = (n ^ (n >>> 6) ^ (n >>> 12)) & (IPV4_MEMO - 1);
  if (memoNumbers[slot] === n) return memoTexts4[slot]!;
  const text = `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  memoNumbers[slot] = n;
  memoTexts4[slot] = text;
  return text;
}

export function ipv4ToNumber(b: Uint8Array, at = 0): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export function formatIPv4Number(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * The last IPv6 texts made, by address, in a small direct-mapped table: going through ipaddr.js takes 3–4 µs,
 * and every IPv6 UPDATE received has its next hop formatted (the RIB keeps next hops as text) while a peer's
 * next hops are few. A slot holds the address's 16 octets and its text; a hit costs a 16-octet compare.
 */
const IPV6_MEMO = 64;
const memoOctets = new Uint8Array(IPV6_MEMO * 16);
const memoTexts: (string | undefined)[] = new Array<string | undefined>(IPV6_MEMO).fill(undefined);

/** RFC 5952 text; IPv4-mapped addresses in the mixed notation of RFC 5952 §5 (::ffff:192.0.2.1). */
export function formatIPv6(b: Uint8Array, at = 0): string {
  // Addresses of one network differ mostly in their last octets.
  const slot = (b[at + 15]! ^ (b[at + 14]! << 1) ^ (b[at + 13]! << 2) ^ (b[at + 7]! << 3)) & (IPV6_MEMO - 1);
  const o = slot * 16;
  const known = memoTexts[slot];
  if (known !== undefined) {
    let same = true;
    for (let i = 0; same && i < 16; i++) same = memoOctets[o + i] === b[at + i];
    if (same) return known;
  }
  const text = ipv6Text(b, at);
  memoOctets.set(b.subarray(at, at + 16), o);
  memoTexts[slot] = text;
  return text;
}

function ipv6Text(b: Uint8Array, at: number): string {
  let mapped = b[at + 10] === 0xff && b[at + 11] === 0xff;
  for (let i = 0; mapped && i < 10; i++) mapped = b[at + i] === 0;
  if (mapped) return `::ffff:${formatIPv4(b, at + 12)}`;
  return ipaddr.fromByteArray(Array.from(b.subarray(at, at + 16))).toString();
}

/** Format 4 or 16 bytes as an address. */
export function formatAddress(b: Uint8Array): string {
  return b.length === 4 ? formatIPv4(b) : formatIPv6(b);
}

/** Parse an IPv4 or IPv6 address to its bytes; throws TypeError on bad input (callers are builders and CLIs). */
export function parseAddress(text: string): Uint8Array {
  if (!ipaddr.isValid(text)) throw new TypeError(`not an IP address: ${JSON.stringify(text)}`);
  return Uint8Array.from(ipaddr.parse(text).toByteArray());
}

export function parseIPv4(text: string): Uint8Array {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) throw new TypeError(`not an IPv4 address: ${JSON.stringify(text)}`);
  return Uint8Array.from(ipaddr.IPv4.parse(text).toByteArray());
}
