/**
 * OPEN and its capabilities, NOTIFICATION and ROUTE-REFRESH: builder-made fixtures whose expected octets are
 * written out by hand from the RFC formats; encoding gives exactly them and decoding gives back the same value.
 */
import { describe, expect, it } from 'vitest';
import {
  AS_TRANS, buildOpen, CeaseSubcode, decodeMessage, encodeMessage, ErrorCode, FsmSubcode, HeaderSubcode, makeContext,
  notificationNames, openAsn, openCapabilities, OpenSubcode, RouteRefreshSubcode, routeRefreshSubtype,
  shutdownCommunication, shutdownNotification, UpdateSubcode,
  type Capability, type NotificationMessage, type OpenMessage, type RouteRefreshMessage,
} from '../../../src/bgp/wire/index.js';
import { fromHex, toHex } from '../../helpers/vectors.js';

const CTX = makeContext();
const MARKER = 'ff'.repeat(16);
const hex1 = (n: number) => n.toString(16).padStart(2, '0');
const hex2 = (n: number) => n.toString(16).padStart(4, '0');

/**
 * A whole OPEN around hand-written fields: version 4, My AS, hold time, BGP identifier, then the optional
 * parameters as given. Only the message length and (non-extended) optional parameters length are computed.
 */
function openHex(myAs: string, holdTime: string, routerId: string, params: string, optLen = hex1(params.length / 2)): string {
  const body = '04' + myAs + holdTime + routerId + optLen + params;
  return MARKER + hex2(19 + body.length / 2) + '01' + body;
}

function decodeOpenHex(h: string): OpenMessage {
  const r = decodeMessage(fromHex(h), CTX);
  expect(r.errors).toEqual([]);
  expect(r.action).toBe('none');
  expect(r.message?.type).toBe('OPEN');
  return r.message as OpenMessage;
}

interface Fixture {
  readonly name: string;
  readonly cap: Capability;
  /** The capability as on the wire: code, length, value. */
  readonly hex: string;
}

