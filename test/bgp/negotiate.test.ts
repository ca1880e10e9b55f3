/**
 * OPEN negotiation (RFC 4271 §4.2/§6.2, RFC 5492, RFC 4760, RFC 6793, RFC 7911, RFC 8950, RFC 8654, RFC 2918,
 * RFC 7313, RFC 4724, FQDN draft), on hand-built OPENs and on real OPENs that BIRD and GoBGP sent.
 */
import { describe, expect, it } from 'vitest';
import {
  buildLocalOpen, negotiate, offeredCapabilities, type AddPathDirection, type LocalOffer, type Negotiated, type PeerExpectation,
} from '../../src/bgp/negotiate.js';
import {
  AS_TRANS, buildOpen, decodeMessage, encodeMessage, makeContext, openCapabilities,
  type Capability, type FamilyName, type OpenMessage, type WireError,
} from '../../src/bgp/wire/index.js';
import { availableVectorFiles, fromHex, loadVectors, toHex, vectorContext, type Vector } from '../helpers/vectors.js';

// ---- building OPENs ------------------------------------------------------------------------------------

const OFFER: LocalOffer = { asn: 65001, routerId: '192.0.2.1', holdTime: 90, families: ['ipv4-unicast', 'ipv6-unicast'] };
const EXPECT: PeerExpectation = { remoteAs: 65002 };

const mp = (afi: number, safi = 1): Capability => ({ code: 1, name: 'multiprotocol', afi, safi, reserved: 0 });
const as4 = (asn: number): Capability => ({ code: 65, name: 'four-octet-as', asn });
const MP_BOTH = [mp(1), mp(2)];
const MODES = { 1: 'receive', 2: 'send', 3: 'both' } as const;
const addPath = (...families: [afi: number, sendReceive: 1 | 2 | 3][]): Capability => ({
  code: 69, name: 'add-path', families: families.map(([afi, sr]) => ({ afi, safi: 1, sendReceive: sr, mode: MODES[sr] })),
});

/** A peer OPEN; My AS is AS_TRANS when the AS needs 4 octets (as buildOpen does). */
function open(capabilities: Capability[], opts: { asn?: number; holdTime?: number; routerId?: string; myAs?: number } = {}): OpenMessage {
  const base = buildOpen({ asn: opts.asn ?? 65002, holdTime: opts.holdTime ?? 60, routerId: opts.routerId ?? '192.0.2.2', capabilities });
  return opts.myAs === undefined ? base : { ...base, myAs: opts.myAs };
}

/** A modern peer: both unicast families and the 4-octet AS capability, plus `extra`. */
function modern(extra: Capability[] = [], opts: { asn?: number; holdTime?: number; routerId?: string } = {}): OpenMessage {
  return open([...MP_BOTH, as4(opts.asn ?? 65002), ...extra], opts);
}

function ok(r: Negotiated | WireError): Negotiated {
  if ('action' in r) throw new Error(`negotiation failed: ${r.code}/${r.subcode} ${r.reason}`);
  return r;
}

function fails(r: Negotiated | WireError): WireError {
  if (!('action' in r)) throw new Error('negotiation succeeded where it must fail');
  expect(r.action).toBe('session-reset');
  return r;
}

const set = (...f: FamilyName[]): Set<FamilyName> => new Set(f);

// ---- OPEN checks (RFC 4271 §6.2) -------------------------------------------------------------------------

