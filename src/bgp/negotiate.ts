/**
 * What two OPENs agree on (RFC 4271 §4.2, RFC 5492), and the OPEN checks that need configuration
 * (RFC 4271 §6.2): peer AS, BGP identifier, hold time, required capabilities.
 *
 * - Families: the intersection of multiprotocol capabilities; a speaker that sends none speaks IPv4 unicast
 *   only (RFC 4760 §8).
 * - 4-octet AS (RFC 6793): both must advertise it; the peer's AS is the capability's when present.
 * - Add-path (RFC 7911 §4): we receive path identifiers for a family when we offered to receive and the peer
 *   offered to send; we send them when we offered to send and the peer offered to receive.
 * - Extended next hop (RFC 8950 §4), extended message (RFC 8654), (enhanced) route refresh: both sides.
 * - Hold time: the smaller of the two; 0 means no keepalives; 1 and 2 are refused by the decoder.
 */
import {
  AS_TRANS, CapabilityCode, ErrorCode, OpenSubcode, familyOf, makeContext, openAsn, openCapabilities, wireError, buildOpen,
  type Capability, type CodecContext, type FamilyName, type OpenMessage, type WireError, type GracefulRestartCap,
  type AddPathCap, type ExtendedNextHopCap, type FourOctetAsCap, type FqdnCap, type MultiprotocolCap, type LongLivedGrCap,
} from './wire/index.js';

export type AddPathDirection = 'receive' | 'send' | 'both';

/** What we offer in our OPEN: the local half of negotiation. */
export interface LocalOffer {
  readonly asn: number;
  readonly routerId: string;
  readonly holdTime: number;
  /** Configured keepalive interval; default hold/3. */
  readonly keepaliveTime?: number;
  readonly families: readonly FamilyName[];
  readonly addPath?: Readonly<Partial<Record<FamilyName, AddPathDirection>>>;
  /** Families for which we accept an IPv6 next hop for IPv4 NLRI (RFC 8950): only ipv4-unicast matters. */
  readonly extendedNextHop?: boolean;
  readonly extendedMessage?: boolean;
  readonly gracefulRestart?: {
    readonly restartTime: number;
    /** R bit: we are restarting. */
    readonly restarting: boolean;
    /** F bit per family: forwarding state was preserved. */
    readonly forwardingPreserved: boolean;
    /** N bit (RFC 8538). */
    readonly notification?: boolean;
  };
  readonly hostname?: string;
}

/** What the peer must look like. */
export interface PeerExpectation {
  /** The AS the peer must have: one AS, a list (dynamic neighbours), or any. */
  readonly remoteAs: number | readonly number[] | 'any';
  /** Capabilities the peer must advertise, by code (RFC 5492 §5: Unsupported Capability otherwise). */
  readonly requiredCapabilities?: readonly number[];
}

export interface PeerGracefulRestart {
  readonly restartTime: number;
  readonly restarting: boolean;
  readonly notification: boolean;
  /** Families the peer keeps state for, with its forwarding-state bit. */
  readonly families: readonly { readonly family: FamilyName; readonly forwarding: boolean }[];
}

export interface Negotiated {
  readonly peerAs: number;
  readonly peerRouterId: string;
  readonly holdTime: number;
  readonly keepaliveTime: number;
  readonly as4: boolean;
  readonly families: readonly FamilyName[];
  readonly addPathReceive: ReadonlySet<FamilyName>;
  readonly addPathSend: ReadonlySet<FamilyName>;
  readonly extendedNextHop: boolean;
  readonly extendedMessage: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  /** The peer's graceful restart capability, when it sent one (we are its helper). */
  readonly gracefulRestart?: PeerGracefulRestart;
  readonly longLivedGracefulRestart: boolean;
  readonly peerHostname?: string;
  readonly peerCapabilities: readonly Capability[];
  /** Context to decode what the peer sends. */
  readonly receive: CodecContext;
  /** Context to encode what we send. */
  readonly send: CodecContext;
}

const ADD_PATH_BITS: Readonly<Record<AddPathDirection, number>> = { receive: 1, send: 2, both: 3 };

function familyName(afi: number, safi: number): FamilyName | undefined {
  return familyOf(afi, safi)?.name;
}

