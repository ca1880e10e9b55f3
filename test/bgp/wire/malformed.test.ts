/**
 * Malformed messages, one row per error rule: RFC 4271 §6 (header, OPEN, UPDATE), RFC 7606 §3–§7 (revised UPDATE
 * error handling), RFC 4760 §7, RFC 6793, RFC 7607, RFC 8654, RFC 9072 and RFC 7313.
 *
 * Each row names the rule it checks, the exact bytes (hand-assembled from hex with the helpers below, or a message
 * built with the codec's builders and then mutated), the session context, and what `decodeMessage` must answer:
 * the RFC 7606 approach, the code/subcode of the error that decides it (for a session reset: the NOTIFICATION
 * to send), the NOTIFICATION data where the RFC prescribes it, and for treat-as-withdraw the prefixes to withdraw.
 */
import { describe, expect, it } from 'vitest';
import {
  attribute, buildOpen, buildUpdate, decodeMessage, encodeMessage, encodeOpen, findAttribute, formatPrefix, makeContext,
  openCapabilities, prefixesOf, worstError, Writer,
  type CodecContext, type DecodeResult, type NlriList, type OpenMessage, type UpdateMessage,
} from '../../../src/bgp/wire/index.js';
import { fromHex, toHex } from '../../helpers/vectors.js';

// ---------------------------------------------------------------------------------------------------------------
// Hex assembly helpers

/** Hex with any spaces, `_` or `|` for readability. */
const hex = (...parts: string[]): string => parts.join('').replace(/[\s_|]/g, '');
const bytes = (...parts: string[]): Uint8Array => fromHex(hex(...parts));
const u8 = (n: number): string => n.toString(16).padStart(2, '0');
const u16 = (n: number): string => n.toString(16).padStart(4, '0');

/** A whole message: marker, length (the real one unless overridden), type, body. */
function msg(type: number, body: string | Uint8Array, length?: number): Uint8Array {
  const b = typeof body === 'string' ? hex(body) : toHex(body);
  const len = length ?? 19 + b.length / 2;
  return bytes('ff'.repeat(16), u16(len), u8(type), b);
}

/** One path attribute; the Extended Length flag (0x10) selects a 2-octet length. */
function attr(flags: number, code: number, value: string): string {
  const v = hex(value);
  return u8(flags) + u8(code) + ((flags & 0x10) ? u16(v.length / 2) : u8(v.length / 2)) + v;
}

/** An UPDATE with the three length fields computed (override `attrLen` / `withdrawnLen` to break them). */
function update(p: { withdrawn?: string; attrs?: string; nlri?: string; withdrawnLen?: number; attrLen?: number }): Uint8Array {
  const w = hex(p.withdrawn ?? '');
  const a = hex(p.attrs ?? '');
  return msg(2, u16(p.withdrawnLen ?? w.length / 2) + w + u16(p.attrLen ?? a.length / 2) + a + hex(p.nlri ?? ''));
}

const cap = (code: number, value: string): string => u8(code) + u8(hex(value).length / 2) + hex(value);
const param = (type: number, value: string): string => u8(type) + u8(hex(value).length / 2) + hex(value);

/** An OPEN: version, My AS, hold time, BGP identifier, optional parameters (length computed unless given). */
function open(p: { version?: number; myAs?: number; hold?: number; id?: string; params?: string; optLen?: number } = {}): Uint8Array {
  const params = hex(p.params ?? CAPS_PARAM);
  return msg(1, u8(p.version ?? 4) + u16(p.myAs ?? 65001) + u16(p.hold ?? 90) + hex(p.id ?? '0a000001')
    + u8(p.optLen ?? params.length / 2) + params);
}

/** Copy of `b` with the octets at `at` replaced. */
function patch(b: Uint8Array, at: number, ...values: number[]): Uint8Array {
  const out = b.slice();
  out.set(values, at);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

const ORIGIN = attr(0x40, 1, '00');
const AS_PATH = attr(0x40, 2, '02 01 0000fde9'); // AS_SEQUENCE [65001], 4-octet
const AS_PATH_2 = attr(0x40, 2, '02 01 fde9'); // AS_SEQUENCE [65001], 2-octet
const NEXT_HOP = attr(0x40, 3, 'c0000201'); // 192.0.2.1
const MANDATORY = ORIGIN + AS_PATH + NEXT_HOP;
const NLRI = '18 0a0000'; // 10.0.0.0/24
const NLRI_2 = '18 0a0000 10 0b00'; // 10.0.0.0/24 11.0.0.0/16
/** MP_REACH_NLRI IPv6 unicast, next hop 2001:db8::1, NLRI 2001:db8::/32. */
const MP_REACH_V6 = attr(0x80, 14, '0002 01 | 10 20010db8000000000000000000000001 | 00 | 20 20010db8');
/** MP_UNREACH_NLRI IPv6 unicast withdrawing 2001:db8:1::/48. */
const MP_UNREACH_V6 = attr(0x80, 15, '0002 01 | 30 20010db80001');

const CAPS_PARAM = param(2, cap(1, '00010001') + cap(65, '0000fde9'));

const AS4 = makeContext({ as4: true });
const AS2 = makeContext({ as4: false });
const IBGP = makeContext({ as4: true, ebgp: false });
const EBGP = makeContext({ as4: true, ebgp: true });
const ADD_PATH = makeContext({ as4: true, addPath: new Set(['ipv4-unicast']) });
const EXT = makeContext({ as4: true, extendedMessage: true });

/** The valid UPDATE every attribute row starts from, built with the builders (checked equal to the hex below). */
const VALID_UPDATE = encodeMessage(buildUpdate({
  attributes: [
    { type: 'origin', origin: 'igp' },
    { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] },
    { type: 'next-hop', nextHop: '192.0.2.1' },
  ],
  nlri: ['10.0.0.0/24'],
}, AS4), AS4);
/** Offsets in VALID_UPDATE: ORIGIN value, AS_PATH flags, NEXT_HOP value. */
const ORIGIN_VALUE_AT = 19 + 4 + 3;
const NEXT_HOP_VALUE_AT = 19 + 4 + 4 + 9 + 3;

