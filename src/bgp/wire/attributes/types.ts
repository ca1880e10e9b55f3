/**
 * Path attributes as plain typed data: a discriminated union on `type`, one member per attribute the codec
 * understands and `unknown` for the rest. Every member keeps the `flags` octet as received, so a decoded
 * UPDATE re-encodes to the same bytes (including an extended-length bit set on a short attribute).
 */
import type { NlriList } from '../nlri.js';

export type Origin = 'igp' | 'egp' | 'incomplete';
export const ORIGINS: readonly Origin[] = ['igp', 'egp', 'incomplete'];

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

interface Base {
  readonly flags: number;
}

export interface OriginAttr extends Base { readonly type: 'origin'; readonly origin: Origin }
export interface AsPathAttr extends Base { readonly type: 'as-path'; readonly segments: readonly AsPathSegment[] }
export interface NextHopAttr extends Base { readonly type: 'next-hop'; readonly nextHop: string }
export interface MedAttr extends Base { readonly type: 'med'; readonly med: number }
export interface LocalPrefAttr extends Base { readonly type: 'local-pref'; readonly localPref: number }
export interface AtomicAggregateAttr extends Base { readonly type: 'atomic-aggregate' }
export interface AggregatorAttr extends Base { readonly type: 'aggregator'; readonly asn: number; readonly address: string }
/** RFC 1997 communities, each a 32-bit number (high 16 bits the AS). */
export interface CommunitiesAttr extends Base { readonly type: 'communities'; readonly communities: readonly number[] }
export interface OriginatorIdAttr extends Base { readonly type: 'originator-id'; readonly originatorId: string }
export interface ClusterListAttr extends Base { readonly type: 'cluster-list'; readonly clusterList: readonly string[] }

export interface MpReachAttr extends Base {
  readonly type: 'mp-reach';
  readonly afi: number;
  readonly safi: number;
  /** The next-hop field as on the wire (4, 16 or 32 octets for the unicast families). */
  readonly nextHop: Uint8Array;
  /** The octet after the next hop: reserved (RFC 4760 §3, formerly the SNPA count); kept for re-encoding. */
  readonly reserved: number;
  readonly nlri: NlriList;
}

export interface MpUnreachAttr extends Base {
  readonly type: 'mp-unreach';
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: NlriList;
}

/** RFC 4360 extended communities, 8 octets each (type, subtype, 6 value octets). */
export interface ExtendedCommunitiesAttr extends Base {
  readonly type: 'extended-communities';
  readonly communities: readonly Uint8Array[];
}

export interface As4PathAttr extends Base { readonly type: 'as4-path'; readonly segments: readonly AsPathSegment[] }
export interface As4AggregatorAttr extends Base { readonly type: 'as4-aggregator'; readonly asn: number; readonly address: string }
export interface LargeCommunitiesAttr extends Base { readonly type: 'large-communities'; readonly communities: readonly LargeCommunity[] }
/** RFC 9234 Only-to-Customer. */
export interface OtcAttr extends Base { readonly type: 'otc'; readonly asn: number }

export interface UnknownAttr extends Base {
  readonly type: 'unknown';
  readonly code: number;
  readonly value: Uint8Array;
}

export type PathAttribute =
  | OriginAttr
  | AsPathAttr
  | NextHopAttr
  | MedAttr
  | LocalPrefAttr
  | AtomicAggregateAttr
  | AggregatorAttr
  | CommunitiesAttr
  | OriginatorIdAttr
  | ClusterListAttr
  | MpReachAttr
  | MpUnreachAttr
  | ExtendedCommunitiesAttr
  | As4PathAttr
  | As4AggregatorAttr
  | LargeCommunitiesAttr
  | OtcAttr
  | UnknownAttr;

export type PathAttributeType = PathAttribute['type'];
export type KnownAttribute = Exclude<PathAttribute, UnknownAttr>;
export type AttributeOf<T extends PathAttributeType> = Extract<PathAttribute, { type: T }>;