const fixtures: Fixture[] = [
  { name: 'multiprotocol IPv4 unicast', cap: { code: 1, name: 'multiprotocol', afi: 1, reserved: 0, safi: 1 }, hex: '0104' + '0001' + '00' + '01' },
  { name: 'multiprotocol IPv6 unicast', cap: { code: 1, name: 'multiprotocol', afi: 2, reserved: 0, safi: 1 }, hex: '0104' + '0002' + '00' + '01' },
  { name: 'route refresh', cap: { code: 2, name: 'route-refresh' }, hex: '0200' },
  { name: 'route refresh (pre-standard, 128)', cap: { code: 128, name: 'route-refresh-cisco' }, hex: '8000' },
  { name: 'enhanced route refresh', cap: { code: 70, name: 'enhanced-route-refresh' }, hex: '4600' },
  {
    name: 'extended next hop (IPv4 unicast and VPN over IPv6)',
    cap: { code: 5, name: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }, { afi: 1, safi: 128, nextHopAfi: 2 }] },
    hex: '050c' + '0001' + '0001' + '0002' + '0001' + '0080' + '0002',
  },
  { name: 'extended message', cap: { code: 6, name: 'extended-message' }, hex: '0600' },
  { name: 'BGP role customer', cap: { code: 9, name: 'bgp-role', role: 3, roleName: 'customer' }, hex: '0901' + '03' },
  { name: 'BGP role provider', cap: { code: 9, name: 'bgp-role', role: 0, roleName: 'provider' }, hex: '0901' + '00' },
  { name: 'BGP role peer', cap: { code: 9, name: 'bgp-role', role: 4, roleName: 'peer' }, hex: '0901' + '04' },
  {
    name: 'graceful restart with R and N bits, F bit on IPv4 only',
    cap: {
      code: 64, name: 'graceful-restart', restartState: true, notification: true, flags: 0xc, restartTime: 120,
      families: [{ afi: 1, safi: 1, flags: 0x80, forwarding: true }, { afi: 2, safi: 1, flags: 0x00, forwarding: false }],
    },
    // Restart flags 1100 (R, N), restart time 120 in 12 bits: 0xc078; then AFI, SAFI, flags (F = 0x80).
    hex: '400a' + 'c078' + '0001' + '01' + '80' + '0002' + '01' + '00',
  },
  {
    name: 'graceful restart, helper only (no families, longest restart time)',
    cap: { code: 64, name: 'graceful-restart', restartState: false, notification: false, flags: 0, restartTime: 4095, families: [] },
    hex: '4002' + '0fff',
  },
  {
    name: 'graceful restart with only the N bit',
    cap: { code: 64, name: 'graceful-restart', restartState: false, notification: true, flags: 0x4, restartTime: 90, families: [{ afi: 2, safi: 1, flags: 0x80, forwarding: true }] },
    hex: '4006' + '405a' + '0002' + '01' + '80',
  },
  { name: '4-octet AS', cap: { code: 65, name: 'four-octet-as', asn: 4200000001 }, hex: '4104' + 'fa56ea01' },
  { name: 'add-path receive', cap: { code: 69, name: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 1, mode: 'receive' }] }, hex: '4504' + '0001' + '01' + '01' },
  { name: 'add-path send', cap: { code: 69, name: 'add-path', families: [{ afi: 2, safi: 1, sendReceive: 2, mode: 'send' }] }, hex: '4504' + '0002' + '01' + '02' },
  { name: 'add-path both', cap: { code: 69, name: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3, mode: 'both' }] }, hex: '4504' + '0001' + '01' + '03' },
  {
    name: 'add-path for two families',
    cap: { code: 69, name: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3, mode: 'both' }, { afi: 2, safi: 1, sendReceive: 1, mode: 'receive' }] },
    hex: '4508' + '0001' + '01' + '03' + '0002' + '01' + '01',
  },
  {
    name: 'long-lived graceful restart with stale times',
    cap: {
      code: 71, name: 'long-lived-graceful-restart',
      families: [{ afi: 1, safi: 1, flags: 0x80, forwarding: true, staleTime: 3600 }, { afi: 2, safi: 1, flags: 0, forwarding: false, staleTime: 0xffffff }],
    },
    // AFI, SAFI, flags (F = 0x80), 24-bit long-lived stale time.
    hex: '470e' + '0001' + '01' + '80' + '000e10' + '0002' + '01' + '00' + 'ffffff',
  },
  {
    name: 'FQDN with a UTF-8 hostname',
    cap: { code: 73, name: 'fqdn', hostname: 'routeur-é', domain: 'example.net' },
    // "routeur-é" is 10 octets in UTF-8 (é = c3 a9).
    hex: '4917' + '0a' + '726f75746575722dc3a9' + '0b' + '6578616d706c652e6e6574',
  },
  { name: 'FQDN with an empty domain', cap: { code: 73, name: 'fqdn', hostname: 'r1', domain: '' }, hex: '4904' + '02' + '7231' + '00' },
  { name: 'unknown capability 200', cap: { code: 200, name: 'unknown', value: Uint8Array.of(1, 2, 3) }, hex: 'c803' + '010203' },
  { name: 'named but undecoded capability (software version, 75)', cap: { code: 75, name: 'software-version', value: fromHex('0474657374') }, hex: '4b05' + '0474657374' },
];