describe('negotiate: peer AS', () => {
  it('a 2-octet AS that is not the configured one is Bad Peer AS with the AS in 2 octets', () => {
    const e = fails(negotiate(OFFER, open([mp(1)], { asn: 65003 }), EXPECT));
    expect([e.code, e.subcode]).toEqual([2, 2]);
    expect(toHex(e.data)).toBe('fdeb');
    expect(e.reason).toContain('65003');
  });

  it('a 4-octet AS that is not the configured one is Bad Peer AS with the AS in 4 octets', () => {
    const e = fails(negotiate(OFFER, modern([], { asn: 4200000002 }), EXPECT));
    expect([e.code, e.subcode]).toEqual([2, 2]);
    expect(toHex(e.data)).toBe('fa56ea02');
  });

  it('a list of allowed ASes (dynamic neighbours) accepts its members only', () => {
    const expect2: PeerExpectation = { remoteAs: [65002, 4200000002] };
    expect(ok(negotiate(OFFER, modern([], { asn: 4200000002 }), expect2)).peerAs).toBe(4200000002);
    expect(ok(negotiate(OFFER, modern([], { asn: 65002 }), expect2)).peerAs).toBe(65002);
    const e = fails(negotiate(OFFER, modern([], { asn: 65004 }), expect2));
    expect([e.code, e.subcode, toHex(e.data)]).toEqual([2, 2, 'fdec']);
  });

  it("'any' accepts every AS", () => {
    for (const asn of [1, 65002, 4200000002]) {
      expect(ok(negotiate(OFFER, modern([], { asn }), { remoteAs: 'any' })).peerAs).toBe(asn);
    }
  });

  it('AS_TRANS in My AS with the 4-octet capability stands for the real AS (RFC 6793 §3)', () => {
    const peer = modern([], { asn: 4200000002 });
    expect(peer.myAs).toBe(AS_TRANS);
    const n = ok(negotiate(OFFER, peer, { remoteAs: 4200000002 }));
    expect(n.peerAs).toBe(4200000002);
    expect(n.as4).toBe(true);
    expect(n.receive).toMatchObject({ as4: true, ebgp: true });
    expect(n.send).toMatchObject({ as4: true, ebgp: true });
  });

  it('AS_TRANS without the 4-octet capability is never a valid peer AS, even for any', () => {
    const peer = open([mp(1)], { asn: AS_TRANS });
    for (const remoteAs of [65002, 'any'] as const) {
      const e = fails(negotiate(OFFER, peer, { remoteAs }));
      expect([e.code, e.subcode, toHex(e.data)]).toEqual([2, 2, '5ba0']);
    }
  });

  it('a 2-octet-only peer (no capability 65) gives as4 false in both contexts', () => {
    const n = ok(negotiate(OFFER, open([mp(1), { code: 2, name: 'route-refresh' }], { asn: 65002 }), EXPECT));
    expect(n.peerAs).toBe(65002);
    expect(n.as4).toBe(false);
    expect(n.receive.as4).toBe(false);
    expect(n.send.as4).toBe(false);
  });

  it('the same AS as ours makes an internal session', () => {
    const n = ok(negotiate(OFFER, modern([], { asn: 65001 }), { remoteAs: 65001 }));
    expect([n.receive.ebgp, n.send.ebgp]).toEqual([false, false]);
  });
});

describe('negotiate: BGP identifier (RFC 6286 §2.2)', () => {
  it('an identifier equal to ours inside one AS is Bad BGP Identifier', () => {
    const e = fails(negotiate(OFFER, modern([], { asn: 65001, routerId: '192.0.2.1' }), { remoteAs: 65001 }));
    expect([e.code, e.subcode]).toEqual([2, 3]);
    expect(e.data).toEqual(new Uint8Array(0));
  });

  it('an identifier equal to ours is allowed across ASes', () => {
    const n = ok(negotiate(OFFER, modern([], { asn: 65002, routerId: '192.0.2.1' }), EXPECT));
    expect(n.peerRouterId).toBe('192.0.2.1');
  });
});