const VALID_OPEN = encodeMessage(buildOpen({
  asn: 65001, holdTime: 90, routerId: '10.0.0.1',
  capabilities: [{ code: 1, name: 'multiprotocol', afi: 1, reserved: 0, safi: 1 }, { code: 65, name: 'four-octet-as', asn: 65001 }],
}), AS4);
/** Offsets in VALID_OPEN (RFC 4271 §4.2). */
const OPEN_VERSION_AT = 19;
const OPEN_HOLD_AT = 22;
const OPEN_ID_AT = 24;

const KEEPALIVE = msg(4, '');

function prefixes(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
}

/** An UPDATE over 4096 octets (1100 /24s), encodable only with RFC 8654 extended messages. */
const BIG_UPDATE = encodeMessage(buildUpdate({
  attributes: [
    { type: 'origin', origin: 'igp' },
    { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] },
    { type: 'next-hop', nextHop: '192.0.2.1' },
  ],
  nlri: prefixes(1100),
}, EXT), EXT);

/** An OPEN of 4097+ octets: RFC 9072 extended parameters holding 17 unknown 250-octet capabilities. */
const BIG_OPEN = (() => {
  const o: OpenMessage = {
    ...buildOpen({ asn: 65001, holdTime: 90, routerId: '10.0.0.1', capabilities: [] }),
    parameters: [{
      kind: 'capabilities',
      capabilities: Array.from({ length: 17 }, () => ({ code: 200, name: 'unknown', value: new Uint8Array(250) })),
    }],
    extendedParameters: true,
  };
  const w = new Writer();
  encodeOpen(w, o);
  return msg(1, w.finish());
})();

// ---------------------------------------------------------------------------------------------------------------
// The table

type Action = DecodeResult['action'];

interface Row {
  /** The rule, citing its RFC section. */
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly ctx?: CodecContext;
  readonly action: Action;
  /** Code/subcode of the deciding error (the NOTIFICATION for a session reset); none for action 'none'. */
  readonly code?: number;
  readonly subcode?: number;
  /** Hex of the deciding error's data (the NOTIFICATION data for a session reset). */
  readonly data?: string;
  /** For treat-as-withdraw: the prefixes of each NLRI list to withdraw (`prefix#pathId` with add-path). */
  readonly withdraw?: readonly (readonly string[])[];
  /** Further checks on the result. */
  readonly check?: (r: DecodeResult) => void;
}

const upd = (r: DecodeResult): UpdateMessage => {
  expect(r.message?.type).toBe('UPDATE');
  return r.message as UpdateMessage;
};
const attrTypes = (r: DecodeResult): string[] => upd(r).attributes.map((a) => a.type);

