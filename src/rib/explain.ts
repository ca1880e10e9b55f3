/**
 * Explanations: for one prefix, every candidate path, which one won and at which decision step, why each
 * other path lost (the step at which the best beats it) or can never be selected (AS loop, own ORIGINATOR_ID,
 * cluster loop: RFC 4271 §9.1.2, RFC 4456 §8), and where each came from. Plain data, for `bgpctl explain`
 * and `bgpctl show routes PREFIX`.
 *
 * Given the Established sessions (explain-verdicts.ts), also what import policy did to each path from a
 * peer, the routes it rejected (when their peer keeps what it sent), and the export verdict of the best path
 * toward every peer.
 */
import { selectBest, stepNumber, type LostAt } from './decision.js';
import { exportView, importView, rejectedOnImport, type ExportView, type ImportView, type SessionPolicy } from './explain-verdicts.js';
import type { LocRib } from './loc-rib.js';
import { pathView, type PathView } from './path-view.js';
import { formatPrefixKey, type Family, type PrefixKey } from '../common/prefix-key.js';
import type { DecisionOptions, DecisionStep, Path } from './types.js';

export { formatAsPath, pathView, type AttributesView, type PathView } from './path-view.js';
export type { AdvertisedPathView, ExportView, ImportView, PolicyTrace, SessionPolicy } from './explain-verdicts.js';

export type CandidateStatus =
  | { readonly status: 'best'; readonly decidedAt: DecisionStep }
  | { readonly status: 'multipath' }
  | { readonly status: 'lost'; readonly lostAt: DecisionStep }
  | { readonly status: 'ineligible'; readonly reason: string }
  /** Sent by a peer that keeps its routes as received, and rejected by its import policy (`import` says how). */
  | { readonly status: 'rejected'; readonly reason: string };

/** A candidate; `import` for a path from a peer, when the sessions were given. */
export type Candidate = PathView & CandidateStatus & { readonly import?: ImportView };

export interface RouteExplanation {
  readonly family: Family;
  readonly prefix: string;
  /**
   * Best first, then the rest of the ECMP set, then the losers in decision order, then the ineligible, then
   * routes rejected on import.
   */
  readonly candidates: readonly Candidate[];
  /** The best path toward every Established peer, when the sessions were given and there is a best path. */
  readonly exports?: readonly ExportView[];
}

/**
 * Everything the RIB knows about one prefix; undefined when it has no paths (and no peer kept a route of it
 * that import policy rejected). With `sessions`, import and export verdicts too; nothing is changed.
 */
export function explainPrefix(
  rib: LocRib, family: Family, prefix: PrefixKey, options: DecisionOptions, sessions?: readonly SessionPolicy[],
): RouteExplanation | undefined {
  const paths = rib.get(family, prefix)?.paths ?? [];
  const rejected = sessions ? rejectedOnImport(family, prefix, sessions) : [];
  if (paths.length === 0 && rejected.length === 0) return undefined;
  const bySession = new Map(sessions?.map((s) => [s.peer.key, s]));
  const view = (p: Path): PathView & { import?: ImportView } => {
    const imp = sessions ? importView(p, p.peer && bySession.get(p.peer.key)) : undefined;
    return { ...pathView(p), ...(imp ? { import: imp } : {}) };
  };
  const eligible = paths.filter((p) => rib.ineligibleReason(p) === undefined);
  const selection = selectBest(eligible, options);
  const lost = new Map<Path, LostAt>(selection.steps.map((s) => [s.path, s]));
  const out: Candidate[] = [];
  for (const p of selection.multipath) {
    out.push(p === selection.best
      ? { ...view(p), status: 'best', decidedAt: selection.decidedAt ?? 'only-path' }
      : { ...view(p), status: 'multipath' });
  }
  const losers = eligible.filter((p) => !selection.multipath.includes(p)).sort((x, y) => order(lost.get(x)) - order(lost.get(y)));
  for (const p of losers) out.push({ ...view(p), status: 'lost', lostAt: lost.get(p)?.lostAt ?? 'path-id' });
  for (const p of paths) {
    const reason = rib.ineligibleReason(p);
    if (reason !== undefined) out.push({ ...view(p), status: 'ineligible', reason });
  }
  for (const r of rejected) out.push({ ...pathView(r.path), import: r.import, status: 'rejected', reason: 'rejected by import policy' });
  const best = selection.best;
  const exports = sessions && best ? { exports: sessions.map((s) => exportView(best, s)) } : {};
  return { family, prefix: formatPrefixKey(prefix), candidates: out, ...exports };
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