describe('capability fixtures', () => {
  it('cover every capability the codec decodes', () => {
    expect([...new Set(fixtures.map((f) => f.cap.code))].sort((a, b) => a - b)).toEqual([1, 2, 5, 6, 9, 64, 65, 69, 70, 71, 73, 75, 128, 200]);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: an OPEN holding it encodes to the RFC octets', (_name, f) => {
    const open = buildOpen({ asn: 65001, holdTime: 90, routerId: '192.0.2.1', capabilities: [f.cap] });
    expect(toHex(encodeMessage(open, CTX))).toBe(openHex('fde9', '005a', 'c0000201', '02' + hex1(f.hex.length / 2) + f.hex));
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: decodes to the same capability', (_name, f) => {
    const h = openHex('fde9', '005a', 'c0000201', '02' + hex1(f.hex.length / 2) + f.hex);
    const open = decodeOpenHex(h);
    expect(open).toMatchObject({ version: 4, myAs: 65001, holdTime: 90, routerId: '192.0.2.1', extendedParameters: false });
    expect(openCapabilities(open)).toEqual([f.cap]);
    expect(toHex(encodeMessage(open, CTX))).toBe(h);
  });

  it('all of them in one OPEN, in one optional parameter', () => {
    const caps = fixtures.map((f) => f.cap);
    const capsHex = fixtures.map((f) => f.hex).join('');
    const h = openHex('fde9', '00b4', '0a000001', '02' + hex1(capsHex.length / 2) + capsHex);
    expect(toHex(encodeMessage(buildOpen({ asn: 65001, holdTime: 180, routerId: '10.0.0.1', capabilities: caps }), CTX))).toBe(h);
    expect(openCapabilities(decodeOpenHex(h))).toEqual(caps);
  });

  it('a malformed known capability is kept as bytes with an OPEN Message Error', () => {
    const h = openHex('fde9', '005a', 'c0000201', '02' + '05' + '4103' + 'fa56ea');
    const r = decodeMessage(fromHex(h), CTX);
    expect(r.action).toBe('session-reset');
    expect(r.errors).toMatchObject([{ code: 2, subcode: 0 }]);
    expect(r.message?.type === 'OPEN' && openCapabilities(r.message)).toMatchObject([{ code: 65, name: 'unknown', value: fromHex('fa56ea') }]);
    // The AS is then the one in My AS, not the malformed capability's.
    expect(r.message?.type === 'OPEN' && openAsn(r.message)).toBe(65001);
  });

  it('an FQDN hostname that is not UTF-8 is malformed', () => {
    const r = decodeMessage(fromHex(openHex('fde9', '005a', 'c0000201', '02' + '06' + '4904' + '02' + 'c328' + '00')), CTX);
    expect(r.action).toBe('session-reset');
    expect(r.errors[0]?.reason).toContain('UTF-8');
  });
});

