/**
 * Whether a route satisfies a term's match. Every condition given must hold; inside one condition, a list
 * matches when any element does (SetMatch: any one of `any`, every one of `all`).
 *
 * Hot path: nothing here allocates for a route (loops are indexed: a for-of iterator is an allocation where
 * V8 does not inline). Addresses in text (the source peer's address, the next
 * hop, the interface name) are looked up in per-matcher caches keyed by that text, so each distinct value
 * is parsed once.
 */
import { asPathLength } from '../as-path.js';
import { addressKeyOf } from '../../common/prefix-key.js';
import type { AsPathSegment, LargeCommunity, Path, PathAttributes, PeerRef } from '../types.js';
import { covers, rangeMatcher, routeInRanges, type RangeMatcher } from './prefix-match.js';
import type { CommunityPattern, IpRange, LargeCommunityPattern, PolicyMatch, SetMatch } from './types.js';

/** The number of distinct texts a cache keeps before it starts over (a bound, not a tuning knob). */
const CACHE_LIMIT = 4096;

/** A match prepared for evaluation. */
export interface CompiledMatch {
  readonly def: PolicyMatch;
  readonly prefix: readonly RangeMatcher[] | undefined;
  readonly neighborAddress: AddressTest | undefined;
  readonly nextHop: AddressTest | undefined;
  readonly interface: TextTest | undefined;
  /** Whether the outcome depends on the route's prefix, peer, source or interface (beyond its attributes and family). */
  readonly routeDependent: boolean;
  /** Whether the outcome depends on the route's prefix or interface, which differ between routes of one peer. */
  readonly prefixDependent: boolean;
}

/** A test of a text value, with its answers cached per text. */
class TextTest {
  private readonly cache = new Map<string, boolean>();
  constructor(private readonly test: (text: string) => boolean) {}

  has(text: string): boolean {
    let r = this.cache.get(text);
    if (r === undefined) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      r = this.test(text);
      this.cache.set(text, r);
    }
    return r;
  }
}

type AddressTest = TextTest;

function addressTest(ranges: readonly IpRange[]): AddressTest {
  const matchers = ranges.map(rangeMatcher);
  return new TextTest((text) => {
    const a = addressKeyOf(text);
    return a !== undefined && matchers.some((m) => covers(m, a.key));
  });
}

/** `*` any run of characters, `?` one character; everything else literal. */
export function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function compileMatch(def: PolicyMatch): CompiledMatch {
  const globs = def.interface?.map(globRegExp);
  const prefixDependent = def.prefix !== undefined || def.interface !== undefined;
  return {
    def,
    prefix: def.prefix?.map(rangeMatcher),
    neighborAddress: def.neighbor?.address ? addressTest(def.neighbor.address) : undefined,
    nextHop: def.nextHop ? addressTest(def.nextHop) : undefined,
    interface: globs ? new TextTest((name) => globs.some((g) => g.test(name))) : undefined,
    prefixDependent,
    routeDependent: prefixDependent || def.neighbor !== undefined || def.source !== undefined,
  };
}

/** Whether `path` (with its attributes as changed so far, `attrs`) satisfies the match. */
export function matches(m: CompiledMatch, path: Path, attrs: PathAttributes): boolean {
  const d = m.def;
  if (d.family && !d.family.includes(path.family)) return false;
  if (m.prefix && !routeInRanges(m.prefix, path)) return false;
  if (d.source && !d.source.includes(path.source)) return false;
  if (d.neighbor) {
    const peer = path.peer;
    if (!peer) return false;
    if (d.neighbor.asn && !peerAsIn(d.neighbor.asn, peer)) return false;
    if (m.neighborAddress && !m.neighborAddress.has(peer.address)) return false;
  }
  if (m.interface && (path.interface === undefined || !m.interface.has(path.interface))) return false;
  if (m.nextHop && !m.nextHop.has(attrs.nextHop)) return false;
  if (d.communities && !setMatches(d.communities, attrs.communities, carriesCommunity)) return false;
  if (d.largeCommunities && !setMatches(d.largeCommunities, attrs.largeCommunities, carriesLarge)) return false;
  if (d.asPath) {
    const a = d.asPath;
    if (a.contains && !containsAny(a.contains, attrs.asPath)) return false;
    if (a.originAs && !originIn(a.originAs, attrs.asPath)) return false;
    if (a.minLength !== undefined || a.maxLength !== undefined) {
      const n = asPathLength(attrs.asPath);
      if (n < (a.minLength ?? 0) || n > (a.maxLength ?? Infinity)) return false;
    }
  }
  return true;
}

// AS numbers and communities above 2^31 are doubles. The helpers below take the containers (the peer, the
// path, the list) and compare the numbers where they read them: a double handed to a function V8 did not
// inline is boxed, an allocation per route (see prefix-match.ts).

function peerAsIn(list: readonly number[], peer: PeerRef): boolean {
  const asn = peer.asn;
  for (let i = 0; i < list.length; i++) if (list[i] === asn) return true;
  return false;
}

function containsAny(list: readonly number[], path: readonly AsPathSegment[]): boolean {
  for (let s = 0; s < path.length; s++) {
    const asns = path[s]!.asns;
    for (let j = 0; j < asns.length; j++) {
      const asn = asns[j];
      for (let i = 0; i < list.length; i++) if (list[i] === asn) return true;
    }
  }
  return false;
}

/** The originating AS (see as-path.ts `originAs`) is in the list. */
function originIn(list: readonly number[], path: readonly AsPathSegment[]): boolean {
  const last = path[path.length - 1];
  if (!last || last.type !== 'sequence' || last.asns.length === 0) return false;
  const origin = last.asns[last.asns.length - 1];
  for (let i = 0; i < list.length; i++) if (list[i] === origin) return true;
  return false;
}

function setMatches<P, V>(m: SetMatch<P>, values: readonly V[], carries: (p: P, values: readonly V[]) => boolean): boolean {
  if (m.any) {
    let found = false;
    for (let i = 0; i < m.any.length && !found; i++) found = carries(m.any[i]!, values);
    if (!found) return false;
  }
  if (m.all) for (let i = 0; i < m.all.length; i++) if (!carries(m.all[i]!, values)) return false;
  return true;
}

function carriesCommunity(p: CommunityPattern, values: readonly number[]): boolean {
  for (let i = 0; i < values.length; i++) if (((values[i]! & p.mask) >>> 0) === p.value) return true;
  return false;
}

function carriesLarge(p: LargeCommunityPattern, values: readonly LargeCommunity[]): boolean {
  for (let i = 0; i < values.length; i++) if (largeMatches(p, values[i]!)) return true;
  return false;
}

export function communityMatches(p: CommunityPattern, c: number): boolean {
  return ((c & p.mask) >>> 0) === p.value;
}

export function largeMatches(p: LargeCommunityPattern, c: LargeCommunity): boolean {
  return (p.global === undefined || p.global === c.global) && (p.local1 === undefined || p.local1 === c.local1) &&
    (p.local2 === undefined || p.local2 === c.local2);
}