describe('negotiate: hold time (RFC 4271 §4.2)', () => {
  it('is the smaller of both, with keepalive a third of it', () => {
    expect(ok(negotiate(OFFER, modern([], { holdTime: 60 }), EXPECT))).toMatchObject({ holdTime: 60, keepaliveTime: 20 });
    expect(ok(negotiate(OFFER, modern([], { holdTime: 240 }), EXPECT))).toMatchObject({ holdTime: 90, keepaliveTime: 30 });
    expect(ok(negotiate(OFFER, modern([], { holdTime: 3 }), EXPECT))).toMatchObject({ holdTime: 3, keepaliveTime: 1 });
  });

  it('0 on either side means no keepalives', () => {
    expect(ok(negotiate(OFFER, modern([], { holdTime: 0 }), EXPECT))).toMatchObject({ holdTime: 0, keepaliveTime: 0 });
    expect(ok(negotiate({ ...OFFER, holdTime: 0 }, modern([], { holdTime: 60 }), EXPECT))).toMatchObject({ holdTime: 0, keepaliveTime: 0 });
  });

  it('a configured keepalive applies below hold/3 and is capped above it', () => {
    expect(ok(negotiate({ ...OFFER, keepaliveTime: 5 }, modern([], { holdTime: 60 }), EXPECT)).keepaliveTime).toBe(5);
    expect(ok(negotiate({ ...OFFER, keepaliveTime: 45 }, modern([], { holdTime: 60 }), EXPECT)).keepaliveTime).toBe(20);
  });

  it('1 or 2 seconds is Unacceptable Hold Time', () => {
    for (const holdTime of [1, 2]) {
      const e = fails(negotiate(OFFER, modern([], { holdTime }), EXPECT));
      expect([e.code, e.subcode]).toEqual([2, 6]);
    }
  });
});

