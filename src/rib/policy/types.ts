/**
 * Routing policy as plain data: named policies of ordered terms, each a match (every condition given must
 * hold; a list inside one condition matches when any element does), attribute changes, and an action.
 * The configuration builds these (src/daemon/policy-config.ts); compile.ts turns a peer's list of policies
 * into a chain; evaluate.ts runs it on the hot path and explain.ts reports what each term did.
 *
 * Semantics (documented for operators in the README):
 * - A peer has an import chain (applied to every route it sends us, before the Loc-RIB) and an export chain
 *   (applied to every best path before it is advertised to that peer). A chain is the peer's policies in
 *   the order listed; each policy's terms in order; the first term whose action is `accept` or `reject`
 *   decides. A term with action `next` applies its changes and evaluation goes on with the next term
 *   (then the next policy), matching against the changed attributes.
 * - When no term decides, the route is rejected: the implicit deny at the end of an FRR route-map and of a
 *   BIRD filter that falls off its end. A policy list that should pass what it does not name ends with a
 *   term without match and `action: accept`.
 * - A peer with no policy in a direction: iBGP accepts and advertises everything (as before policy
 *   existed); eBGP neither accepts nor advertises anything (RFC 8212 §2, as FRR's `bgp
 *   ebgp-requires-policy` and BIRD 2, which refuses such a configuration) unless the peer or the global
 *   configuration sets `ebgpRequiresPolicy: false`.
 * - `neighbor` matches the peer the route was learned from, on import and on export alike (BIRD's `from`).
 * - Export policy sees the route as it is in the Loc-RIB (before the eBGP rewrite of export.ts), like
 *   BIRD's export filters and FRR's outbound route-maps: our own AS is prepended after the policy's
 *   prepends; a MED or next hop the policy sets survives the eBGP rewrite.
 */
import type { Family, PrefixKey } from '../../common/prefix-key.js';
import type { LargeCommunity, RouteSource } from '../types.js';

/** An address block (a prefix key: its address bits and length). */
export interface IpRange {
  readonly family: Family;
  readonly prefix: PrefixKey;
}

/** A prefix-set entry: prefixes inside `prefix` whose length lies in [ge, le] (FRR prefix-list ge/le). */
export interface PrefixRange extends IpRange {
  readonly ge: number;
  readonly le: number;
}

/** An RFC 1997 community pattern: community c matches when (c & mask) === value (wildcard halves mask 0). */
export interface CommunityPattern {
  readonly value: number;
  readonly mask: number;
}

/** An RFC 8092 large community pattern; an absent part is a wildcard. */
export interface LargeCommunityPattern {
  readonly global?: number;
  readonly local1?: number;
  readonly local2?: number;
}

/** Which of the listed values a route must carry: any one of `any` (when given) and every one of `all`. */
export interface SetMatch<T> {
  readonly any?: readonly T[];
  readonly all?: readonly T[];
}

export interface AsPathMatch {
  /** The path contains one of these ASes (in a segment of any type). */
  readonly contains?: readonly number[];
  /** The originating AS (the last AS of a path ending in an AS_SEQUENCE) is one of these. */
  readonly originAs?: readonly number[];
  /** The path length of the decision process (an AS_SET counts 1, confederation segments 0). */
  readonly minLength?: number;
  readonly maxLength?: number;
}

export interface PolicyMatch {
  readonly prefix?: readonly PrefixRange[];
  readonly family?: readonly Family[];
  /** The peer the route was learned from: its address inside one of `address`, its AS one of `asn`. */
  readonly neighbor?: { readonly address?: readonly IpRange[]; readonly asn?: readonly number[] };
  readonly communities?: SetMatch<CommunityPattern>;
  readonly largeCommunities?: SetMatch<LargeCommunityPattern>;
  readonly asPath?: AsPathMatch;
  /** The next hop lies inside one of these. */
  readonly nextHop?: readonly IpRange[];
  readonly source?: readonly RouteSource[];
  /** `Path.interface` matches one of these shell-style patterns (`*` any run, `?` one character). */
  readonly interface?: readonly string[];
}

/** Attribute changes. Each is skipped when it would change nothing; see actions.ts. */
export interface PolicySet {
  readonly localPref?: number;
  readonly med?: number;
  readonly communities?: { readonly add?: readonly number[]; readonly remove?: readonly CommunityPattern[] };
  readonly largeCommunities?: { readonly add?: readonly LargeCommunity[]; readonly remove?: readonly LargeCommunityPattern[] };
  /** Prepend `asn` (`own`: the local AS of the session) `times` times. */
  readonly prepend?: { readonly asn: number | 'own'; readonly times: number };
  /**
   * `self`: our address on the session (export only; the configuration refuses it on import). An address:
   * set on routes of the address's family, other routes keep theirs.
   */
  readonly nextHop?: 'self' | string;
}

export type TermAction = 'accept' | 'reject' | 'next';

export interface PolicyTerm {
  /** As configured, or `term <n>` (1-based) when the term has no name. */
  readonly name: string;
  readonly match: PolicyMatch;
  readonly set: PolicySet;
  readonly action: TermAction;
}

export interface Policy {
  readonly name: string;
  readonly terms: readonly PolicyTerm[];
}

/** What a chain applies to: what the evaluator needs beyond the route itself. */
export interface PolicyContext {
  /** The local AS of the session (for `prepend: own`). */
  readonly localAs: number;
  /** Our address per family on the session, for `nextHop: self` (export). */
  readonly nextHopSelf: Readonly<Partial<Record<Family, string>>>;
}