describe('OPEN', () => {
  it('puts AS_TRANS in My AS when the AS needs 4 octets; openAsn gives the real one', () => {
    const open = buildOpen({ asn: 4200000001, holdTime: 180, routerId: '10.0.0.1', capabilities: [{ code: 65, name: 'four-octet-as', asn: 4200000001 }] });
    expect(open.myAs).toBe(AS_TRANS);
    const h = MARKER + '0025' + '01' + '04' + '5ba0' + '00b4' + '0a000001' + '08' + '0206' + '4104' + 'fa56ea01';
    expect(toHex(encodeMessage(open, CTX))).toBe(h);
    const back = decodeOpenHex(h);
    expect(back.myAs).toBe(23456);
    expect(openAsn(back)).toBe(4200000001);
  });

  it('keeps a 2-octet AS in My AS, up to 65535', () => {
    expect(buildOpen({ asn: 65535, holdTime: 90, routerId: '10.0.0.1', capabilities: [] }).myAs).toBe(65535);
    expect(buildOpen({ asn: 65536, holdTime: 90, routerId: '10.0.0.1', capabilities: [] }).myAs).toBe(AS_TRANS);
    const h = MARKER + '001d' + '01' + '04' + 'fde9' + '005a' + '0a000001' + '00';
    const open = buildOpen({ asn: 65001, holdTime: 90, routerId: '10.0.0.1', capabilities: [] });
    expect(toHex(encodeMessage(open, CTX))).toBe(h);
    expect(openAsn(decodeOpenHex(h))).toBe(65001);
  });

  it('refuses a BGP identifier that is not an IPv4 address instead of writing a malformed OPEN', () => {
    for (const routerId of ['10.0.0', '10.0.0.256', 'r1', '10.0.0.1.2']) {
      expect(() => encodeMessage(buildOpen({ asn: 65001, holdTime: 90, routerId, capabilities: [] }), CTX), routerId).toThrow(TypeError);
    }
  });

  it('re-encodes capabilities spread over several optional parameters with the same grouping', () => {
    const params = '0206' + '0104' + '00010001' + '0202' + '0200' + '0206' + '4104' + '0000fde9' + '0208' + '0104' + '00020001' + '4600';
    const h = openHex('fde9', '00f0', 'c0000201', params);
    const open = decodeOpenHex(h);
    expect(open.parameters).toEqual([
      { kind: 'capabilities', capabilities: [{ code: 1, name: 'multiprotocol', afi: 1, reserved: 0, safi: 1 }] },
      { kind: 'capabilities', capabilities: [{ code: 2, name: 'route-refresh' }] },
      { kind: 'capabilities', capabilities: [{ code: 65, name: 'four-octet-as', asn: 65001 }] },
      { kind: 'capabilities', capabilities: [{ code: 1, name: 'multiprotocol', afi: 2, reserved: 0, safi: 1 }, { code: 70, name: 'enhanced-route-refresh' }] },
    ]);
    expect(openCapabilities(open).map((c) => c.code)).toEqual([1, 2, 65, 1, 70]);
    expect(toHex(encodeMessage(open, CTX))).toBe(h);
  });

  it('decodes and re-encodes RFC 9072 extended optional parameters', () => {
    // Non-extended length 255, parameter type 255, 2-octet total length; then each parameter: type, 2-octet length.
    const params = '02' + '000c' + '0104' + '00010001' + '4104' + 'fa56ea01' + '02' + '0002' + '0200';
    const h = openHex('5ba0', '005a', 'c0000201', 'ff' + hex2(params.length / 2) + params, 'ff');
    expect(h.slice(38 + 18, 38 + 26)).toBe('ffff0014');
    const open = decodeOpenHex(h);
    expect(open.extendedParameters).toBe(true);
    expect(open.parameters).toEqual([
      { kind: 'capabilities', capabilities: [{ code: 1, name: 'multiprotocol', afi: 1, reserved: 0, safi: 1 }, { code: 65, name: 'four-octet-as', asn: 4200000001 }] },
      { kind: 'capabilities', capabilities: [{ code: 2, name: 'route-refresh' }] },
    ]);
    expect(openAsn(open)).toBe(4200000001);
    expect(toHex(encodeMessage(open, CTX))).toBe(h);
  });

  it('rejects RFC 9072 parameters whose extended length disagrees with the message', () => {
    const params = '02' + '0002' + '0200';
    const r = decodeMessage(fromHex(openHex('fde9', '005a', 'c0000201', 'ff' + '0009' + params, 'ff')), CTX);
    expect(r.action).toBe('session-reset');
    expect(r.errors[0]).toMatchObject({ code: 1, subcode: 2 });
  });

  it('switches to the RFC 9072 encoding when the capabilities exceed 255 octets', () => {
    // 50 multiprotocol capabilities of 6 octets and 4-octet AS: 306 octets in one parameter.
    const caps: Capability[] = [
      ...Array.from({ length: 50 }, (_, i): Capability => ({ code: 1, name: 'multiprotocol', afi: 1, reserved: 0, safi: i + 1 })),
      { code: 65, name: 'four-octet-as', asn: 4200000001 },
    ];
    const capsHex = Array.from({ length: 50 }, (_, i) => '0104' + '0001' + '00' + hex1(i + 1)).join('') + '4104' + 'fa56ea01';
    expect(capsHex.length / 2).toBe(306);
    const open = buildOpen({ asn: 4200000001, holdTime: 90, routerId: '192.0.2.1', capabilities: caps });
    expect(open.extendedParameters).toBe(true);
    const h = openHex('5ba0', '005a', 'c0000201', 'ff' + '0135' + '02' + '0132' + capsHex, 'ff');
    expect(toHex(encodeMessage(open, CTX))).toBe(h);
    const back = decodeOpenHex(h);
    expect(back.extendedParameters).toBe(true);
    expect(openCapabilities(back)).toEqual(caps);
  });

  it('uses the RFC 9072 encoding only when needed: 253 octets of capabilities fit, 254 do not', () => {
    const unknown = (n: number): Capability => ({ code: 200, name: 'unknown', value: new Uint8Array(n).fill(0xaa) });
    const fits = buildOpen({ asn: 65001, holdTime: 90, routerId: '192.0.2.1', capabilities: [unknown(251)] });
    expect(fits.extendedParameters).toBe(false);
    const fitsHex = openHex('fde9', '005a', 'c0000201', '02' + 'fd' + 'c8fb' + 'aa'.repeat(251));
    expect(toHex(encodeMessage(fits, CTX))).toBe(fitsHex);
    expect(fitsHex.slice(38 + 18, 38 + 20)).toBe('ff'); // optional parameters length 2 + 253 = 255

    const over = buildOpen({ asn: 65001, holdTime: 90, routerId: '192.0.2.1', capabilities: [unknown(252)] });
    expect(over.extendedParameters).toBe(true);
    const overHex = openHex('fde9', '005a', 'c0000201', 'ff' + '0101' + '02' + '00fe' + 'c8fc' + 'aa'.repeat(252), 'ff');
    expect(toHex(encodeMessage(over, CTX))).toBe(overHex);
    expect(openCapabilities(decodeOpenHex(overHex))).toEqual([unknown(252)]);
  });

  it('never uses the RFC 9072 encoding for an OPEN without capabilities or with few', () => {
    expect(buildOpen({ asn: 65001, holdTime: 90, routerId: '192.0.2.1', capabilities: [] })).toMatchObject({ parameters: [], extendedParameters: false });
    expect(buildOpen({ asn: 65001, holdTime: 90, routerId: '192.0.2.1', capabilities: fixtures.map((f) => f.cap) }).extendedParameters).toBe(false);
  });
});