/** The capabilities we advertise for this offer, in the order BIRD uses. */
export function offeredCapabilities(o: LocalOffer): Capability[] {
  const caps: Capability[] = [];
  for (const f of o.families) {
    const fam = f === 'ipv4-unicast' ? { afi: 1, safi: 1 } : { afi: 2, safi: 1 };
    caps.push({ code: 1, name: 'multiprotocol', ...fam, reserved: 0 });
  }
  caps.push({ code: 2, name: 'route-refresh' });
  if (o.extendedNextHop && o.families.includes('ipv4-unicast')) {
    caps.push({ code: 5, name: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] });
  }
  if (o.extendedMessage) caps.push({ code: 6, name: 'extended-message' });
  if (o.gracefulRestart) {
    const g = o.gracefulRestart;
    const flags = (g.restarting ? 0x8 : 0) | (g.notification ? 0x4 : 0);
    caps.push({
      code: 64, name: 'graceful-restart', restartState: g.restarting, notification: Boolean(g.notification), flags,
      restartTime: g.restartTime,
      families: o.families.map((f) => ({ afi: f === 'ipv4-unicast' ? 1 : 2, safi: 1, flags: g.forwardingPreserved ? 0x80 : 0, forwarding: g.forwardingPreserved })),
    });
  }
  caps.push({ code: 65, name: 'four-octet-as', asn: o.asn });
  const addPath = Object.entries(o.addPath ?? {}).filter(([f]) => o.families.includes(f as FamilyName));
  if (addPath.length > 0) {
    caps.push({
      code: 69, name: 'add-path',
      families: addPath.map(([f, dir]) => ({ afi: f === 'ipv4-unicast' ? 1 : 2, safi: 1, sendReceive: ADD_PATH_BITS[dir!], mode: dir! })),
    });
  }
  caps.push({ code: 70, name: 'enhanced-route-refresh' });
  if (o.hostname) caps.push({ code: 73, name: 'fqdn', hostname: o.hostname.slice(0, 64), domain: '' });
  return caps;
}

export function buildLocalOpen(o: LocalOffer): OpenMessage {
  return buildOpen({ asn: o.asn, holdTime: o.holdTime, routerId: o.routerId, capabilities: offeredCapabilities(o) });
}

function find<C extends Capability>(caps: readonly Capability[], code: number): C | undefined {
  return caps.find((c) => c.code === code) as C | undefined;
}

const openError = (subcode: number, reason: string, data?: Uint8Array): WireError =>
  wireError('session-reset', ErrorCode.OPEN_MESSAGE, subcode, reason, data);

function asData(asn: number): Uint8Array {
  const b = new Uint8Array(asn > 0xffff ? 4 : 2);
  const dv = new DataView(b.buffer);
  if (asn > 0xffff) dv.setUint32(0, asn);
  else dv.setUint16(0, asn);
  return b;
}

function peerFamilies(remote: readonly Capability[]): FamilyName[] {
  const mp = remote.filter((c): c is MultiprotocolCap => c.code === CapabilityCode.MULTIPROTOCOL);
  if (mp.length === 0) return ['ipv4-unicast'];
  return mp.map((c) => familyName(c.afi, c.safi)).filter((f): f is FamilyName => f !== undefined);
}

function addPathSets(o: LocalOffer, remote: readonly Capability[], families: readonly FamilyName[]) {
  const receive = new Set<FamilyName>();
  const send = new Set<FamilyName>();
  const theirs = find<AddPathCap>(remote, CapabilityCode.ADD_PATH);
  for (const f of theirs?.families ?? []) {
    const name = familyName(f.afi, f.safi);
    const mine = name && o.addPath?.[name];
    if (!name || !mine || !families.includes(name)) continue;
    const my = ADD_PATH_BITS[mine];
    if (my & 1 && f.sendReceive & 2) receive.add(name);
    if (my & 2 && f.sendReceive & 1) send.add(name);
  }
  return { receive, send };
}

function peerGracefulRestart(remote: readonly Capability[]): PeerGracefulRestart | undefined {
  const gr = find<GracefulRestartCap>(remote, CapabilityCode.GRACEFUL_RESTART);
  if (!gr) return undefined;
  const families = gr.families
    .map((f) => ({ family: familyName(f.afi, f.safi), forwarding: f.forwarding }))
    .filter((f): f is { family: FamilyName; forwarding: boolean } => f.family !== undefined);
  return { restartTime: gr.restartTime, restarting: gr.restartState, notification: gr.notification, families };
}

