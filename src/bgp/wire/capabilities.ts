/**
 * BGP capabilities (RFC 5492) as a descriptor table: multiprotocol (RFC 4760 §8), route refresh (RFC 2918)
 * and its pre-standard code 128, enhanced route refresh (RFC 7313), extended next hop (RFC 8950 §3),
 * extended message (RFC 8654), BGP role (RFC 9234), graceful restart (RFC 4724 §3, N bit RFC 8538),
 * 4-octet AS (RFC 6793), add-path (RFC 7911 §4), long-lived graceful restart (RFC 9494 §2), FQDN
 * (draft-walton-bgp-hostname-capability). Unknown capabilities are kept as bytes.
 *
 * A known capability whose value does not parse throws MalformedCapability; the OPEN decoder keeps its bytes
 * and answers with OPEN Message Error / Unspecific (what BIRD sends for a malformed capability).
 */
import { CapabilityCode, capabilityName } from './constants.js';
import { readU16, readU32 } from './reader.js';
import type { Writer } from './writer.js';

export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

export interface MultiprotocolCap extends AfiSafi { readonly code: 1; readonly name: 'multiprotocol'; readonly reserved: number }
export interface FlagCap {
  readonly code: 2 | 6 | 70 | 128;
  readonly name: 'route-refresh' | 'extended-message' | 'enhanced-route-refresh' | 'route-refresh-cisco';
}
export interface ExtendedNextHopCap {
  readonly code: 5;
  readonly name: 'extended-next-hop';
  readonly entries: readonly { readonly afi: number; readonly safi: number; readonly nextHopAfi: number }[];
}
export interface BgpRoleCap { readonly code: 9; readonly name: 'bgp-role'; readonly role: number; readonly roleName: string }
export interface GracefulRestartFamily extends AfiSafi { readonly forwarding: boolean; readonly flags: number }
export interface GracefulRestartCap {
  readonly code: 64;
  readonly name: 'graceful-restart';
  /** R bit: the sender has restarted. */
  readonly restartState: boolean;
  /** N bit (RFC 8538): graceful restart also covers NOTIFICATION. */
  readonly notification: boolean;
  /** The 4 flag bits as sent (R, N and reserved), for re-encoding. */
  readonly flags: number;
  readonly restartTime: number;
  readonly families: readonly GracefulRestartFamily[];
}
export interface FourOctetAsCap { readonly code: 65; readonly name: 'four-octet-as'; readonly asn: number }
export type AddPathMode = 'receive' | 'send' | 'both';
export interface AddPathFamily extends AfiSafi { readonly sendReceive: number; readonly mode: AddPathMode | 'invalid' }
export interface AddPathCap { readonly code: 69; readonly name: 'add-path'; readonly families: readonly AddPathFamily[] }
export interface LlgrFamily extends AfiSafi { readonly flags: number; readonly forwarding: boolean; readonly staleTime: number }
export interface LongLivedGrCap { readonly code: 71; readonly name: 'long-lived-graceful-restart'; readonly families: readonly LlgrFamily[] }
export interface FqdnCap { readonly code: 73; readonly name: 'fqdn'; readonly hostname: string; readonly domain: string }
export interface UnknownCap { readonly code: number; readonly name: string; readonly value: Uint8Array; readonly malformed?: string }

export type KnownCapability =
  | MultiprotocolCap | FlagCap | ExtendedNextHopCap | BgpRoleCap | GracefulRestartCap | FourOctetAsCap
  | AddPathCap | LongLivedGrCap | FqdnCap;
export type Capability = KnownCapability | UnknownCap;

export class MalformedCapability extends Error {
  constructor(readonly code: number, reason: string) {
    super(`malformed ${capabilityName(code)} capability: ${reason}`);
    this.name = 'MalformedCapability';
  }
}

interface CapabilityRow {
  decode(v: Uint8Array): KnownCapability;
  encode(c: KnownCapability, w: Writer): void;
}

function need(code: number, v: Uint8Array, ok: boolean, what: string): void {
  if (!ok) throw new MalformedCapability(code, `length ${v.length}, expected ${what}`);
}

const ROLE_NAMES: readonly string[] = ['provider', 'rs', 'rs-client', 'customer', 'peer'];
const ADD_PATH_MODES: Readonly<Record<number, AddPathMode>> = { 1: 'receive', 2: 'send', 3: 'both' };
// ignoreBOM: a leading U+FEFF is part of the name, not a byte-order mark to drop, so the capability
// re-encodes to the octets received (a decoded OPEN re-encodes byte for byte, see open.ts).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function flagRow(code: 2 | 6 | 70 | 128): CapabilityRow {
  const name = capabilityName(code) as FlagCap['name'];
  return {
    decode: (v) => {
      need(code, v, v.length === 0, '0');
      return { code, name };
    },
    encode: () => {},
  };
}

function text(code: number, v: Uint8Array, at: number): [string, number] {
  need(code, v, at < v.length && at + 1 + v[at]! <= v.length, 'a length-prefixed string');
  const len = v[at]!;
  try {
    return [utf8.decode(v.subarray(at + 1, at + 1 + len)), at + 1 + len];
  } catch {
    throw new MalformedCapability(code, 'name is not UTF-8');
  }
}

