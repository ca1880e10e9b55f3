/**
 * Explanations: for one prefix, every candidate path, which one won and at which decision step, why each
 * other path lost (the step at which the best beats it) or can never be selected (AS loop, own ORIGINATOR_ID,
 * cluster loop: RFC 4271 §9.1.2, RFC 4456 §8), and where each came from. Plain data, for `bgpctl explain`
 * and `bgpctl show routes PREFIX`.
 */
import { selectBest, stepNumber, type LostAt } from './decision.js';
import type { LocRib } from './loc-rib.js';
import { formatPrefixKey } from './prefix.js';
import type { AsPathSegment, DecisionOptions, DecisionStep, Family, Path, PrefixKey } from './types.js';

const ORIGIN_NAMES = ['igp', 'egp', 'incomplete'] as const;

export interface PathView {
  /** Where it came from: the peer's address, or `local` for static, connected and IPAM routes. */
  readonly from: string;
  readonly source: Path['source'];
  readonly pathId: number;
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
  readonly peerAs?: number;
  readonly ibgp?: boolean;
  /** Kept through the peer's graceful restart (RFC 4724 §4.2). */
  readonly stale: boolean;
  readonly receivedAt: number;
}

export type CandidateStatus =
  | { readonly status: 'best'; readonly decidedAt: DecisionStep }
  | { readonly status: 'multipath' }
  | { readonly status: 'lost'; readonly lostAt: DecisionStep }
  | { readonly status: 'ineligible'; readonly reason: string };

export type Candidate = PathView & CandidateStatus;

export interface RouteExplanation {
  readonly family: Family;
  readonly prefix: string;
  /** Best first, then the rest of the ECMP set, then the losers in decision order, then the ineligible. */
  readonly candidates: readonly Candidate[];
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

export function pathView(p: Path): PathView {
  const a = p.attrs;
  return {
    from: p.peer?.key ?? 'local',
    source: p.source,
    pathId: p.pathId,
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
    ...(p.peer ? { peerAs: p.peer.asn, ibgp: p.peer.ibgp } : {}),
    stale: p.stale,
    receivedAt: p.receivedAt,
  };
}

/** Everything the RIB knows about one prefix; undefined when it has no paths. */
export function explainPrefix(rib: LocRib, family: Family, prefix: PrefixKey, options: DecisionOptions): RouteExplanation | undefined {
  const entry = rib.get(family, prefix);
  if (!entry || entry.paths.length === 0) return undefined;
  const eligible = entry.paths.filter((p) => rib.ineligibleReason(p) === undefined);
  const selection = selectBest(eligible, options);
  const lost = new Map<Path, LostAt>(selection.steps.map((s) => [s.path, s]));
  const out: Candidate[] = [];
  for (const p of selection.multipath) {
    out.push(p === selection.best
      ? { ...pathView(p), status: 'best', decidedAt: selection.decidedAt ?? 'only-path' }
      : { ...pathView(p), status: 'multipath' });
  }
  const losers = eligible.filter((p) => !selection.multipath.includes(p)).sort((x, y) => order(lost.get(x)) - order(lost.get(y)));
  for (const p of losers) out.push({ ...pathView(p), status: 'lost', lostAt: lost.get(p)?.lostAt ?? 'path-id' });
  for (const p of entry.paths) {
    const reason = rib.ineligibleReason(p);
    if (reason !== undefined) out.push({ ...pathView(p), status: 'ineligible', reason });
  }
  return { family, prefix: formatPrefixKey(prefix), candidates: out };
}

/** Losers that fell later in the decision process were closer to winning: list them first. */
function order(l: LostAt | undefined): number {
  return l ? -stepNumber(l.lostAt) : 0;
}

export interface RouteSummary {
  readonly family: Family;
  readonly prefix: string;
  readonly best: PathView;
  /** Candidates, and how many of them are in the ECMP set. */
  readonly paths: number;
  readonly multipath: number;
}

/** The table in prefix order (IPv4 numerically), at most `limit` entries, and how many there are. */
export function summarizeTable(rib: LocRib, family: Family, limit: number): { readonly routes: RouteSummary[]; readonly total: number } {
  const keyOrder = (a: PrefixKey, b: PrefixKey): number => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : 1);
  const entries = [...rib.entries(family)].sort((x, y) => keyOrder(x.prefix, y.prefix));
  const routes: RouteSummary[] = [];
  for (const e of entries) {
    if (routes.length >= limit) break;
    if (!e.best) continue;
    routes.push({ family, prefix: formatPrefixKey(e.prefix), best: pathView(e.best), paths: e.paths.length, multipath: e.multipath.length });
  }
  return { routes, total: rib.size(family) };
}