describe('negotiate: capabilities required and families (RFC 5492 §5, RFC 4760 §8)', () => {
  it('a missing required capability is Unsupported Capability naming it', () => {
    const e = fails(negotiate(OFFER, modern(), { remoteAs: 65002, requiredCapabilities: [65, 64] }));
    expect([e.code, e.subcode, toHex(e.data)]).toEqual([2, 7, '4000']);
    expect(ok(negotiate(OFFER, modern(), { remoteAs: 65002, requiredCapabilities: [1, 65] })).as4).toBe(true);
  });

  it('no family in common is Unsupported Capability listing our multiprotocol capabilities', () => {
    const e = fails(negotiate({ ...OFFER, families: ['ipv6-unicast'] }, open([mp(1), as4(65002)]), EXPECT));
    expect([e.code, e.subcode, toHex(e.data)]).toEqual([2, 7, '010400020001']);
    // Only families we do not know (here IPv4 multicast): nothing in common either.
    const both = fails(negotiate(OFFER, open([mp(1, 2), as4(65002)]), EXPECT));
    expect([both.code, both.subcode, toHex(both.data)]).toEqual([2, 7, '010400010001010400020001']);
  });

  it('a peer without any multiprotocol capability speaks IPv4 unicast only', () => {
    const n = ok(negotiate(OFFER, open([as4(65002)]), EXPECT));
    expect(n.families).toEqual(['ipv4-unicast']);
    const e = fails(negotiate({ ...OFFER, families: ['ipv6-unicast'] }, open([as4(65002)]), EXPECT));
    expect([e.code, e.subcode]).toEqual([2, 7]);
  });

  it('families are the intersection, in our order', () => {
    expect(ok(negotiate(OFFER, open([mp(2), mp(1), as4(65002)]), EXPECT)).families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
    expect(ok(negotiate(OFFER, open([mp(2), mp(1, 2), as4(65002)]), EXPECT)).families).toEqual(['ipv6-unicast']);
  });
});

describe('negotiate: add-path per direction (RFC 7911 §4)', () => {
  // [ours, peer's send/receive bits, we receive, we send]
  const cases: [AddPathDirection | undefined, 1 | 2 | 3, boolean, boolean][] = [
    ['receive', 2, true, false],
    ['receive', 3, true, false],
    ['receive', 1, false, false],
    ['send', 1, false, true],
    ['send', 3, false, true],
    ['send', 2, false, false],
    ['both', 3, true, true],
    ['both', 2, true, false],
    ['both', 1, false, true],
    [undefined, 3, false, false],
  ];
  it.each(cases)('ours %s, peer %i: receive %s, send %s', (ours, peer, receive, send) => {
    const offer: LocalOffer = { ...OFFER, ...(ours ? { addPath: { 'ipv6-unicast': ours } } : {}) };
    const n = ok(negotiate(offer, modern([addPath([2, peer])]), EXPECT));
    expect(n.addPathReceive).toEqual(receive ? set('ipv6-unicast') : set());
    expect(n.addPathSend).toEqual(send ? set('ipv6-unicast') : set());
    // The codec contexts carry the same sets: decoding what the peer sends, encoding what we send.
    expect(n.receive.addPath).toEqual(n.addPathReceive);
    expect(n.send.addPath).toEqual(n.addPathSend);
  });

  it('is worked out per family, and only for negotiated families', () => {
    const offer: LocalOffer = { ...OFFER, addPath: { 'ipv4-unicast': 'receive', 'ipv6-unicast': 'both' } };
    const n = ok(negotiate(offer, modern([addPath([1, 3], [2, 1])]), EXPECT));
    expect(n.addPathReceive).toEqual(set('ipv4-unicast'));
    expect(n.addPathSend).toEqual(set('ipv6-unicast'));
    // IPv6 not negotiated: its add-path goes with it.
    const v4only = ok(negotiate(offer, open([mp(1), as4(65002), addPath([1, 3], [2, 3])]), EXPECT));
    expect(v4only.addPathReceive).toEqual(set('ipv4-unicast'));
    expect(v4only.addPathSend).toEqual(set());
  });
});

describe('negotiate: options both sides must have', () => {
  const enh: Capability = { code: 5, name: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] };
  const extMsg: Capability = { code: 6, name: 'extended-message' };

  it('extended next hop (RFC 8950 §4): IPv4 unicast over IPv6, offered by both', () => {
    expect(ok(negotiate({ ...OFFER, extendedNextHop: true }, modern([enh]), EXPECT)).extendedNextHop).toBe(true);
    expect(ok(negotiate({ ...OFFER, extendedNextHop: true }, modern(), EXPECT)).extendedNextHop).toBe(false);
    expect(ok(negotiate(OFFER, modern([enh]), EXPECT)).extendedNextHop).toBe(false);
    const otherEntry: Capability = { code: 5, name: 'extended-next-hop', entries: [{ afi: 1, safi: 128, nextHopAfi: 2 }] };
    expect(ok(negotiate({ ...OFFER, extendedNextHop: true }, modern([otherEntry]), EXPECT)).extendedNextHop).toBe(false);
  });

  it('extended message (RFC 8654): offered by both, and then in both contexts', () => {
    const both = ok(negotiate({ ...OFFER, extendedMessage: true }, modern([extMsg]), EXPECT));
    expect([both.extendedMessage, both.receive.extendedMessage, both.send.extendedMessage]).toEqual([true, true, true]);
    const oursOnly = ok(negotiate({ ...OFFER, extendedMessage: true }, modern(), EXPECT));
    expect([oursOnly.extendedMessage, oursOnly.receive.extendedMessage, oursOnly.send.extendedMessage]).toEqual([false, false, false]);
    expect(ok(negotiate(OFFER, modern([extMsg]), EXPECT)).extendedMessage).toBe(false);
  });

  it('route refresh by code 2 (RFC 2918) or the pre-standard 128', () => {
    expect(ok(negotiate(OFFER, modern([{ code: 2, name: 'route-refresh' }]), EXPECT)).routeRefresh).toBe(true);
    expect(ok(negotiate(OFFER, modern([{ code: 128, name: 'route-refresh-cisco' }]), EXPECT)).routeRefresh).toBe(true);
    expect(ok(negotiate(OFFER, modern(), EXPECT)).routeRefresh).toBe(false);
  });

  it('enhanced route refresh (RFC 7313)', () => {
    const n = ok(negotiate(OFFER, modern([{ code: 2, name: 'route-refresh' }, { code: 70, name: 'enhanced-route-refresh' }]), EXPECT));
    expect([n.routeRefresh, n.enhancedRouteRefresh]).toEqual([true, true]);
    expect(ok(negotiate(OFFER, modern([{ code: 2, name: 'route-refresh' }]), EXPECT)).enhancedRouteRefresh).toBe(false);
  });
});

