/**
 * The RIB's own vocabulary: interned attribute sets, paths and the peers they come from (prefixes and
 * families are src/common/prefix-key.ts, shared with the kernel side). The RIB imports nothing else of the
 * project; src/bgp converts wire messages into these types.
 *
 * Invariants: a `PathAttributes` object is immutable and interned (identical sets are one object, so
 * comparing or grouping by identity is exact); a `Path` is immutable (policy returns a new path).
 */
import type { Family, PrefixKey } from '../common/prefix-key.js';

export type Origin = 0 | 1 | 2; // igp, egp, incomplete (RFC 4271 §5.1.1)

export type AsPathSegmentType = 'set' | 'sequence' | 'confed-sequence' | 'confed-set';

export interface AsPathSegment {
  readonly type: AsPathSegmentType;
  readonly asns: readonly number[];
}

export interface LargeCommunity {
  readonly global: number;
  readonly local1: number;
  readonly local2: number;
}

export interface UnknownAttribute {
  readonly code: number;
  readonly flags: number;
  readonly value: Uint8Array;
}

/** A path attribute set, interned by the AttributeStore. */
export interface PathAttributes {
  readonly origin: Origin;
  /** The real (4-octet) AS path. */
  readonly asPath: readonly AsPathSegment[];
  /** Next hop as text: IPv4 dotted quad or IPv6 (global; link-local in `nextHopLinkLocal`). */
  readonly nextHop: string;
  readonly nextHopLinkLocal?: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate: boolean;
  readonly aggregator?: { readonly asn: number; readonly address: string };
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  /** 8-octet extended communities. */
  readonly extendedCommunities: readonly Uint8Array[];
  readonly originatorId?: string;
  readonly clusterList: readonly string[];
  readonly otc?: number;
  /** Unrecognized optional transitive attributes, passed on with the Partial bit. */
  readonly unknown: readonly UnknownAttribute[];
}

export type RouteSource = 'bgp' | 'static' | 'connected' | 'ipam';

/** What the RIB knows of the neighbour a path came from. */
export interface PeerRef {
  /** Unique key (the peer's address). */
  readonly key: string;
  readonly address: string;
  /** The address as a comparable number/string for the last tie-break (RFC 4271 §9.1.2.2 (g)). */
  readonly addressKey: string;
  readonly asn: number;
  readonly localAs: number;
  readonly routerId: string;
  readonly ibgp: boolean;
  /** A route-reflector client of ours (RFC 4456). */
  readonly rrClient: boolean;
}

/** The "peer" of locally originated routes. */
export const LOCAL_PEER_KEY = 'local';

export interface Path {
  readonly family: Family;
  readonly prefix: PrefixKey;
  readonly pathId: number;
  readonly attrs: PathAttributes;
  readonly source: RouteSource;
  /** undefined for local routes. */
  readonly peer: PeerRef | undefined;
  /**
   * The device the route leaves through, when the source knows it: the interface of a connected subnet, the
   * tunnel device of an overlay route. Policy matches on it (`interface`); BGP-learned paths have none.
   */
  readonly interface?: string;
  /** Kept through a graceful restart of its peer until End-of-RIB or the restart timer (RFC 4724 §4.2). */
  readonly stale: boolean;
  /** IGP cost to the next hop when known (from the kernel's view), else undefined. */
  readonly igpCost?: number;
  /** When the path was received (ms), for display only; never compared. */
  readonly receivedAt: number;
}

/** The steps of the decision process, numbered as in decision.ts and RFC 4271 §9.1.2.2 / RFC 4456 §9. */
export type DecisionStep =
  | 'only-path'
  | 'local-pref'
  | 'as-path-length'
  | 'origin'
  | 'med'
  | 'ebgp-over-ibgp'
  | 'igp-cost'
  | 'router-id'
  | 'cluster-list-length'
  | 'peer-address'
  | 'path-id';

export interface DecisionOptions {
  /** Compare MED between paths from different neighbouring ASes (BIRD `med metric`, FRR `always-compare-med`). */
  readonly alwaysCompareMed: boolean;
  /** A missing MED counts as the worst value instead of 0 (RFC 4271 says 0; FRR `missing-as-worst`). */
  readonly missingMedAsWorst: boolean;
  /** Paths equal through the IGP-cost step form an ECMP set of at most this many (1 = no multipath). */
  readonly maxPaths: number;
  /** eBGP multipath across different neighbouring ASes (FRR `multipath-relax`). */
  readonly multipathRelax: boolean;
}

export const DEFAULT_DECISION: DecisionOptions = { alwaysCompareMed: false, missingMedAsWorst: false, maxPaths: 1, multipathRelax: false };