/**
 * Check the peer's OPEN against our offer and expectations and work out the session. Returns the OPEN error
 * to send (as a session-reset WireError) when the OPEN is not acceptable.
 */
export function negotiate(o: LocalOffer, remote: OpenMessage, expect: PeerExpectation): Negotiated | WireError {
  const caps = openCapabilities(remote);
  const peerAs = openAsn(remote);
  const four = find<FourOctetAsCap>(caps, CapabilityCode.FOUR_OCTET_AS);
  const allowed = expect.remoteAs;
  const asOk = allowed === 'any' || (typeof allowed === 'number' ? allowed === peerAs : allowed.includes(peerAs));
  if (!asOk || (!four && peerAs === AS_TRANS && allowed !== AS_TRANS)) {
    return openError(OpenSubcode.BAD_PEER_AS, `peer AS ${peerAs} is not the configured ${Array.isArray(allowed) ? allowed.join(',') : String(allowed)}`, asData(peerAs));
  }
  // RFC 6286 §2.2: the identifiers must differ inside an AS; across ASes equal identifiers are allowed.
  if (remote.routerId === o.routerId && peerAs === o.asn) {
    return openError(OpenSubcode.BAD_BGP_IDENTIFIER, `peer BGP identifier ${remote.routerId} equals ours`);
  }
  const holdTime = Math.min(o.holdTime, remote.holdTime);
  if (holdTime > 0 && holdTime < 3) return openError(OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${holdTime} s`);
  for (const code of expect.requiredCapabilities ?? []) {
    if (!caps.some((c) => c.code === code)) {
      return openError(OpenSubcode.UNSUPPORTED_CAPABILITY, `peer lacks required capability ${code}`, Uint8Array.of(code, 0));
    }
  }
  const theirs = peerFamilies(caps);
  const families = o.families.filter((f) => theirs.includes(f));
  if (families.length === 0) {
    const mine = offeredCapabilities(o).filter((c) => c.code === 1) as MultiprotocolCap[];
    const data = new Uint8Array(mine.length * 6);
    mine.forEach((c, i) => data.set([1, 4, 0, c.afi, 0, c.safi], i * 6));
    return openError(OpenSubcode.UNSUPPORTED_CAPABILITY, `no address family in common (peer: ${theirs.join(', ') || 'none'})`, data);
  }
  const as4 = four !== undefined;
  const { receive, send } = addPathSets(o, caps, families);
  const enh = find<ExtendedNextHopCap>(caps, CapabilityCode.EXTENDED_NEXT_HOP);
  const extendedNextHop = Boolean(o.extendedNextHop) && Boolean(enh?.entries.some((e) => e.afi === 1 && e.safi === 1 && e.nextHopAfi === 2));
  const extendedMessage = Boolean(o.extendedMessage) && caps.some((c) => c.code === CapabilityCode.EXTENDED_MESSAGE);
  const keepaliveTime = holdTime === 0 ? 0 : Math.max(1, Math.min(o.keepaliveTime ?? Math.floor(holdTime / 3), Math.floor(holdTime / 3)));
  const fqdn = find<FqdnCap>(caps, CapabilityCode.FQDN);
  const gracefulRestart = peerGracefulRestart(caps);
  return {
    peerAs, peerRouterId: remote.routerId, holdTime, keepaliveTime, as4, families,
    addPathReceive: receive, addPathSend: send, extendedNextHop, extendedMessage,
    routeRefresh: caps.some((c) => c.code === CapabilityCode.ROUTE_REFRESH || c.code === CapabilityCode.ROUTE_REFRESH_CISCO),
    enhancedRouteRefresh: caps.some((c) => c.code === CapabilityCode.ENHANCED_ROUTE_REFRESH),
    ...(gracefulRestart ? { gracefulRestart } : {}),
    longLivedGracefulRestart: find<LongLivedGrCap>(caps, CapabilityCode.LONG_LIVED_GRACEFUL_RESTART) !== undefined,
    ...(fqdn ? { peerHostname: fqdn.hostname } : {}),
    peerCapabilities: caps,
    receive: makeContext({ as4, addPath: receive, extendedMessage, ebgp: peerAs !== o.asn }),
    send: makeContext({ as4, addPath: send, extendedMessage, ebgp: peerAs !== o.asn }),
  };
}
