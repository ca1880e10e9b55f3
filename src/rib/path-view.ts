/**
 * Paths and attribute sets as plain, JSON-safe data for people and `bgpctl`: AS paths as BIRD and FRR print
 * them, communities as `65000:100`, large communities as `a:b:c`. Shared by every explanation.
 */
import type { AsPathSegment, Path, PathAttributes } from './types.js';

const ORIGIN_NAMES = ['igp', 'egp', 'incomplete'] as const;

/** The attributes of a route, as shown. */
export interface AttributesView {
  readonly nextHop: string;
  readonly nextHopLinkLocal?: string;
  readonly asPath: string;
  readonly origin: (typeof ORIGIN_NAMES)[number];
  readonly localPref?: number;
  readonly med?: number;
  readonly communities: readonly string[];
  readonly largeCommunities: readonly string[];
  readonly originatorId?: string;
  readonly clusterList: readonly string[];
}

export interface PathView extends AttributesView {
  /** Where it came from: the peer's address, or `local` for static, connected and IPAM routes. */
  readonly from: string;
  readonly source: Path['source'];
  /** The device a local route leaves through, when its source knows it (connected subnets). */
  readonly interface?: string;
  readonly pathId: number;
  readonly peerAs?: number;
  readonly ibgp?: boolean;
  /** Kept through the peer's graceful restart (RFC 4724 §4.2). */
  readonly stale: boolean;
  /** When it was received (ms); 0 for a route import policy rejected (the Adj-RIB-In keeps no time). */
  readonly receivedAt: number;
}

export function formatAsPath(segments: readonly AsPathSegment[]): string {
  return segments.map((s) => {
    const asns = s.asns.join(' ');
    switch (s.type) {
      case 'sequence': return asns;
      case 'set': return `{${asns}}`;
      case 'confed-sequence': return `(${asns})`;
      case 'confed-set': return `[${asns}]`;
    }
  }).join(' ');
}

export function attributesView(a: PathAttributes): AttributesView {
  return {
    nextHop: a.nextHop,
    ...(a.nextHopLinkLocal ? { nextHopLinkLocal: a.nextHopLinkLocal } : {}),
    asPath: formatAsPath(a.asPath),
    origin: ORIGIN_NAMES[a.origin],
    ...(a.localPref !== undefined ? { localPref: a.localPref } : {}),
    ...(a.med !== undefined ? { med: a.med } : {}),
    communities: a.communities.map((c) => `${c >>> 16}:${c & 0xffff}`),
    largeCommunities: a.largeCommunities.map((c) => `${c.global}:${c.local1}:${c.local2}`),
    ...(a.originatorId ? { originatorId: a.originatorId } : {}),
    clusterList: a.clusterList,
  };
}

export function pathView(p: Path): PathView {
  return {
    from: p.peer?.key ?? 'local',
    source: p.source,
    ...(p.interface ? { interface: p.interface } : {}),
    pathId: p.pathId,
    ...attributesView(p.attrs),
    ...(p.peer ? { peerAs: p.peer.asn, ibgp: p.peer.ibgp } : {}),
    stale: p.stale,
    receivedAt: p.receivedAt,
  };
}