describe("negotiate: the peer's graceful restart and hostname", () => {
  it('keeps restart time, R and N bits and the per-family F bit (RFC 4724 §3)', () => {
    const gr: Capability = {
      code: 64, name: 'graceful-restart', restartState: true, notification: false, flags: 0x8, restartTime: 120,
      families: [{ afi: 1, safi: 1, flags: 0x80, forwarding: true }, { afi: 2, safi: 1, flags: 0, forwarding: false }],
    };
    const n = ok(negotiate(OFFER, modern([gr]), EXPECT));
    expect(n.gracefulRestart).toEqual({
      restartTime: 120, restarting: true, notification: false,
      families: [{ family: 'ipv4-unicast', forwarding: true }, { family: 'ipv6-unicast', forwarding: false }],
    });
    expect(n.longLivedGracefulRestart).toBe(false);
  });

  it('a helper-only capability (no families) and none at all', () => {
    const helper: Capability = { code: 64, name: 'graceful-restart', restartState: false, notification: true, flags: 0x4, restartTime: 90, families: [] };
    expect(ok(negotiate(OFFER, modern([helper]), EXPECT)).gracefulRestart).toEqual({ restartTime: 90, restarting: false, notification: true, families: [] });
    expect(ok(negotiate(OFFER, modern(), EXPECT)).gracefulRestart).toBeUndefined();
  });

  it('the FQDN capability gives the peer hostname', () => {
    expect(ok(negotiate(OFFER, modern([{ code: 73, name: 'fqdn', hostname: 'edge-1', domain: 'example.net' }]), EXPECT)).peerHostname).toBe('edge-1');
    expect(ok(negotiate(OFFER, modern(), EXPECT)).peerHostname).toBeUndefined();
  });

  it('keeps every capability the peer sent', () => {
    const caps = [...MP_BOTH, as4(65002), { code: 99, name: 'unknown', value: Uint8Array.of(1, 2) }];
    expect(ok(negotiate(OFFER, open(caps), EXPECT)).peerCapabilities).toEqual(caps);
  });
});

// ---- our offer ------------------------------------------------------------------------------------------

describe('offeredCapabilities', () => {
  it('a full offer, in BIRD order', () => {
    const offer: LocalOffer = {
      asn: 4200000001, routerId: '192.0.2.1', holdTime: 90, families: ['ipv4-unicast', 'ipv6-unicast'],
      addPath: { 'ipv4-unicast': 'both', 'ipv6-unicast': 'receive' }, extendedNextHop: true, extendedMessage: true,
      gracefulRestart: { restartTime: 120, restarting: false, forwardingPreserved: true, notification: true }, hostname: 'rr1',
    };
    expect(offeredCapabilities(offer)).toEqual([
      { code: 1, name: 'multiprotocol', afi: 1, safi: 1, reserved: 0 },
      { code: 1, name: 'multiprotocol', afi: 2, safi: 1, reserved: 0 },
      { code: 2, name: 'route-refresh' },
      { code: 5, name: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
      { code: 6, name: 'extended-message' },
      {
        code: 64, name: 'graceful-restart', restartState: false, notification: true, flags: 0x4, restartTime: 120,
        families: [{ afi: 1, safi: 1, flags: 0x80, forwarding: true }, { afi: 2, safi: 1, flags: 0x80, forwarding: true }],
      },
      { code: 65, name: 'four-octet-as', asn: 4200000001 },
      { code: 69, name: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3, mode: 'both' }, { afi: 2, safi: 1, sendReceive: 1, mode: 'receive' }] },
      { code: 70, name: 'enhanced-route-refresh' },
      { code: 73, name: 'fqdn', hostname: 'rr1', domain: '' },
    ]);
    const o = buildLocalOpen(offer);
    expect(o).toMatchObject({ type: 'OPEN', version: 4, myAs: AS_TRANS, holdTime: 90, routerId: '192.0.2.1', extendedParameters: false });
    expect(openCapabilities(o)).toEqual(offeredCapabilities(offer));
  });

  it('a minimal offer, down to the bytes', () => {
    const offer: LocalOffer = { asn: 65001, routerId: '192.0.2.1', holdTime: 90, families: ['ipv4-unicast'] };
    expect(offeredCapabilities(offer)).toEqual([
      { code: 1, name: 'multiprotocol', afi: 1, safi: 1, reserved: 0 },
      { code: 2, name: 'route-refresh' },
      { code: 65, name: 'four-octet-as', asn: 65001 },
      { code: 70, name: 'enhanced-route-refresh' },
    ]);
    // Header (length 47, type OPEN), version 4, AS 65001, hold 90, id 192.0.2.1, one parameter of 16 octets.
    expect(toHex(encodeMessage(buildLocalOpen(offer), makeContext()))).toBe(
      'ff'.repeat(16) + '002f01' + '04fde9005ac0000201' + '1202' + '10' + '010400010001' + '0200' + '41040000fde9' + '4600',
    );
  });

  it('no extended next hop without IPv4 unicast; add-path only for offered families', () => {
    const offer: LocalOffer = { ...OFFER, families: ['ipv6-unicast'], extendedNextHop: true, addPath: { 'ipv4-unicast': 'both' } };
    expect(offeredCapabilities(offer).map((c) => c.code)).toEqual([1, 2, 65, 70]);
  });

  it('two tern speakers agree with each other, over the wire', () => {
    const a: LocalOffer = { ...OFFER, addPath: { 'ipv4-unicast': 'send' }, extendedMessage: true, hostname: 'a' };
    const b: LocalOffer = { ...OFFER, asn: 4200000002, routerId: '192.0.2.2', holdTime: 30, addPath: { 'ipv4-unicast': 'receive' }, extendedMessage: true };
    const decoded = decodeMessage(encodeMessage(buildLocalOpen(b), makeContext()), makeContext());
    expect(decoded.action).toBe('none');
    const n = ok(negotiate(a, decoded.message as OpenMessage, { remoteAs: 4200000002 }));
    expect(n).toMatchObject({ peerAs: 4200000002, holdTime: 30, keepaliveTime: 10, as4: true, extendedMessage: true, routeRefresh: true, enhancedRouteRefresh: true });
    expect(n.families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
    expect([n.addPathSend, n.addPathReceive]).toEqual([set('ipv4-unicast'), set()]);
    const back = ok(negotiate(b, buildLocalOpen(a), { remoteAs: 65001 }));
    expect([back.addPathSend, back.addPathReceive]).toEqual([set(), set('ipv4-unicast')]);
    expect(back.peerHostname).toBe('a');
  });
});