const ROWS: Row[] = [
  // ---- Message header: RFC 4271 §6.1, RFC 8654 §4, RFC 7313 §5 ----------------------------------------------
  { name: 'RFC 4271 §6.1: marker not all ones → Connection Not Synchronized', bytes: patch(KEEPALIVE, 5, 0xfe), action: 'session-reset', code: 1, subcode: 1, data: '' },
  { name: 'RFC 4271 §6.1: length field 18 (< 19) → Bad Message Length, data = length field', bytes: msg(4, '', 18), action: 'session-reset', code: 1, subcode: 2, data: '0012' },
  { name: 'RFC 4271 §6.1: fewer than 19 octets → Bad Message Length', bytes: KEEPALIVE.subarray(0, 18), action: 'session-reset', code: 1, subcode: 2 },
  { name: 'RFC 4271 §6.1: UPDATE over 4096 octets without extended messages → Bad Message Length', bytes: BIG_UPDATE, ctx: AS4, action: 'session-reset', code: 1, subcode: 2, data: u16(BIG_UPDATE.length) },
  {
    name: 'RFC 8654 §3: UPDATE over 4096 octets with extended messages is accepted', bytes: BIG_UPDATE, ctx: EXT, action: 'none',
    check: (r) => expect(upd(r).nlri.count).toBe(1100),
  },
  { name: 'RFC 8654 §3: NOTIFICATION over 4096 octets with extended messages is accepted', bytes: msg(3, '0600' + '00'.repeat(4200)), ctx: EXT, action: 'none' },
  { name: 'RFC 4271 §6.1: NOTIFICATION over 4096 octets without extended messages → Bad Message Length', bytes: msg(3, '0600' + '00'.repeat(4200)), ctx: AS4, action: 'session-reset', code: 1, subcode: 2, data: u16(19 + 4202) },
  { name: 'RFC 8654 §4: OPEN over 4096 octets → Bad Message Length even with extended messages', bytes: BIG_OPEN, ctx: EXT, action: 'session-reset', code: 1, subcode: 2, data: u16(BIG_OPEN.length) },
  { name: 'RFC 8654 §4: KEEPALIVE over 4096 octets → Bad Message Length even with extended messages', bytes: msg(4, '00'.repeat(4078)), ctx: EXT, action: 'session-reset', code: 1, subcode: 2, data: '1001' },
  { name: 'RFC 4271 §6.1: length field larger than the octets given → Bad Message Length', bytes: msg(4, '', 20), action: 'session-reset', code: 1, subcode: 2, data: '0014' },
  { name: 'RFC 4271 §6.1: octets past the length field → Bad Message Length', bytes: bytes(toHex(VALID_UPDATE), '00'), action: 'session-reset', code: 1, subcode: 2, data: u16(VALID_UPDATE.length) },
  { name: 'RFC 4271 §6.1: unknown type 6 → Bad Message Type, data = the type', bytes: msg(6, '00000000'), action: 'session-reset', code: 1, subcode: 3, data: '06' },
  { name: 'RFC 4271 §6.1: type 0 → Bad Message Type, data = the type', bytes: msg(0, ''), action: 'session-reset', code: 1, subcode: 3, data: '00' },
  { name: 'RFC 4271 §6.1: KEEPALIVE of 20 octets → Bad Message Length', bytes: msg(4, '00'), action: 'session-reset', code: 1, subcode: 2, data: '0014' },
  { name: 'RFC 4271 §6.1: NOTIFICATION of 20 octets (< 21) → Bad Message Length', bytes: msg(3, '06'), action: 'session-reset', code: 1, subcode: 2, data: '0014' },
  { name: 'RFC 4271 §6.1: OPEN of 28 octets (< 29) → Bad Message Length', bytes: msg(1, '04 fde9 005a 0a000001'), action: 'session-reset', code: 1, subcode: 2, data: '001c' },
  { name: 'RFC 4271 §6.1: UPDATE of 22 octets (< 23) → Bad Message Length', bytes: msg(2, '0000 00'), action: 'session-reset', code: 1, subcode: 2, data: '0016' },
  { name: 'RFC 2918 §3 / RFC 4271 §6.1: ROUTE-REFRESH of 22 octets (< 23) → Bad Message Length', bytes: msg(5, '0001 00'), action: 'session-reset', code: 1, subcode: 2, data: '0016' },
  { name: 'RFC 7313 §5: BoRR with extra octets → ROUTE-REFRESH Invalid Message Length, data = the message', bytes: msg(5, '0001 01 01 00'), action: 'session-reset', code: 7, subcode: 1, data: hex('ff'.repeat(16), '0018 05 0001 01 01 00') },
  { name: 'RFC 7313 §5: EoRR with extra octets → ROUTE-REFRESH Invalid Message Length, data = the message', bytes: msg(5, '0002 02 01 0000'), action: 'session-reset', code: 7, subcode: 1, data: hex('ff'.repeat(16), '0019 05 0002 02 01 0000') },
  { name: 'RFC 7313 §5: a normal ROUTE-REFRESH may carry RFC 5291 ORF entries', bytes: msg(5, '0001 00 01 01 40 0003 000000'), action: 'none' },
  { name: 'RFC 7313 §5: an unknown subtype is not an error (the receiver ignores the message)', bytes: msg(5, '0001 07 01'), action: 'none' },

  // ---- OPEN: RFC 4271 §6.2, RFC 5492, RFC 6793, RFC 7607, RFC 9072 ---------------------------------------------
  { name: 'RFC 4271 §6.2: version 3 → Unsupported Version Number, data = 4 (smallest supported)', bytes: patch(VALID_OPEN, OPEN_VERSION_AT, 3), action: 'session-reset', code: 2, subcode: 1, data: '0004' },
  { name: 'RFC 4271 §6.2: version 5 → Unsupported Version Number, data = 4 (largest supported below)', bytes: patch(VALID_OPEN, OPEN_VERSION_AT, 5), action: 'session-reset', code: 2, subcode: 1, data: '0004' },
  { name: 'RFC 4271 §6.2: hold time 1 → Unacceptable Hold Time', bytes: patch(VALID_OPEN, OPEN_HOLD_AT, 0, 1), action: 'session-reset', code: 2, subcode: 6 },
  { name: 'RFC 4271 §6.2: hold time 2 → Unacceptable Hold Time', bytes: patch(VALID_OPEN, OPEN_HOLD_AT, 0, 2), action: 'session-reset', code: 2, subcode: 6 },
  { name: 'RFC 4271 §4.2: hold time 0 is acceptable', bytes: patch(VALID_OPEN, OPEN_HOLD_AT, 0, 0), action: 'none' },
  { name: 'RFC 4271 §6.2 / RFC 6286 §2.2: BGP identifier 0 → Bad BGP Identifier', bytes: patch(VALID_OPEN, OPEN_ID_AT, 0, 0, 0, 0), action: 'session-reset', code: 2, subcode: 3 },
  { name: 'RFC 7607 §2: My AS 0 → Bad Peer AS', bytes: open({ myAs: 0 }), action: 'session-reset', code: 2, subcode: 2, data: '0000' },
  {
    name: 'RFC 7607 §2 / RFC 6793 §3: AS 0 in the 4-octet AS capability → Bad Peer AS',
    bytes: open({ myAs: 23456, params: param(2, cap(65, '00000000')) }), action: 'session-reset', code: 2, subcode: 2,
  },
  { name: 'RFC 4271 §6.2: unknown optional parameter type 1 → Unsupported Optional Parameter', bytes: open({ params: CAPS_PARAM + param(1, '00') }), action: 'session-reset', code: 2, subcode: 4 },
  { name: 'RFC 4271 §6.1: optional parameters length past the message → Bad Message Length, data = length field', bytes: open({ optLen: 15 }), action: 'session-reset', code: 1, subcode: 2, data: '002b' },
  { name: 'RFC 4271 §6.1: optional parameters length short of the message → Bad Message Length', bytes: open({ optLen: 13 }), action: 'session-reset', code: 1, subcode: 2, data: '002b' },
  { name: 'RFC 5492 §3: capability overrunning its parameter → OPEN Message Error / Unspecific', bytes: open({ params: param(2, '41 08 0000fde9') }), action: 'session-reset', code: 2, subcode: 0 },
  { name: 'RFC 6793 §3: 4-octet AS capability of length 2 → OPEN Message Error / Unspecific', bytes: open({ params: param(2, cap(65, 'fde9')) }), action: 'session-reset', code: 2, subcode: 0 },
  { name: 'RFC 4760 §8: multiprotocol capability of length 3 → OPEN Message Error / Unspecific', bytes: open({ params: param(2, cap(1, '000100')) }), action: 'session-reset', code: 2, subcode: 0 },
  {
    name: 'RFC 5492 §3: an unknown capability is kept, not an error', bytes: open({ params: param(2, cap(1, '00010001') + cap(200, 'abcd')) }), action: 'none',
    check: (r) => expect(openCapabilities(r.message as OpenMessage).map((c) => c.code)).toEqual([1, 200]),
  },
  {
    name: 'RFC 9072 §2: extended optional parameters (255, 255, 2-octet lengths) are accepted',
    bytes: msg(1, hex('04 fde9 005a 0a000001 ff ff 000f', '02 000c', cap(1, '00010001'), cap(65, '0000fde9'))), action: 'none',
    check: (r) => {
      const o = r.message as OpenMessage;
      expect(o.extendedParameters).toBe(true);
      expect(openCapabilities(o).map((c) => c.name)).toEqual(['multiprotocol', 'four-octet-as']);
    },
  },
  {
    name: 'RFC 9072 §2: extended optional parameters length disagreeing with the message → Bad Message Length',
    bytes: msg(1, hex('04 fde9 005a 0a000001 ff ff 0010', '02 000c', cap(1, '00010001'), cap(65, '0000fde9'))), action: 'session-reset', code: 1, subcode: 2, data: '002f',
  },

  // ---- UPDATE framing: RFC 4271 §6.3, RFC 7606 §3 (a), §4, §5.2, §5.3 ------------------------------------------
  { name: 'RFC 4271 §6.3 / RFC 7606 §3 (a): withdrawn routes length overrun → Malformed Attribute List', bytes: update({ withdrawn: '18 0a0000', withdrawnLen: 200 }), action: 'session-reset', code: 3, subcode: 1, data: '' },
  { name: 'RFC 4271 §6.3 / RFC 7606 §3 (a): total attribute length overrun → Malformed Attribute List', bytes: update({ attrs: MANDATORY, attrLen: 100, nlri: NLRI }), action: 'session-reset', code: 3, subcode: 1, data: '' },
  {
    name: 'RFC 7606 §4: attribute header truncated (2 octets left) → treat-as-withdraw, NLRI located by Total Attribute Length',
    bytes: update({ attrs: MANDATORY + '40 05', nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 5, withdraw: [['10.0.0.0/24']],
  },
  {
    name: 'RFC 7606 §4: extended-length attribute header truncated (3 octets left) → treat-as-withdraw',
    bytes: update({ attrs: MANDATORY + '50 05 00', nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 5, withdraw: [['10.0.0.0/24']],
  },
  {
    name: 'RFC 7606 §4: attribute length overrunning the path attributes → treat-as-withdraw',
    bytes: update({ attrs: MANDATORY + '40 05 08 00000064', nlri: NLRI_2 }), action: 'treat-as-withdraw', code: 3, subcode: 5,
    withdraw: [['10.0.0.0/24', '11.0.0.0/16']],
  },
  {
    name: 'RFC 7606 §4, §5.1: framing error after MP_REACH_NLRI (sent first) → treat-as-withdraw of its NLRI',
    bytes: update({ attrs: MP_REACH_V6 + ORIGIN + AS_PATH + 'c0 08 0c fde90064' }), action: 'treat-as-withdraw', code: 3, subcode: 5, data: 'c0080cfde90064',
    withdraw: [['2001:db8::/32']],
  },
  {
    name: 'RFC 7606 §4 + §5.2: attribute length overrun in an UPDATE with no reachable NLRI → session reset',
    bytes: update({ withdrawn: NLRI, attrs: ORIGIN + '40 05 08 00000064' }), action: 'session-reset', code: 3, subcode: 5, data: '400508 00000064',
  },
  { name: 'RFC 4271 §6.3 / RFC 7606 §5.3: withdrawn prefix length 33 → Invalid Network Field', bytes: update({ withdrawn: '21 0a000000 00' }), action: 'session-reset', code: 3, subcode: 10, data: '' },
  { name: 'RFC 4271 §6.3 / RFC 7606 §5.3: NLRI prefix length 33 → Invalid Network Field', bytes: update({ attrs: MANDATORY, nlri: '21 0a000000 00' }), action: 'session-reset', code: 3, subcode: 10, data: '' },
  { name: 'RFC 7606 §5.3: NLRI prefix overrunning the NLRI field → Invalid Network Field', bytes: update({ attrs: MANDATORY, nlri: '18 0a00' }), action: 'session-reset', code: 3, subcode: 10 },
  { name: 'RFC 7606 §5.3: withdrawn prefix overrunning the withdrawn routes field → Invalid Network Field', bytes: update({ withdrawn: '18 0a00' }), action: 'session-reset', code: 3, subcode: 10 },
  {
    name: 'RFC 7606 §5.3 / RFC 4760 §7: IPv6 prefix length 129 in MP_REACH_NLRI → session reset, Optional Attribute Error',
    bytes: update({ attrs: ORIGIN + AS_PATH + attr(0x80, 14, '0002 01 10 20010db8000000000000000000000001 00 81' + '00'.repeat(17)) }),
    action: 'session-reset', code: 3, subcode: 9, data: hex(attr(0x80, 14, '0002 01 10 20010db8000000000000000000000001 00 81' + '00'.repeat(17))),
  },
  {
    name: 'RFC 7606 §5.3 / RFC 4760 §7: MP_UNREACH_NLRI prefix overrunning the attribute → session reset, Optional Attribute Error',
    bytes: update({ attrs: attr(0x80, 15, '0002 01 40 20010db8') }), action: 'session-reset', code: 3, subcode: 9, data: hex(attr(0x80, 15, '0002 01 40 20010db8')),
  },
  { name: 'RFC 7911 §3 / RFC 7606 §5.3: add-path NLRI with a truncated path identifier → Invalid Network Field', bytes: update({ attrs: MANDATORY, nlri: '00000001 18 0a0000 000002' }), ctx: ADD_PATH, action: 'session-reset', code: 3, subcode: 10 },
  {
    name: 'RFC 7911 §3 / RFC 7606 §2: treat-as-withdraw with add-path lists the path identifiers',
    bytes: update({ attrs: ORIGIN + AS_PATH + attr(0x40, 3, '00000000'), nlri: '00000001 18 0a0000 00000002 18 0a0000' }), ctx: ADD_PATH,
    action: 'treat-as-withdraw', code: 3, subcode: 8, withdraw: [['10.0.0.0/24#1', '10.0.0.0/24#2']],
  },

  // ---- Attributes: RFC 7606 §3 (c), §7, RFC 7607, RFC 6793, RFC 9234 -----------------------------------------
  { name: 'RFC 7606 §7.1: ORIGIN value 3 → treat-as-withdraw, Invalid ORIGIN', bytes: patch(VALID_UPDATE, ORIGIN_VALUE_AT, 3), action: 'treat-as-withdraw', code: 3, subcode: 6, data: '40010103', withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 7606 §7.1: ORIGIN of length 2 → treat-as-withdraw, Attribute Length Error', bytes: update({ attrs: attr(0x40, 1, '0000') + AS_PATH + NEXT_HOP, nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 5, data: '4001020000', withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 7606 §7.2: AS_PATH zero-length segment → treat-as-withdraw, Malformed AS_PATH', bytes: update({ attrs: ORIGIN + attr(0x40, 2, '02 00') + NEXT_HOP, nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 11, data: '4002020200', withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 7606 §7.2: AS_PATH segment type 5 → treat-as-withdraw, Malformed AS_PATH', bytes: update({ attrs: ORIGIN + attr(0x40, 2, '05 01 0000fde9') + NEXT_HOP, nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 11, withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 7606 §7.2: AS_PATH segment overrunning the attribute → treat-as-withdraw', bytes: update({ attrs: ORIGIN + attr(0x40, 2, '02 02 0000fde9') + NEXT_HOP, nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 11, withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 7606 §7.2: AS_PATH with one trailing octet → treat-as-withdraw', bytes: update({ attrs: ORIGIN + attr(0x40, 2, '02 01 0000fde9 02') + NEXT_HOP, nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 11, withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 7607 §2: AS 0 in AS_PATH → treat-as-withdraw, Malformed AS_PATH', bytes: update({ attrs: ORIGIN + attr(0x40, 2, '02 02 0000fde9 00000000') + NEXT_HOP, nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 11, withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 6793 §2: a 4-octet AS_PATH on a 2-octet session is malformed (AS 0) → treat-as-withdraw', bytes: VALID_UPDATE, ctx: AS2, action: 'treat-as-withdraw', code: 3, subcode: 11, withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 7606 §7.3: NEXT_HOP of length 5 → treat-as-withdraw, Attribute Length Error', bytes: update({ attrs: ORIGIN + AS_PATH + attr(0x40, 3, 'c000020100'), nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 5, data: '400305c000020100', withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 4271 §6.3 / RFC 7606 §7.3: NEXT_HOP 0.0.0.0 → treat-as-withdraw, Invalid NEXT_HOP', bytes: patch(VALID_UPDATE, NEXT_HOP_VALUE_AT, 0, 0, 0, 0), action: 'treat-as-withdraw', code: 3, subcode: 8, data: '40030400000000', withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 4271 §6.3 / RFC 7606 §7.3: NEXT_HOP 224.0.0.1 (multicast) → treat-as-withdraw, Invalid NEXT_HOP', bytes: patch(VALID_UPDATE, NEXT_HOP_VALUE_AT, 224, 0, 0, 1), action: 'treat-as-withdraw', code: 3, subcode: 8, data: '400304e0000001', withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 7606 §7.4: MULTI_EXIT_DISC of length 3 → treat-as-withdraw', bytes: update({ attrs: MANDATORY + attr(0x80, 4, '000064'), nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 5, data: '800403000064', withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 7606 §7.5: LOCAL_PREF of length 3 from an internal peer → treat-as-withdraw', bytes: update({ attrs: MANDATORY + attr(0x40, 5, '000064'), nlri: NLRI }), ctx: IBGP, action: 'treat-as-withdraw', code: 3, subcode: 5, data: '400503000064', withdraw: [['10.0.0.0/24']] },
  {
    name: 'RFC 7606 §7.5: LOCAL_PREF from an external peer → attribute discard', bytes: update({ attrs: MANDATORY + attr(0x40, 5, '00000064'), nlri: NLRI }), ctx: EBGP,
    action: 'attribute-discard', code: 3, subcode: 0, data: '40050400000064',
    check: (r) => expect(attrTypes(r)).toEqual(['origin', 'as-path', 'next-hop']),
  },
  { name: 'RFC 7606 §7.5: LOCAL_PREF of length 3 from an external peer → attribute discard (whatever its length)', bytes: update({ attrs: MANDATORY + attr(0x40, 5, '000064'), nlri: NLRI }), ctx: EBGP, action: 'attribute-discard', code: 3, subcode: 0 },
  { name: 'RFC 7606 §7.5: LOCAL_PREF with wrong flags from an external peer → attribute discard', bytes: update({ attrs: MANDATORY + attr(0xc0, 5, '00000064'), nlri: NLRI }), ctx: EBGP, action: 'attribute-discard', code: 3, subcode: 0 },
  {
    name: 'RFC 7606 §7.6: ATOMIC_AGGREGATE of length 1 → attribute discard', bytes: update({ attrs: MANDATORY + attr(0x40, 6, '00'), nlri: NLRI }),
    action: 'attribute-discard', code: 3, subcode: 5, data: '40060100',
    check: (r) => expect(attrTypes(r)).toEqual(['origin', 'as-path', 'next-hop']),
  },
  { name: 'RFC 7606 §7.7 / RFC 6793: AGGREGATOR of length 6 on a 4-octet session → attribute discard', bytes: update({ attrs: MANDATORY + attr(0xc0, 7, 'fde9 c0000201'), nlri: NLRI }), ctx: AS4, action: 'attribute-discard', code: 3, subcode: 5, data: 'c00706fde9c0000201' },
  { name: 'RFC 7606 §7.7 / RFC 6793: AGGREGATOR of length 8 on a 2-octet session → attribute discard', bytes: update({ attrs: ORIGIN + AS_PATH_2 + NEXT_HOP + attr(0xc0, 7, '0000fde9 c0000201'), nlri: NLRI }), ctx: AS2, action: 'attribute-discard', code: 3, subcode: 5 },
  {
    name: 'RFC 7607 §2: AGGREGATOR AS 0 → attribute discard', bytes: update({ attrs: MANDATORY + attr(0xc0, 7, '00000000 c0000201'), nlri: NLRI }),
    action: 'attribute-discard', code: 3, subcode: 9, check: (r) => expect(findAttribute(upd(r), 'aggregator')).toBeUndefined(),
  },
  { name: 'RFC 6793 §3: AS4_AGGREGATOR on a 4-octet session → attribute discard', bytes: update({ attrs: MANDATORY + attr(0xc0, 18, '0000fde9 c0000201'), nlri: NLRI }), ctx: AS4, action: 'attribute-discard', code: 3 },
  { name: 'RFC 6793 §6: AS4_AGGREGATOR of length 6 on a 2-octet session → attribute discard', bytes: update({ attrs: ORIGIN + AS_PATH_2 + NEXT_HOP + attr(0xc0, 18, 'fde9 c0000201'), nlri: NLRI }), ctx: AS2, action: 'attribute-discard', code: 3, subcode: 5 },
  { name: 'RFC 7606 §7.8: COMMUNITIES of length 0 → treat-as-withdraw', bytes: update({ attrs: MANDATORY + attr(0xc0, 8, ''), nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 5, data: 'c00800', withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 7606 §7.8: COMMUNITIES of length 5 → treat-as-withdraw', bytes: update({ attrs: MANDATORY + attr(0xc0, 8, 'fde9006400'), nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 5, withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 7606 §7.9 / RFC 4456: ORIGINATOR_ID of length 3 → treat-as-withdraw', bytes: update({ attrs: MANDATORY + attr(0x80, 9, '0a0000'), nlri: NLRI }), ctx: IBGP, action: 'treat-as-withdraw', code: 3, subcode: 5, withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 7606 §7.10 / RFC 4456: CLUSTER_LIST of length 6 → treat-as-withdraw', bytes: update({ attrs: MANDATORY + attr(0x80, 10, '0a0000010a00'), nlri: NLRI }), ctx: IBGP, action: 'treat-as-withdraw', code: 3, subcode: 5, withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 7606 §7.14: EXTENDED_COMMUNITIES of length 12 → treat-as-withdraw', bytes: update({ attrs: MANDATORY + attr(0xc0, 16, '0002fde900000064 00000000'), nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 5, withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 8092 §6: LARGE_COMMUNITIES of length 8 → treat-as-withdraw', bytes: update({ attrs: MANDATORY + attr(0xc0, 32, '0000fde9 00000001'), nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 5, withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 9234 §5: OTC of length 3 → treat-as-withdraw', bytes: update({ attrs: MANDATORY + attr(0xc0, 35, '00fde9'), nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 5, withdraw: [['10.0.0.0/24']] },
  {
    name: 'RFC 6793 §6: malformed AS4_PATH (zero-length segment) on a 2-octet session → attribute discard',
    bytes: update({ attrs: ORIGIN + attr(0x40, 2, '02 01 5ba0') + NEXT_HOP + attr(0xc0, 17, '02 00'), nlri: NLRI }), ctx: AS2,
    action: 'attribute-discard', code: 3, subcode: 11, data: 'c011020200',
    check: (r) => expect(attrTypes(r)).toEqual(['origin', 'as-path', 'next-hop']),
  },
  { name: 'RFC 6793 §3: AS4_PATH on a 4-octet session → attribute discard', bytes: update({ attrs: MANDATORY + attr(0xc0, 17, '02 01 0000fde9'), nlri: NLRI }), ctx: AS4, action: 'attribute-discard', code: 3 },
  {
    name: 'RFC 7606 §7.11: MP_REACH_NLRI next-hop length 5 for IPv6 → session reset, Optional Attribute Error',
    bytes: update({ attrs: ORIGIN + AS_PATH + attr(0x80, 14, '0002 01 05 20010db800 00 20 20010db8') }), action: 'session-reset', code: 3, subcode: 9,
    data: hex(attr(0x80, 14, '0002 01 05 20010db800 00 20 20010db8')),
  },
  { name: 'RFC 4760 §3 / RFC 7606 §7.11: MP_REACH_NLRI shorter than 5 octets → session reset', bytes: update({ attrs: ORIGIN + AS_PATH + attr(0x80, 14, '0002 01 00') }), action: 'session-reset', code: 3, subcode: 9, data: '800e04 00020100' },
  { name: 'RFC 4760 §4: MP_UNREACH_NLRI shorter than 3 octets → session reset', bytes: update({ attrs: attr(0x80, 15, '0002') }), action: 'session-reset', code: 3, subcode: 9 },
  { name: 'RFC 7606 §3 (g): MP_REACH_NLRI twice → Malformed Attribute List', bytes: update({ attrs: MP_REACH_V6 + ORIGIN + AS_PATH + MP_REACH_V6 }), action: 'session-reset', code: 3, subcode: 1 },
  { name: 'RFC 7606 §3 (g): MP_UNREACH_NLRI twice → Malformed Attribute List', bytes: update({ attrs: MP_UNREACH_V6 + MP_UNREACH_V6 }), action: 'session-reset', code: 3, subcode: 1 },
  {
    name: 'RFC 7606 §3 (g): a repeated ORIGIN → later copy discarded, first kept',
    bytes: update({ attrs: ORIGIN + AS_PATH + NEXT_HOP + attr(0x40, 1, '02'), nlri: NLRI }), action: 'attribute-discard', code: 3, subcode: 1, data: '40010102',
    check: (r) => {
      expect(attrTypes(r)).toEqual(['origin', 'as-path', 'next-hop']);
      expect(findAttribute(upd(r), 'origin')?.origin).toBe('igp');
    },
  },
  {
    name: 'RFC 7606 §3 (g): a repeated LARGE_COMMUNITIES (code 32) → later copy discarded, first kept, data = the copy',
    bytes: update({ attrs: MANDATORY + attr(0xc0, 32, '0000fde9 00000001 00000002') + attr(0xc0, 32, '0000fde9 00000003 00000004'), nlri: NLRI }),
    action: 'attribute-discard', code: 3, subcode: 1, data: 'c0200c0000fde90000000300000004',
    check: (r) => expect(findAttribute(upd(r), 'large-communities')?.communities).toEqual([{ global: 65001, local1: 1, local2: 2 }]),
  },
  {
    name: 'RFC 7606 §3 (g): a repeated unrecognized optional attribute → later copy discarded',
    bytes: update({ attrs: MANDATORY + attr(0xc0, 99, 'aa') + attr(0xc0, 99, 'bb'), nlri: NLRI }), action: 'attribute-discard', code: 3, subcode: 1,
    check: (r) => {
      const unknown = upd(r).attributes.filter((a) => a.type === 'unknown');
      expect(unknown.map((a) => a.type === 'unknown' && toHex(a.value))).toEqual(['aa']);
    },
  },
  {
    name: 'RFC 4271 §6.3: unrecognized well-known attribute → Unrecognized Well-known Attribute, data = the attribute',
    bytes: update({ attrs: MANDATORY + attr(0x40, 99, 'aabb'), nlri: NLRI }), action: 'session-reset', code: 3, subcode: 2, data: '406302aabb',
  },
  {
    name: 'RFC 4271 §5: unrecognized optional transitive attribute is kept as received',
    bytes: update({ attrs: MANDATORY + attr(0xc0, 99, 'aabb'), nlri: NLRI }), action: 'none',
    check: (r) => expect(upd(r).attributes[3]).toEqual({ type: 'unknown', flags: 0xc0, code: 99, value: fromHex('aabb') }),
  },
  {
    name: 'RFC 7606 §3 (c) / RFC 4271 §6.3: ORIGIN marked optional → treat-as-withdraw, Attribute Flags Error, data = the attribute',
    bytes: update({ attrs: attr(0xc0, 1, '00') + AS_PATH + NEXT_HOP, nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 4, data: 'c0010100', withdraw: [['10.0.0.0/24']],
  },
  {
    name: 'RFC 7606 §3 (c): COMMUNITIES marked non-transitive → treat-as-withdraw, Attribute Flags Error',
    bytes: update({ attrs: MANDATORY + attr(0x80, 8, 'fde90064'), nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 4, data: '800804fde90064', withdraw: [['10.0.0.0/24']],
  },
  {
    name: 'RFC 7606 §3 (c), §7.7: AGGREGATOR marked well-known → attribute discard (the attribute\'s own approach)',
    bytes: update({ attrs: MANDATORY + attr(0x40, 7, '0000fde9 c0000201'), nlri: NLRI }), action: 'attribute-discard', code: 3, subcode: 4,
  },
  { name: 'RFC 7606 §3 (c): the Partial bit on a well-known attribute is not a flags error', bytes: update({ attrs: attr(0x60, 1, '00') + AS_PATH + NEXT_HOP, nlri: NLRI }), action: 'none' },
  { name: 'RFC 4271 §4.3: the Extended Length bit on a short attribute is accepted', bytes: update({ attrs: attr(0x50, 1, '00') + AS_PATH + NEXT_HOP, nlri: NLRI }), action: 'none' },
  { name: 'RFC 4271 §6.3 / RFC 7606 §3 (d): missing ORIGIN → treat-as-withdraw, data = type code 1', bytes: update({ attrs: AS_PATH + NEXT_HOP, nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 3, data: '01', withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 4271 §6.3 / RFC 7606 §3 (d): missing AS_PATH → treat-as-withdraw, data = type code 2', bytes: update({ attrs: ORIGIN + NEXT_HOP, nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 3, data: '02', withdraw: [['10.0.0.0/24']] },
  { name: 'RFC 4271 §6.3 / RFC 7606 §3 (d): missing NEXT_HOP with NLRI → treat-as-withdraw, data = type code 3', bytes: update({ attrs: ORIGIN + AS_PATH, nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 3, data: '03', withdraw: [['10.0.0.0/24']] },
  {
    name: 'RFC 7606 §3 (d): missing ORIGIN with only MP_REACH_NLRI → treat-as-withdraw of the MP_REACH NLRI',
    bytes: update({ attrs: MP_REACH_V6 + AS_PATH }), action: 'treat-as-withdraw', code: 3, subcode: 3, data: '01', withdraw: [['2001:db8::/32']],
  },
  { name: 'RFC 4760 §3 / RFC 7606 §3 (d): no NEXT_HOP needed with only MP_REACH_NLRI', bytes: update({ attrs: MP_REACH_V6 + ORIGIN + AS_PATH }), action: 'none' },
  { name: 'RFC 4271 §5: a withdraw-only UPDATE needs no mandatory attributes', bytes: update({ withdrawn: NLRI_2 }), action: 'none' },
  { name: 'RFC 4760 §4 / RFC 4724 §2: an UPDATE with only MP_UNREACH_NLRI needs no other attribute', bytes: update({ attrs: MP_UNREACH_V6 }), action: 'none' },
  {
    name: 'RFC 7606 §3 (h): worst approach wins (attribute discard + treat-as-withdraw → treat-as-withdraw)',
    bytes: update({ attrs: attr(0x40, 1, '03') + AS_PATH + NEXT_HOP + attr(0x40, 6, '00'), nlri: NLRI }), action: 'treat-as-withdraw', code: 3, subcode: 6, data: '40010103',
    withdraw: [['10.0.0.0/24']],
    check: (r) => expect(r.errors.map((e) => [e.action, e.attribute])).toEqual([['treat-as-withdraw', 1], ['attribute-discard', 6]]),
  },
  {
    name: 'RFC 7606 §3 (h): worst approach wins (treat-as-withdraw + session reset → session reset)',
    bytes: update({ attrs: MP_REACH_V6 + attr(0x40, 1, '03') + AS_PATH + MP_REACH_V6 }), action: 'session-reset', code: 3, subcode: 1,
  },
  {
    name: 'RFC 7606 §2, §5.1: treat-as-withdraw lists the NLRI field and the MP_REACH_NLRI NLRI',
    bytes: update({ attrs: MP_REACH_V6 + MANDATORY + attr(0x80, 4, '000064'), nlri: NLRI_2 }), action: 'treat-as-withdraw', code: 3, subcode: 5,
    withdraw: [['10.0.0.0/24', '11.0.0.0/16'], ['2001:db8::/32']],
  },
  {
    name: 'RFC 7606 §5.2: treat-as-withdraw error in an UPDATE with attributes but no reachable NLRI → session reset',
    bytes: update({ withdrawn: NLRI, attrs: attr(0x40, 1, '03') + AS_PATH }), action: 'session-reset', code: 3, subcode: 6, data: '40010103',
  },
  {
    name: 'RFC 7606 §5.2: an attribute-discard error in an UPDATE without reachable NLRI stays attribute discard',
    bytes: update({ withdrawn: NLRI, attrs: ORIGIN + AS_PATH + attr(0x40, 6, '00') }), action: 'attribute-discard', code: 3, subcode: 5,
  },
];

// ---------------------------------------------------------------------------------------------------------------

function describeList(list: NlriList): string[] {
  const family = list.family;
  if (!family) return [`opaque ${toHex(list.data)}`];
  return prefixesOf(list).map((p) => formatPrefix(family, p.address, p.length) + (p.pathId === undefined ? '' : `#${p.pathId}`));
}

describe('building blocks', () => {
  it('the hand-assembled UPDATE and OPEN equal what the builders produce', () => {
    expect(toHex(VALID_UPDATE)).toBe(toHex(update({ attrs: MANDATORY, nlri: NLRI })));
    expect(toHex(VALID_OPEN)).toBe(toHex(open()));
    for (const b of [VALID_UPDATE, VALID_OPEN, KEEPALIVE, update({ attrs: MP_REACH_V6 + MANDATORY, nlri: NLRI_2 })]) {
      const r = decodeMessage(b, AS4);
      expect(r.errors).toEqual([]);
      expect(r.action).toBe('none');
    }
    // The add-path base message is valid too, so the add-path rows test only what they change.
    expect(decodeMessage(update({ attrs: MANDATORY, nlri: '00000001 18 0a0000' }), ADD_PATH).action).toBe('none');
    expect(attribute({ type: 'origin', origin: 'igp' }).flags).toBe(0x40);
  });
});

describe('malformed messages (RFC 4271 §6, RFC 7606)', () => {
  it('has a row per rule', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(45);
    expect(new Set(ROWS.map((r) => r.name)).size).toBe(ROWS.length);
  });

  it.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const r = decodeMessage(row.bytes, row.ctx ?? AS4);
    const summary = { action: r.action, errors: r.errors.map((e) => `${e.action} ${e.code}/${e.subcode} ${e.reason}`) };
    expect(summary.action, JSON.stringify(summary)).toBe(row.action);

    if (row.action === 'none') {
      expect(r.errors).toEqual([]);
      // A message that decodes cleanly re-encodes byte for byte.
      expect(toHex(encodeMessage(r.message!, row.ctx ?? AS4))).toBe(toHex(row.bytes));
    } else {
      const deciding = worstError(r.errors)!;
      expect(deciding.action).toBe(row.action);
      if (row.code !== undefined) expect(deciding.code, JSON.stringify(summary)).toBe(row.code);
      if (row.subcode !== undefined) expect(deciding.subcode, JSON.stringify(summary)).toBe(row.subcode);
      if (row.data !== undefined) expect(toHex(deciding.data)).toBe(hex(row.data));
    }

    if (r.action === 'session-reset') {
      expect(r.notification).toEqual({ code: row.code, subcode: row.subcode, data: worstError(r.errors)!.data });
      if (row.data !== undefined) expect(toHex(r.notification.data)).toBe(hex(row.data));
    }
    if (r.action === 'treat-as-withdraw') {
      expect(row.withdraw, 'a treat-as-withdraw row names its prefixes').toBeDefined();
      expect(r.withdraw.map(describeList)).toEqual(row.withdraw);
    }
    if (r.action === 'attribute-discard' || r.action === 'treat-as-withdraw') {
      // The message that is used (or withdrawn) still encodes.
      expect(() => encodeMessage(r.message, row.ctx ?? AS4)).not.toThrow();
    }
    row.check?.(r);
  });
});