const ROWS: Readonly<Record<number, CapabilityRow>> = {
  [CapabilityCode.MULTIPROTOCOL]: {
    decode: (v) => {
      need(1, v, v.length === 4, '4');
      return { code: 1, name: 'multiprotocol', afi: readU16(v, 0), reserved: v[2]!, safi: v[3]! };
    },
    encode: (c, w) => {
      const m = c as MultiprotocolCap;
      w.u16(m.afi).u8(m.reserved).u8(m.safi);
    },
  },
  [CapabilityCode.ROUTE_REFRESH]: flagRow(2),
  [CapabilityCode.EXTENDED_MESSAGE]: flagRow(6),
  [CapabilityCode.ENHANCED_ROUTE_REFRESH]: flagRow(70),
  [CapabilityCode.ROUTE_REFRESH_CISCO]: flagRow(128),
  [CapabilityCode.EXTENDED_NEXT_HOP]: {
    decode: (v) => {
      need(5, v, v.length % 6 === 0, 'a multiple of 6');
      const entries = [];
      for (let at = 0; at < v.length; at += 6) entries.push({ afi: readU16(v, at), safi: readU16(v, at + 2), nextHopAfi: readU16(v, at + 4) });
      return { code: 5, name: 'extended-next-hop', entries };
    },
    encode: (c, w) => {
      for (const e of (c as ExtendedNextHopCap).entries) w.u16(e.afi).u16(e.safi).u16(e.nextHopAfi);
    },
  },
  [CapabilityCode.BGP_ROLE]: {
    decode: (v) => {
      need(9, v, v.length === 1, '1');
      return { code: 9, name: 'bgp-role', role: v[0]!, roleName: ROLE_NAMES[v[0]!] ?? 'unknown' };
    },
    encode: (c, w) => {
      w.u8((c as BgpRoleCap).role);
    },
  },
  [CapabilityCode.GRACEFUL_RESTART]: {
    decode: (v) => {
      need(64, v, v.length >= 2 && (v.length - 2) % 4 === 0, '2 + 4n');
      const head = readU16(v, 0);
      const flags = head >>> 12;
      const families: GracefulRestartFamily[] = [];
      for (let at = 2; at < v.length; at += 4) {
        families.push({ afi: readU16(v, at), safi: v[at + 2]!, flags: v[at + 3]!, forwarding: (v[at + 3]! & 0x80) !== 0 });
      }
      return {
        code: 64, name: 'graceful-restart', restartState: (flags & 0x8) !== 0, notification: (flags & 0x4) !== 0,
        flags, restartTime: head & 0xfff, families,
      };
    },
    encode: (c, w) => {
      const g = c as GracefulRestartCap;
      w.u16(((g.flags & 0xf) << 12) | (g.restartTime & 0xfff));
      for (const f of g.families) w.u16(f.afi).u8(f.safi).u8(f.flags);
    },
  },
  [CapabilityCode.FOUR_OCTET_AS]: {
    decode: (v) => {
      need(65, v, v.length === 4, '4');
      return { code: 65, name: 'four-octet-as', asn: readU32(v, 0) };
    },
    encode: (c, w) => {
      w.u32((c as FourOctetAsCap).asn);
    },
  },
  [CapabilityCode.ADD_PATH]: {
    decode: (v) => {
      need(69, v, v.length % 4 === 0, 'a multiple of 4');
      const families: AddPathFamily[] = [];
      for (let at = 0; at < v.length; at += 4) {
        const sr = v[at + 3]!;
        families.push({ afi: readU16(v, at), safi: v[at + 2]!, sendReceive: sr, mode: ADD_PATH_MODES[sr] ?? 'invalid' });
      }
      return { code: 69, name: 'add-path', families };
    },
    encode: (c, w) => {
      for (const f of (c as AddPathCap).families) w.u16(f.afi).u8(f.safi).u8(f.sendReceive);
    },
  },
  [CapabilityCode.LONG_LIVED_GRACEFUL_RESTART]: {
    decode: (v) => {
      need(71, v, v.length % 7 === 0, 'a multiple of 7');
      const families: LlgrFamily[] = [];
      for (let at = 0; at < v.length; at += 7) {
        const flags = v[at + 3]!;
        families.push({ afi: readU16(v, at), safi: v[at + 2]!, flags, forwarding: (flags & 0x80) !== 0, staleTime: (v[at + 4]! << 16) | readU16(v, at + 5) });
      }
      return { code: 71, name: 'long-lived-graceful-restart', families };
    },
    encode: (c, w) => {
      for (const f of (c as LongLivedGrCap).families) w.u16(f.afi).u8(f.safi).u8(f.flags).u24(f.staleTime);
    },
  },
  [CapabilityCode.FQDN]: {
    decode: (v) => {
      const [hostname, next] = text(73, v, 0);
      const [domain, end] = text(73, v, next);
      need(73, v, end === v.length, 'hostname and domain only');
      return { code: 73, name: 'fqdn', hostname, domain };
    },
    encode: (c, w) => {
      const f = c as FqdnCap;
      for (const s of [f.hostname, f.domain]) {
        const b = Buffer.from(s, 'utf8');
        if (b.length > 255) throw new RangeError('FQDN capability name longer than 255 octets');
        w.u8(b.length).bytes(b);
      }
    },
  },
};

/** Decode one capability value. Throws MalformedCapability for a known code whose value does not parse. */
export function decodeCapability(code: number, value: Uint8Array): Capability {
  const row = ROWS[code];
  if (!row) return { code, name: capabilityName(code), value: value.slice() };
  return row.decode(value);
}

export function isUnknownCapability(c: Capability): c is UnknownCap {
  return 'value' in c;
}

/** Write one capability: code, length, value. */
export function encodeCapability(w: Writer, c: Capability): void {
  w.u8(c.code);
  const lenAt = w.reserve8();
  const start = w.length;
  if (isUnknownCapability(c)) w.bytes(c.value);
  else ROWS[c.code]!.encode(c, w);
  const len = w.length - start;
  if (len > 255) throw new RangeError(`${c.name} capability value of ${len} octets does not fit`);
  w.patch8(lenAt, len);
}