describe('NOTIFICATION', () => {
  /** Every code and subcode of constants.ts with the name IANA gives it. */
  const NAMES: [number, number, string, string][] = [
    [ErrorCode.MESSAGE_HEADER, HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, 'Message Header Error', 'Connection Not Synchronized'],
    [ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, 'Message Header Error', 'Bad Message Length'],
    [ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_TYPE, 'Message Header Error', 'Bad Message Type'],
    [ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSPECIFIC, 'OPEN Message Error', 'Unspecific'],
    [ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSUPPORTED_VERSION, 'OPEN Message Error', 'Unsupported Version Number'],
    [ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_PEER_AS, 'OPEN Message Error', 'Bad Peer AS'],
    [ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_BGP_IDENTIFIER, 'OPEN Message Error', 'Bad BGP Identifier'],
    [ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, 'OPEN Message Error', 'Unsupported Optional Parameter'],
    [ErrorCode.OPEN_MESSAGE, OpenSubcode.UNACCEPTABLE_HOLD_TIME, 'OPEN Message Error', 'Unacceptable Hold Time'],
    [ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSUPPORTED_CAPABILITY, 'OPEN Message Error', 'Unsupported Capability'],
    [ErrorCode.OPEN_MESSAGE, OpenSubcode.ROLE_MISMATCH, 'OPEN Message Error', 'Role Mismatch'],
    [ErrorCode.UPDATE_MESSAGE, UpdateSubcode.UNSPECIFIC, 'UPDATE Message Error', 'Unspecific'],
    [ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'UPDATE Message Error', 'Malformed Attribute List'],
    [ErrorCode.UPDATE_MESSAGE, UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, 'UPDATE Message Error', 'Unrecognized Well-known Attribute'],
    [ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE, 'UPDATE Message Error', 'Missing Well-known Attribute'],
    [ErrorCode.UPDATE_MESSAGE, UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, 'UPDATE Message Error', 'Attribute Flags Error'],
    [ErrorCode.UPDATE_MESSAGE, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, 'UPDATE Message Error', 'Attribute Length Error'],
    [ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE, 'UPDATE Message Error', 'Invalid ORIGIN Attribute'],
    [ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NEXT_HOP_ATTRIBUTE, 'UPDATE Message Error', 'Invalid NEXT_HOP Attribute'],
    [ErrorCode.UPDATE_MESSAGE, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, 'UPDATE Message Error', 'Optional Attribute Error'],
    [ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NETWORK_FIELD, 'UPDATE Message Error', 'Invalid Network Field'],
    [ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_AS_PATH, 'UPDATE Message Error', 'Malformed AS_PATH'],
    [ErrorCode.HOLD_TIMER_EXPIRED, 0, 'Hold Timer Expired', 'Unspecific'],
    [ErrorCode.FSM, FsmSubcode.UNSPECIFIED, 'Finite State Machine Error', 'Unspecified Error'],
    [ErrorCode.FSM, FsmSubcode.UNEXPECTED_IN_OPENSENT, 'Finite State Machine Error', 'Receive Unexpected Message in OpenSent State'],
    [ErrorCode.FSM, FsmSubcode.UNEXPECTED_IN_OPENCONFIRM, 'Finite State Machine Error', 'Receive Unexpected Message in OpenConfirm State'],
    [ErrorCode.FSM, FsmSubcode.UNEXPECTED_IN_ESTABLISHED, 'Finite State Machine Error', 'Receive Unexpected Message in Established State'],
    [ErrorCode.CEASE, 0, 'Cease', 'Unspecific'],
    [ErrorCode.CEASE, CeaseSubcode.MAX_PREFIXES, 'Cease', 'Maximum Number of Prefixes Reached'],
    [ErrorCode.CEASE, CeaseSubcode.ADMIN_SHUTDOWN, 'Cease', 'Administrative Shutdown'],
    [ErrorCode.CEASE, CeaseSubcode.PEER_DECONFIGURED, 'Cease', 'Peer De-configured'],
    [ErrorCode.CEASE, CeaseSubcode.ADMIN_RESET, 'Cease', 'Administrative Reset'],
    [ErrorCode.CEASE, CeaseSubcode.CONNECTION_REJECTED, 'Cease', 'Connection Rejected'],
    [ErrorCode.CEASE, CeaseSubcode.OTHER_CONFIGURATION_CHANGE, 'Cease', 'Other Configuration Change'],
    [ErrorCode.CEASE, CeaseSubcode.CONNECTION_COLLISION, 'Cease', 'Connection Collision Resolution'],
    [ErrorCode.CEASE, CeaseSubcode.OUT_OF_RESOURCES, 'Cease', 'Out of Resources'],
    [ErrorCode.CEASE, CeaseSubcode.HARD_RESET, 'Cease', 'Hard Reset'],
    [ErrorCode.CEASE, CeaseSubcode.BFD_DOWN, 'Cease', 'BFD Down'],
    [ErrorCode.ROUTE_REFRESH, 0, 'ROUTE-REFRESH Message Error', 'Reserved'],
    [ErrorCode.ROUTE_REFRESH, RouteRefreshSubcode.INVALID_MESSAGE_LENGTH, 'ROUTE-REFRESH Message Error', 'Invalid Message Length'],
  ];

  it('the table lists every subcode constant', () => {
    const tables: [number, Record<string, number>][] = [
      [1, HeaderSubcode], [2, OpenSubcode], [3, UpdateSubcode], [5, FsmSubcode], [6, CeaseSubcode], [7, RouteRefreshSubcode],
    ];
    const listed = new Set(NAMES.map(([c, s]) => `${c}/${s}`));
    for (const [code, table] of tables) for (const s of Object.values(table)) expect(listed.has(`${code}/${s}`), `${code}/${s}`).toBe(true);
    expect(new Set(NAMES.map(([c]) => c))).toEqual(new Set(Object.values(ErrorCode)));
  });

  it.each(NAMES)('%i/%i is named %s / %s', (code, subcode, codeName, subcodeName) => {
    expect(notificationNames({ code, subcode })).toEqual({ codeName, subcodeName });
  });

  it('names what it does not know by number', () => {
    expect(notificationNames({ code: 9, subcode: 1 })).toEqual({ codeName: 'Unknown Error Code 9', subcodeName: 'Unknown Subcode 1' });
    expect(notificationNames({ code: 6, subcode: 99 })).toEqual({ codeName: 'Cease', subcodeName: 'Unknown Subcode 99' });
  });

  const notification = (code: number, subcode: number, data: string): NotificationMessage => ({ type: 'NOTIFICATION', code, subcode, data: fromHex(data) });

  it('round-trips code, subcode and data', () => {
    const h = MARKER + '0017' + '03' + '02' + '02' + 'fde9';
    const r = decodeMessage(fromHex(h), CTX);
    expect(r.action).toBe('none');
    expect(r.message).toEqual(notification(2, 2, 'fde9'));
    expect(toHex(encodeMessage(notification(2, 2, 'fde9'), CTX))).toBe(h);
  });

  it('carries the RFC 9003 shutdown communication for Cease / Administrative Shutdown and Reset', () => {
    // length 15, "maintenance ✓" (✓ = e2 9c 93)
    const data = '0f' + '6d61696e74656e616e636520e29c93';
    for (const subcode of [2, 4]) {
      const h = MARKER + hex2(21 + 16) + '03' + '06' + hex1(subcode) + data;
      const r = decodeMessage(fromHex(h), CTX);
      expect(r.action).toBe('none');
      expect(shutdownCommunication(r.message as NotificationMessage)).toBe('maintenance ✓');
    }
  });

  it('has no shutdown communication for other codes and subcodes', () => {
    const data = '05' + '68656c6c6f';
    for (const [code, subcode] of [[6, 3], [6, 0], [6, 9], [2, 2], [1, 2]] as const) {
      expect(shutdownCommunication(notification(code, subcode, data))).toBeUndefined();
    }
    expect(shutdownCommunication(notification(6, 2, data))).toBe('hello');
  });

  it('gives no shutdown communication for a malformed one', () => {
    expect(shutdownCommunication(notification(6, 2, ''))).toBeUndefined();
    expect(shutdownCommunication(notification(6, 2, '00'))).toBeUndefined();
    expect(shutdownCommunication(notification(6, 2, '06' + '68656c6c6f'))).toBeUndefined(); // length past the data
    expect(shutdownCommunication(notification(6, 4, '02' + 'c328'))).toBeUndefined(); // invalid UTF-8
    expect(shutdownCommunication(notification(6, 4, '01' + 'c3'))).toBeUndefined(); // a cut character
    expect(shutdownCommunication(notification(6, 4, '01' + 'ff'))).toBeUndefined();
  });

  it('shutdownNotification builds the Cease with the length-prefixed UTF-8 message', () => {
    const n = shutdownNotification(2, 'bye');
    expect(n).toEqual(notification(6, 2, '03' + '627965'));
    expect(toHex(encodeMessage(n, CTX))).toBe(MARKER + '0019' + '03' + '0602' + '03627965');
    expect(shutdownNotification(4, '')).toEqual(notification(6, 4, ''));
  });

  it('shutdownNotification truncates to 255 octets on a UTF-8 character boundary', () => {
    const ascii = shutdownNotification(2, 'x'.repeat(300));
    expect(ascii.data[0]).toBe(255);
    expect(ascii.data.length).toBe(256);
    expect(shutdownCommunication(ascii)).toBe('x'.repeat(255));

    // 'a' then 3-octet characters: 1 + 3 × 84 = 253 octets fit; the 85th character would end at 256.
    const euro = shutdownNotification(4, 'a' + '€'.repeat(100));
    expect(euro.data[0]).toBe(253);
    expect(euro.data.length).toBe(254);
    expect(shutdownCommunication(euro)).toBe('a' + '€'.repeat(84));

    // 2-octet characters: 127 × 2 = 254 octets.
    const accents = shutdownNotification(2, 'é'.repeat(200));
    expect(accents.data[0]).toBe(254);
    expect(shutdownCommunication(accents)).toBe('é'.repeat(127));

    // 4-octet characters exactly filling 252 octets, then one more that does not fit.
    const emoji = shutdownNotification(2, '😀'.repeat(64));
    expect(emoji.data[0]).toBe(252);
    expect(shutdownCommunication(emoji)).toBe('😀'.repeat(63));

    // Exactly 255 octets is kept whole.
    const exact = shutdownNotification(2, 'x'.repeat(252) + '€');
    expect(exact.data[0]).toBe(255);
    expect(shutdownCommunication(exact)).toBe('x'.repeat(252) + '€');

    // Through the wire and back.
    const r = decodeMessage(encodeMessage(euro, CTX), CTX);
    expect(shutdownCommunication(r.message as NotificationMessage)).toBe('a' + '€'.repeat(84));
  });
});