// ---- real OPENs -----------------------------------------------------------------------------------------

const [SHARED] = availableVectorFiles();
const SHARED_VECTORS = loadVectors(SHARED!);

function decodeOpenVector(id: string): { v: Vector; open: OpenMessage } {
  const v = SHARED_VECTORS.find((x) => x.id === id);
  if (!v) throw new Error(`vector ${id} is missing from ${SHARED}`);
  const r = decodeMessage(fromHex(v.hex), vectorContext(v));
  expect(r.action).toBe('none');
  expect(r.errors).toEqual([]);
  expect(r.message?.type).toBe('OPEN');
  return { v, open: r.message as OpenMessage };
}

const PAIR: Readonly<Record<string, FamilyName>> = { '1/1': 'ipv4-unicast', '2/1': 'ipv6-unicast' };

describe('negotiate: real OPENs', () => {
  const local: LocalOffer = {
    asn: 65100, routerId: '10.77.0.100', holdTime: 90, families: ['ipv4-unicast', 'ipv6-unicast'],
    addPath: { 'ipv4-unicast': 'receive', 'ipv6-unicast': 'both' }, extendedNextHop: true, extendedMessage: true,
  };

  it('BIRD 2 (v01170): 4-octet AS, both families, add-path, extended next hop and message, restarting', () => {
    const { v, open: o } = decodeOpenVector('v01170');
    expect(v.source).toBe('bird');
    expect(o.myAs).toBe(AS_TRANS);
    const n = ok(negotiate(local, o, { remoteAs: 4200000001 }));
    expect(n).toMatchObject({
      peerAs: 4200000001, peerRouterId: '10.77.0.1', holdTime: 30, keepaliveTime: 10, as4: true,
      extendedNextHop: true, extendedMessage: true, routeRefresh: true, enhancedRouteRefresh: true, longLivedGracefulRestart: true,
    });
    expect(n.families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
    // BIRD offered add-path send/receive for IPv6 only: we receive and send path ids there, nowhere else.
    expect(n.addPathReceive).toEqual(set('ipv6-unicast'));
    expect(n.addPathSend).toEqual(set('ipv6-unicast'));
    expect(n.gracefulRestart).toEqual({
      restartTime: 100, restarting: true, notification: false,
      families: [{ family: 'ipv4-unicast', forwarding: true }, { family: 'ipv6-unicast', forwarding: true }],
    });
    expect(n.peerHostname).toBeUndefined();
    expect(n.receive).toEqual({ as4: true, addPath: set('ipv6-unicast'), extendedMessage: true, ebgp: true });
    // What the capture says was negotiated on BIRD's side matches.
    expect(n.as4).toBe(v.session.as4);
    expect(n.families).toEqual(v.session.afs.map((p) => PAIR[p]));
    expect([...n.addPathReceive]).toEqual(v.session.addpath_tx.map((p) => PAIR[p]));
    expect(n.extendedNextHop).toBe(v.session.extended_nexthop);
    expect(n.extendedMessage).toBe(v.session.extended_message);
  });

  it('GoBGP 3 (v01389): FQDN, add-path for IPv4, extended next hop, restarting with forwarding state', () => {
    const { v, open: o } = decodeOpenVector('v01389');
    expect(v.source).toBe('gobgp');
    const n = ok(negotiate(local, o, { remoteAs: 65021 }));
    expect(n).toMatchObject({
      peerAs: 65021, peerRouterId: '10.77.0.21', holdTime: 45, keepaliveTime: 15, as4: true, extendedNextHop: true,
      extendedMessage: false, routeRefresh: true, enhancedRouteRefresh: false, longLivedGracefulRestart: false, peerHostname: 'vm',
    });
    expect(n.families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
    // GoBGP offered send/receive for IPv4; we offered only to receive there.
    expect(n.addPathReceive).toEqual(set('ipv4-unicast'));
    expect(n.addPathSend).toEqual(set());
    expect(n.gracefulRestart).toEqual({
      restartTime: 120, restarting: true, notification: false,
      families: [{ family: 'ipv4-unicast', forwarding: true }, { family: 'ipv6-unicast', forwarding: true }],
    });
    expect(n.send).toEqual({ as4: true, addPath: set(), extendedMessage: false, ebgp: true });
    expect([...n.addPathReceive]).toEqual(v.session.addpath_tx.map((p) => PAIR[p]));
  });

  it('GoBGP with the wrong AS configured gets Bad Peer AS', () => {
    const { open: o } = decodeOpenVector('v01389');
    const e = fails(negotiate(local, o, { remoteAs: 65022 }));
    expect([e.code, e.subcode, toHex(e.data)]).toEqual([2, 2, 'fdfd']);
  });

  it('every captured OPEN that decodes cleanly negotiates against a permissive offer', () => {
    let checked = 0;
    for (const file of availableVectorFiles()) {
      for (const v of loadVectors(file)) {
        if (v.type_name !== 'OPEN') continue;
        const r = decodeMessage(fromHex(v.hex), vectorContext(v));
        if (r.action !== 'none') continue; // e.g. the deliberately provoked hold time of 2 s
        const o = r.message as OpenMessage;
        const caps = openCapabilities(o);
        const four = caps.find((c) => c.code === 65);
        if (!four && o.myAs === 23456) {
          // RFC 6793 §9: AS_TRANS is no real AS; a peer claiming it without the 4-octet capability is refused.
          const refused = negotiate(local, o, { remoteAs: 'any' });
          expect('action' in refused && [refused.code, refused.subcode], v.id).toEqual([2, 2]);
          continue;
        }
        const n = ok(negotiate(local, o, { remoteAs: 'any' }));
        expect(n.peerAs, v.id).toBe(four && 'asn' in four ? four.asn : o.myAs);
        expect(n.holdTime, v.id).toBe(Math.min(90, o.holdTime));
        expect(n.as4, v.id).toBe(four !== undefined);
        const mps = caps.flatMap((c) => (c.code === 1 && 'afi' in c ? [PAIR[`${c.afi}/${c.safi}`]] : []));
        expect(n.families, v.id).toEqual(local.families.filter((f) => (mps.length === 0 ? f === 'ipv4-unicast' : mps.includes(f))));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
