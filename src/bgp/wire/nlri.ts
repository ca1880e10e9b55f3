/**
 * NLRI encoding (RFC 4271 §4.3, RFC 4760 §5) with optional path identifiers (RFC 7911 §3).
 *
 * Hot path: a decoded NLRI list is a view of the message bytes plus a count, validated once by `scanNlri`.
 * Nothing is allocated per prefix: the RIB walks the view with `forEachIPv4` / `forEachPrefix` and gets numbers
 * and offsets. Strings (`prefixStrings`) are for display only.
 *
 * A prefix is <length in bits: 1 octet><ceil(bits/8) octets>, preceded by a 4-octet path identifier when
 * add-path is negotiated for that family and direction. Trailing bits past the length are ignored on decode
 * (RFC 4271 §4.3 says they are irrelevant) and written as zero on encode.
 */
import { formatIPv4Number, formatIPv6, parseAddress } from './address.js';
import { familyByName, type Family, type FamilyName } from './family.js';
import { Writer } from './writer.js';

export interface NlriList {
  readonly afi: number;
  readonly safi: number;
  /** The family descriptor, or undefined for a family the codec does not know (NLRI then stay opaque). */
  readonly family: Family | undefined;
  readonly addPath: boolean;
  /** The encoded NLRI, a view into the message. */
  readonly data: Uint8Array;
  /** Number of prefixes in `data` (0 for an unknown family). */
  readonly count: number;
}

/** A prefix as plain data, for builders, tests and display. */
export interface Prefix {
  readonly family: FamilyName;
  /** The full address (4 or 16 bytes), host bits zero. */
  readonly address: Uint8Array;
  readonly length: number;
  readonly pathId?: number;
}

/**
 * Validate encoded NLRI and count the prefixes. Returns the count, or a string saying what is wrong
 * (RFC 7606 §5.3: a prefix longer than the family allows, or one that overruns the field).
 */
export function scanNlri(data: Uint8Array, family: Family, addPath: boolean): number | string {
  const end = data.length;
  const maxBits = family.maxBits;
  let at = 0;
  let count = 0;
  while (at < end) {
    if (addPath) {
      if (end - at < 5) return `truncated path identifier at NLRI offset ${at}`;
      at += 4;
    }
    const bits = data[at]!;
    if (bits > maxBits) return `prefix length ${bits} exceeds ${maxBits} at NLRI offset ${at}`;
    at += 1 + ((bits + 7) >>> 3);
    if (at > end) return `prefix of length ${bits} overruns the NLRI field`;
    count++;
  }
  return count;
}

export function nlriList(family: Family, addPath: boolean, data: Uint8Array, count: number): NlriList {
  return { afi: family.afi, safi: family.safi, family, addPath, data, count };
}

export function emptyNlri(family: Family, addPath = false): NlriList {
  return nlriList(family, addPath, new Uint8Array(0), 0);
}