describe('ROUTE-REFRESH', () => {
  const cases = [
    [1, 0, 'normal'], [1, 1, 'borr'], [1, 2, 'eorr'],
    [2, 0, 'normal'], [2, 1, 'borr'], [2, 2, 'eorr'],
  ] as const;

  it.each(cases)('AFI %i subtype %i (%s) round-trips', (afi, subtype, name) => {
    const m: RouteRefreshMessage = { type: 'ROUTE-REFRESH', afi, safi: 1, subtype, orf: new Uint8Array(0) };
    // AFI, subtype (the old reserved octet, RFC 7313 §3.2), SAFI.
    const h = MARKER + '0017' + '05' + hex2(afi) + hex1(subtype) + '01';
    expect(toHex(encodeMessage(m, CTX))).toBe(h);
    const r = decodeMessage(fromHex(h), CTX);
    expect(r.action).toBe('none');
    expect(r.message).toEqual(m);
    expect(routeRefreshSubtype(r.message as RouteRefreshMessage)).toBe(name);
  });

  it('names other subtypes reserved', () => {
    const r = decodeMessage(fromHex(MARKER + '0017' + '05' + '0001' + '03' + '01'), CTX);
    expect(r.action).toBe('none');
    expect(routeRefreshSubtype(r.message as RouteRefreshMessage)).toBe('reserved');
    expect(routeRefreshSubtype({ type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 255, orf: new Uint8Array(0) })).toBe('reserved');
  });

  it('keeps ORF entries of a normal request as bytes', () => {
    const h = MARKER + '001a' + '05' + '0001' + '00' + '01' + '400001';
    const r = decodeMessage(fromHex(h), CTX);
    expect(r.action).toBe('none');
    expect((r.message as RouteRefreshMessage).orf).toEqual(fromHex('400001'));
    expect(toHex(encodeMessage(r.message!, CTX))).toBe(h);
  });

  it('rejects a BoRR or EoRR longer than 4 octets of body (RFC 7313 §5)', () => {
    for (const subtype of ['01', '02']) {
      const h = MARKER + '0018' + '05' + '0002' + subtype + '01' + '00';
      const r = decodeMessage(fromHex(h), CTX);
      expect(r.action).toBe('session-reset');
      if (r.action !== 'session-reset') continue;
      expect(r.notification).toEqual({ code: 7, subcode: 1, data: fromHex(h) });
    }
  });
});
