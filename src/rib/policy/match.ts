/**
 * Whether a route satisfies a term's match. Every condition given must hold; inside one condition, a list
 * matches when any element does (SetMatch: any one of `any`, every one of `all`).
 *
 * Hot path: nothing here allocates for a route. Addresses in text (the source peer's address, the next
 * hop, the interface name) are looked up in per-matcher caches keyed by that text, so each distinct value
 * is parsed once.
 */
import { asPathLength, containsAs, originAs } from '../as-path.js';
import { addressKeyOf } from '../prefix.js';
import type { LargeCommunity, Path, PathAttributes, PrefixKey } from '../types.js';
import { covers, inPrefixRange, rangeMatcher, type RangeMatcher } from './prefix-match.js';
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
  if (m.prefix && !anyRange(m.prefix, path.prefix)) return false;
  if (d.source && !d.source.includes(path.source)) return false;
  if (d.neighbor) {
    const peer = path.peer;
    if (!peer) return false;
    if (d.neighbor.asn && !d.neighbor.asn.includes(peer.asn)) return false;
    if (m.neighborAddress && !m.neighborAddress.has(peer.address)) return false;
  }
  if (m.interface && (path.interface === undefined || !m.interface.has(path.interface))) return false;
  if (m.nextHop && !m.nextHop.has(attrs.nextHop)) return false;
  if (d.communities && !communitiesMatch(d.communities, attrs.communities)) return false;
  if (d.largeCommunities && !largeCommunitiesMatch(d.largeCommunities, attrs.largeCommunities)) return false;
  if (d.asPath) {
    const a = d.asPath;
    if (a.contains && !containsAny(attrs.asPath, a.contains)) return false;
    if (a.originAs) {
      const origin = originAs(attrs.asPath);
      if (origin === undefined || !a.originAs.includes(origin)) return false;
    }
    if (a.minLength !== undefined || a.maxLength !== undefined) {
      const n = asPathLength(attrs.asPath);
      if (n < (a.minLength ?? 0) || n > (a.maxLength ?? Infinity)) return false;
    }
  }
  return true;
}

function anyRange(ranges: readonly RangeMatcher[], key: PrefixKey): boolean {
  for (const r of ranges) if (inPrefixRange(r, key)) return true;
  return false;
}

function containsAny(path: PathAttributes['asPath'], asns: readonly number[]): boolean {
  for (const asn of asns) if (containsAs(path, asn)) return true;
  return false;
}

// The two set matches below are one shape written twice: a generic version would take the element test as
// a callback, and a closure per route is what the hot path must not allocate.

function communitiesMatch(m: SetMatch<CommunityPattern>, values: readonly number[]): boolean {
  if (m.any) {
    let found = false;
    for (const p of m.any) if ((found = carriesCommunity(p, values))) break;
    if (!found) return false;
  }
  if (m.all) for (const p of m.all) if (!carriesCommunity(p, values)) return false;
  return true;
}

function carriesCommunity(p: CommunityPattern, values: readonly number[]): boolean {
  for (const c of values) if (communityMatches(p, c)) return true;
  return false;
}

function largeCommunitiesMatch(m: SetMatch<LargeCommunityPattern>, values: readonly LargeCommunity[]): boolean {
  if (m.any) {
    let found = false;
    for (const p of m.any) if ((found = carriesLarge(p, values))) break;
    if (!found) return false;
  }
  if (m.all) for (const p of m.all) if (!carriesLarge(p, values)) return false;
  return true;
}

function carriesLarge(p: LargeCommunityPattern, values: readonly LargeCommunity[]): boolean {
  for (const c of values) if (largeMatches(p, c)) return true;
  return false;
}

export function communityMatches(p: CommunityPattern, c: number): boolean {
  return ((c & p.mask) >>> 0) === p.value;
}

export function largeMatches(p: LargeCommunityPattern, c: LargeCommunity): boolean {
  return (p.global === undefined || p.global === c.global) && (p.local1 === undefined || p.local1 === c.local1) &&
    (p.local2 === undefined || p.local2 === c.local2);
}