/** The IPv4 address of a `bits`-long prefix whose address octets start at `d[at]`, unsigned, host bits cleared. */
function ipv4At(d: Uint8Array, at: number, bits: number): number {
  let addr = 0;
  switch ((bits + 7) >>> 3) {
    case 4: addr = (d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!; break;
    case 3: addr = (d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8); break;
    case 2: addr = (d[at]! << 24) | (d[at + 1]! << 16); break;
    case 1: addr = d[at]! << 24; break;
    default: break;
  }
  return bits === 0 ? 0 : (addr & (0xffffffff << (32 - bits))) >>> 0;
}

/**
 * Visit every IPv4 prefix of a validated list as numbers: the address (host bits cleared, unsigned 32-bit),
 * the length, and the path identifier (0 without add-path). No allocation.
 */
export function forEachIPv4(list: NlriList, visit: (address: number, length: number, pathId: number) => void): void {
  const d = list.data;
  const end = d.length;
  const addPath = list.addPath;
  let at = 0;
  while (at < end) {
    let pathId = 0;
    if (addPath) {
      pathId = ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;
      at += 4;
    }
    const bits = d[at++]!;
    visit(ipv4At(d, at, bits), bits, pathId);
    at += (bits + 7) >>> 3;
  }
}

/**
 * Visit every prefix of a validated list as (bytes, offset of the first address octet, length, path id).
 * The address octets are `ceil(length/8)` bytes at `offset`; trailing bits may be set and must be masked
 * by whoever copies them. No allocation.
 */
export function forEachPrefix(
  list: NlriList,
  visit: (bytes: Uint8Array, offset: number, length: number, pathId: number) => void,
): void {
  const d = list.data;
  const end = d.length;
  let at = 0;
  while (at < end) {
    let pathId = 0;
    if (list.addPath) {
      pathId = ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;
      at += 4;
    }
    const bits = d[at++]!;
    visit(d, at, bits, pathId);
    at += (bits + 7) >>> 3;
  }
}

/** Copy a prefix's address into a full-size, zero-padded, masked byte array. */
export function prefixAddress(family: Family, bytes: Uint8Array, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(family.addressBytes);
  const n = (length + 7) >>> 3;
  out.set(bytes.subarray(offset, offset + n));
  if (length % 8 !== 0) out[n - 1]! &= (0xff << (8 - (length % 8))) & 0xff;
  return out;
}

export function formatPrefix(family: Family, address: Uint8Array, length: number): string {
  return family.addressBytes === 4
    ? `${formatIPv4Number(((address[0]! << 24) | (address[1]! << 16) | (address[2]! << 8) | address[3]!) >>> 0)}/${length}`
    : `${formatIPv6(address)}/${length}`;
}

/** Every prefix of the list as plain data. Allocates: for display, tests and builders, not the RIB. */
export function prefixesOf(list: NlriList): Prefix[] {
  const family = list.family;
  if (!family) return [];
  const out: Prefix[] = [];
  forEachPrefix(list, (bytes, offset, length, pathId) => {
    const address = prefixAddress(family, bytes, offset, length);
    out.push(list.addPath ? { family: family.name, address, length, pathId } : { family: family.name, address, length });
  });
  return out;
}

/** Every prefix as text like `10.0.0.0/24`. Allocates: for display. */
export function prefixStrings(list: NlriList): string[] {
  const family = list.family;
  if (!family) return [];
  return prefixesOf(list).map((p) => formatPrefix(family, p.address, p.length));
}

/** Parse `10.0.0.0/24` or `2001:db8::/32`; host bits are cleared. Throws TypeError on bad input. */
export function parsePrefix(text: string, pathId?: number): Prefix {
  const slash = text.lastIndexOf('/');
  if (slash < 0) throw new TypeError(`not a prefix (no /length): ${JSON.stringify(text)}`);
  const address = parseAddress(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  const length = Number(lenText);
  const maxBits = address.length * 8;
  if (!/^\d{1,3}$/.test(lenText) || length > maxBits) {
    throw new TypeError(`bad prefix length in ${JSON.stringify(text)}`);
  }
  for (let bit = length; bit < maxBits; bit++) address[bit >>> 3]! &= ~(0x80 >>> (bit & 7));
  const family: FamilyName = address.length === 4 ? 'ipv4-unicast' : 'ipv6-unicast';
  return pathId === undefined ? { family, address, length } : { family, address, length, pathId };
}

/** Write one prefix (with its path id when `addPath`). */
export function writePrefix(w: Writer, address: Uint8Array, length: number, addPath: boolean, pathId = 0): void {
  if (addPath) w.u32(pathId);
  w.u8(length);
  const n = (length + 7) >>> 3;
  w.bytes(address.subarray(0, n));
}

/** Write one IPv4 prefix given as numbers. The encoder's hot path. */
export function writeIPv4Prefix(w: Writer, address: number, length: number, addPath: boolean, pathId = 0): void {
  if (addPath) w.u32(pathId);
  w.u8(length);
  const n = (length + 7) >>> 3;
  if (n > 0) w.u8(address >>> 24);
  if (n > 1) w.u8(address >>> 16);
  if (n > 2) w.u8(address >>> 8);
  if (n > 3) w.u8(address);
}

/** Encode prefixes of one family into an NLRI list. Throws TypeError when a prefix is of another family. */
export function buildNlri(familyName: FamilyName, prefixes: readonly (Prefix | string)[], addPath = false): NlriList {
  const family = familyByName(familyName)!;
  const w = new Writer(prefixes.length * 8 + 8);
  for (const item of prefixes) {
    const p = typeof item === 'string' ? parsePrefix(item) : item;
    if (p.family !== familyName) throw new TypeError(`prefix ${formatPrefix(familyByName(p.family)!, p.address, p.length)} is not ${familyName}`);
    writePrefix(w, p.address, p.length, addPath, p.pathId ?? 0);
  }
  return nlriList(family, addPath, w.finish(), prefixes.length);
}

/** The mask of a word's first `bits` bits (none for 0 or less, all for 32 or more), as a signed 32-bit value. */
function maskOf(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? -1 : -1 << (32 - bits);
}

/**
 * Reusable columns that `readNlri` fills: the prefixes of one list as numbers, in wire order. The arrays grow
 * as needed and are overwritten by the next read, so one instance serves every UPDATE of a daemon.
 */
export interface NlriColumns {
  /** addressBytes / 4 words per prefix (network order, host bits zero), as in `PrefixBatch`. */
  words: Uint32Array;
  lengths: Uint8Array;
  /** 0 without add-path. */
  pathIds: Uint32Array;
}

export function nlriColumns(capacity = 4096): NlriColumns {
  return { words: new Uint32Array(capacity * 4), lengths: new Uint8Array(capacity), pathIds: new Uint32Array(capacity) };
}

/**
 * Decode a validated list into `into` (grown when too small); returns the number of prefixes. The same
 * prefixes as `forEachIPv4` / `forEachPrefix` give, as columns a lookup can take in one batch.
 */
export function readNlri(list: NlriList, into: NlriColumns): number {
  const n = list.count;
  const family = list.family;
  if (n === 0 || family === undefined) return 0;
  const width = family.addressBytes >>> 2;
  if (into.lengths.length < n) {
    const size = Math.max(n, into.lengths.length * 2);
    into.words = new Uint32Array(size * 4);
    into.lengths = new Uint8Array(size);
    into.pathIds = new Uint32Array(size);
  }
  const { words, lengths, pathIds } = into;
  const d = list.data;
  const end = d.length;
  const view = width === 1 ? undefined : new DataView(d.buffer, d.byteOffset, d.byteLength);
  const addPath = list.addPath;
  let at = 0;
  for (let i = 0; i < n; i++) {
    let pathId = 0;
    if (addPath) {
      pathId = ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;
      at += 4;
    }
    const bits = d[at++]!;
    const bytes = (bits + 7) >>> 3;
    if (width === 1) {
      words[i] = ipv4At(d, at, bits);
    } else if (view !== undefined && at + 16 <= end) {
      // Away from the end of the field, all 16 octets are read whatever the length and the host bits masked
      // off: the octets past the prefix's (the next prefix's) are cleared with them. No branch per octet.
      const o = i * 4;
      words[o] = view.getUint32(at) & maskOf(bits);
      words[o + 1] = view.getUint32(at + 4) & maskOf(bits - 32);
      words[o + 2] = view.getUint32(at + 8) & maskOf(bits - 64);
      words[o + 3] = view.getUint32(at + 12) & maskOf(bits - 96);
    } else {
      // Near the end: whole words read at once, the last partial one from the octets there are (a /48 is one
      // word and two octets), and the words past them zero.
      let w = i * width;
      const last = w + width;
      let k = at;
      const whole = at + (bytes & ~3);
      for (; k < whole; k += 4) words[w++] = ((d[k]! << 24) | (d[k + 1]! << 16) | (d[k + 2]! << 8) | d[k + 3]!) >>> 0;
      switch (bytes & 3) {
        case 3: words[w++] = ((d[k]! << 24) | (d[k + 1]! << 16) | (d[k + 2]! << 8)) >>> 0; break;
        case 2: words[w++] = ((d[k]! << 24) | (d[k + 1]! << 16)) >>> 0; break;
        case 1: words[w++] = (d[k]! << 24) >>> 0; break;
        default: break;
      }
      // Clear the host bits of the last word: RFC 4271 §4.3 says trailing bits are irrelevant.
      if ((bits & 31) !== 0) words[w - 1] = (words[w - 1]! & (0xffffffff << (32 - (bits & 31)))) >>> 0;
      while (w < last) words[w++] = 0;
    }
    lengths[i] = bits;
    pathIds[i] = pathId;
    at += bytes;
  }
  return n;
}
