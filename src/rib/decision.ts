/**
 * The BGP decision process: which of the candidate paths of one prefix is best, which paths form its ECMP
 * set, and at which step every other path lost.
 *
 * RFC 4271 §9.1.2.2 (paraphrased): when several routes to the same destination remain after the degree of
 * preference (LOCAL_PREF) is computed, remove from consideration, in turn,
 *   (a) the routes with a longer AS_PATH than the shortest (an AS_SET counts 1),
 *   (b) the routes with a higher ORIGIN than the lowest,
 *   (c) among routes from the same neighbouring AS, the routes with a higher MULTI_EXIT_DISC than the lowest
 *       of that AS (a missing MED counts as the lowest value); MEDs of different neighbouring ASes are not
 *       compared,
 *   (d) the routes learned over iBGP, if any route was learned over eBGP,
 *   (e) the routes with a higher interior cost to their NEXT_HOP than the lowest,
 *   (f) the routes but the one from the speaker with the lowest BGP Identifier,
 *   (g) the routes but the one from the peer with the lowest peer address.
 * RFC 4456 §9 (route reflection) changes (f) to use the ORIGINATOR_ID instead of the BGP Identifier when the
 * route carries one, and inserts between (f) and (g): prefer the route with the shorter CLUSTER_LIST.
 *
 * The steps of this implementation, numbered the same in code comments, tests and `DECISION_STEPS`:
 *    1 local-pref           higher LOCAL_PREF wins; a missing one counts as 100 (the default BIRD and FRR
 *                           assign; RFC 4271 leaves the degree of preference of eBGP routes to policy)
 *    2 as-path-length       shorter wins (asPathLength: sequence ASes 1 each, a set 1, confed segments 0)
 *    3 origin               lower wins: IGP < EGP < INCOMPLETE
 *    4 med                  lower wins, compared only between paths with the same neighbouring AS (neighbourAs)
 *                           unless `alwaysCompareMed`; paths without one (empty path: originated locally or by
 *                           an iBGP peer) all count as one and the same "AS", as in FRR. A missing MED is 0,
 *                           or with `missingMedAsWorst` 2^32, worse than any MED a path can carry (FRR's
 *                           `missing-as-worst` uses 2^32-1, which ties with an explicit 4294967295)
 *    5 ebgp-over-ibgp       local routes (no peer: static, connected, IPAM) beat eBGP paths, which beat iBGP
 *                           paths. Local routes are placed here rather than before step 1 (where BIRD's route
 *                           preference and FRR's weight put them): a local route normally has an empty AS path
 *                           and wins at step 2 anyway, and policy can still outrank it with LOCAL_PREF
 *    6 igp-cost             lower interior cost to the next hop wins, when both costs are known
 *    7 router-id            lower ORIGINATOR_ID if present, else the peer's BGP Identifier, as unsigned 32-bit
 *                           numbers (RFC 4456 §9)
 *    8 cluster-list-length  shorter CLUSTER_LIST wins (RFC 4456 §9)
 *    9 peer-address         lower peer address wins, IPv4 before IPv6, numerically (`addressSortKey`)
 *   10 path-id              lower ADD-PATH path id wins: a final tie-break that makes the order total
 * Two paths equal through step 10 (the same source announcing twice) resolve to the first argument.
 *
 * Stale paths (graceful restart, RFC 4724 §4.2) take part like any other. Eligibility (RFC 4271 §9.1.2: AS
 * loop, unresolvable next hop; RFC 4456 §8: own ORIGINATOR_ID or CLUSTER_ID) is decided before, by the caller,
 * with `isEligible`: `comparePaths` and `selectBest` assume every path they get is eligible.
 *
 * Pairwise and the RFC procedure: steps 4 and 6 make pairwise comparison non-transitive (A beats B on MED,
 * B beats C at router-id, C beats A at router-id when C's MED is not comparable with A's). `selectBest`
 * therefore keeps one scan for the common case and checks the result: when the path it found beats every
 * other path pairwise it is provably the path the RFC's elimination procedure picks; when not, it runs that
 * procedure. The result never depends on the order of the candidates (plain pairwise scanning, e.g. FRR with
 * `no bgp deterministic-med`, depends on the order in which routes arrived). The ECMP set is likewise what the
 * elimination keeps through step 6, not merely what ties with the best path pairwise.
 *
 * Pure: no clock, no I/O. The only state is a WeakMap of keys derived once per (immutable) PeerRef: its router
 * id as a number and its address sort key. `comparePaths` allocates nothing beyond that cache; it returns one
 * of a fixed set of frozen results.
 */
import { asPathLength, containsAs, neighbourAs } from './as-path.js';
import type { DecisionOptions, DecisionStep, Path, PathAttributes, PeerRef } from './types.js';

/** The steps by number: `DECISION_STEPS[n]` is step n; 0 is 'only-path' (no competitor at all). */
export const DECISION_STEPS: readonly DecisionStep[] = Object.freeze([
  'only-path',
  'local-pref',
  'as-path-length',
  'origin',
  'med',
  'ebgp-over-ibgp',
  'igp-cost',
  'router-id',
  'cluster-list-length',
  'peer-address',
  'path-id',
] as const);

const STEP_NUMBER: Readonly<Record<DecisionStep, number>> = Object.freeze(
  Object.fromEntries(DECISION_STEPS.map((s, i) => [s, i])) as Record<DecisionStep, number>,
);

/** The number of a step (1–10; 0 for 'only-path'), as in the comment at the top of this file. */
export function stepNumber(step: DecisionStep): number {
  return STEP_NUMBER[step];
}

const LOCAL_PREF = 1;
const AS_PATH_LENGTH = 2;
const ORIGIN = 3;
const MED = 4;
const EBGP_OVER_IBGP = 5;
const IGP_COST = 6;
const ROUTER_ID = 7;
const CLUSTER_LIST_LENGTH = 8;
const PEER_ADDRESS = 9;
const PATH_ID = 10;

/** LOCAL_PREF of a path without one (BIRD's and FRR's default). */
export const DEFAULT_LOCAL_PREF = 100;
/** The MED of a path without one under `missingMedAsWorst`: larger than any 32-bit MED. */
const WORST_MED = 2 ** 32;
/** An unparseable router id: after every valid one. */
const INVALID_ID = 2 ** 32;

export interface Comparison {
  readonly winner: 'a' | 'b';
  readonly step: DecisionStep;
}

const A_WINS: readonly Comparison[] = Object.freeze(DECISION_STEPS.map((step) => Object.freeze({ winner: 'a' as const, step })));
const B_WINS: readonly Comparison[] = Object.freeze(DECISION_STEPS.map((step) => Object.freeze({ winner: 'b' as const, step })));

/**
 * Which of two eligible paths is better and at which step they differ. A full tie (possible only for two
 * announcements of the same source) goes to `a`, reported as 'path-id'. Allocates nothing (but a cache entry
 * the first time it meets a PeerRef): the result is one of 22 shared frozen objects.
 */
export function comparePaths(a: Path, b: Path, opts: DecisionOptions): Comparison {
  const r = rank(a, b, opts);
  return r < 0 ? B_WINS[-r]! : A_WINS[r === 0 ? PATH_ID : r]!;
}

/** +n: `a` wins at step n; -n: `b` wins at step n; 0: equal through step 10. */
function rank(a: Path, b: Path, opts: DecisionOptions): number {
  const h = headRank(a, b, opts);
  return h !== 0 ? h : tailRank(a, b);
}

/** Steps 1–6, the ones an ECMP set must tie on. */
function headRank(a: Path, b: Path, opts: DecisionOptions): number {
  const x = a.attrs;
  const y = b.attrs;
  // 1 local-pref: higher wins; missing = 100.
  const lpA = x.localPref ?? DEFAULT_LOCAL_PREF;
  const lpB = y.localPref ?? DEFAULT_LOCAL_PREF;
  if (lpA !== lpB) return lpA > lpB ? LOCAL_PREF : -LOCAL_PREF;
  // 2 as-path-length: shorter wins.
  if (x.asPath !== y.asPath) {
    const lenA = asPathLength(x.asPath);
    const lenB = asPathLength(y.asPath);
    if (lenA !== lenB) return lenA < lenB ? AS_PATH_LENGTH : -AS_PATH_LENGTH;
  }
  // 3 origin: lower wins.
  if (x.origin !== y.origin) return x.origin < y.origin ? ORIGIN : -ORIGIN;
  // 4 med: lower wins, within one neighbouring AS unless always compared.
  if (x.med !== y.med && (opts.alwaysCompareMed || neighbourAs(x.asPath) === neighbourAs(y.asPath))) {
    const medA = medOf(a, opts);
    const medB = medOf(b, opts);
    if (medA !== medB) return medA < medB ? MED : -MED;
  }
  // 5 ebgp-over-ibgp: local < eBGP < iBGP.
  const kA = kind(a);
  const kB = kind(b);
  if (kA !== kB) return kA < kB ? EBGP_OVER_IBGP : -EBGP_OVER_IBGP;
  // 6 igp-cost: lower wins when both are known.
  if (a.igpCost !== undefined && b.igpCost !== undefined && a.igpCost !== b.igpCost) return a.igpCost < b.igpCost ? IGP_COST : -IGP_COST;
  return 0;
}

/** Steps 7–10: a total order among paths that tie on steps 1–6. */
function tailRank(a: Path, b: Path): number {
  // 7 router-id: ORIGINATOR_ID, else the peer's BGP Identifier; lower wins.
  const idA = routerIdOf(a);
  const idB = routerIdOf(b);
  if (idA !== idB) return idA < idB ? ROUTER_ID : -ROUTER_ID;
  // 8 cluster-list-length: shorter wins.
  const clA = a.attrs.clusterList.length;
  const clB = b.attrs.clusterList.length;
  if (clA !== clB) return clA < clB ? CLUSTER_LIST_LENGTH : -CLUSTER_LIST_LENGTH;
  // 9 peer-address: lower wins, IPv4 before IPv6.
  if (a.peer !== b.peer) {
    const adA = peerSortKey(a.peer);
    const adB = peerSortKey(b.peer);
    if (adA !== adB) return adA < adB ? PEER_ADDRESS : -PEER_ADDRESS;
  }
  // 10 path-id: lower wins.
  if (a.pathId !== b.pathId) return a.pathId < b.pathId ? PATH_ID : -PATH_ID;
  return 0;
}

function medOf(p: Path, opts: DecisionOptions): number {
  return p.attrs.med ?? (opts.missingMedAsWorst ? WORST_MED : 0);
}

/** 0 local, 1 eBGP, 2 iBGP: lower is preferred at step 5. */
function kind(p: Path): number {
  return p.peer === undefined ? 0 : p.peer.ibgp ? 2 : 1;
}

function routerIdOf(p: Path): number {
  if (p.attrs.originatorId !== undefined) return ipv4Number(p.attrs.originatorId);
  // Only a local route has neither; step 5 has already separated local routes from the others.
  return p.peer === undefined ? 0 : peerKeys(p.peer).routerId;
}

/** A dotted quad as an unsigned 32-bit number, without allocating; INVALID_ID when it is not one. */
function ipv4Number(s: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255 || ++dots > 3) return INVALID_ID;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits > 3) return INVALID_ID;
      part = part * 10 + (c - 48);
    } else {
      return INVALID_ID;
    }
  }
  if (dots !== 3 || digits === 0 || part > 255) return INVALID_ID;
  return n * 256 + part;
}

// ---- peer addresses -------------------------------------------------------------------------------------

/** Per PeerRef (immutable), computed once: its router id as a number and its address sort key. */
interface PeerKeys {
  readonly routerId: number;
  readonly address: string;
}

const peerKeyCache = new WeakMap<PeerRef, PeerKeys>();

function peerKeys(peer: PeerRef): PeerKeys {
  let k = peerKeyCache.get(peer);
  if (k === undefined) {
    k = { routerId: ipv4Number(peer.routerId), address: addressSortKey(peer.address) };
    peerKeyCache.set(peer, k);
  }
  return k;
}

function peerSortKey(peer: PeerRef | undefined): string {
  return peer === undefined ? '' : peerKeys(peer).address;
}

/**
 * A string whose plain (code unit) order is the numeric order of addresses, IPv4 before IPv6: "4" and 8 hex
 * digits for IPv4, "6" and 32 hex digits for IPv6 (a zone, "%eth0", is ignored), "~" and the text for
 * anything unparseable (after every address). Step 9 computes it from `PeerRef.address` (once per PeerRef)
 * rather than trusting `PeerRef.addressKey`; a producer of PeerRefs can use it to fill `addressKey`.
 */
export function addressSortKey(address: string): string {
  const zone = address.indexOf('%');
  const text = zone >= 0 ? address.slice(0, zone) : address;
  if (!text.includes(':')) {
    const n = ipv4Number(text);
    return n === INVALID_ID ? `~${address}` : `4${hex(n, 8)}`;
  }
  const groups = ipv6Groups(text);
  return groups === undefined ? `~${address}` : `6${groups.map((g) => hex(g, 4)).join('')}`;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** The 8 16-bit groups of an IPv6 address (RFC 4291 §2.2 text forms), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4Number(piece);
        if (v4 === INVALID_ID) return undefined;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        out.push(Number.parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = parse(halves[0]!);
  if (head === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const tail = parse(halves[1]!);
  if (tail === undefined || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

// ---- selection ------------------------------------------------------------------------------------------

export interface LostAt {
  readonly path: Path;
  readonly lostAt: DecisionStep;
}

export interface Selection {
  /** The best path; undefined when there are no candidates. */
  readonly best: Path | undefined;
  /**
   * The ECMP set, best first, then the others in decision order (steps 7–10), at most `maxPaths`: `[best]`
   * without multipath, `[]` without candidates. A fresh array the caller may keep.
   */
  readonly multipath: Path[];
  /**
   * Why the best path won: the step at which it beat its closest competitor (the highest `lostAt`), or
   * 'only-path'; undefined without candidates.
   */
  readonly decidedAt: DecisionStep | undefined;
  /**
   * Every other candidate, in input order, with the step at which the best path beats it pairwise. When the
   * best path does not beat it pairwise (steps 4 and 6 are not transitive; see the top of this file), the
   * step at which RFC 4271's elimination procedure removed it.
   */
  readonly steps: readonly LostAt[];
}

const NO_STEPS: readonly LostAt[] = Object.freeze([]);

/**
 * The decision process over the eligible candidates of one prefix (see the top of this file). One scan finds
 * the best path; a second compares every other path with it, which yields `steps`, the ECMP candidates and a
 * check of the first scan (in the rare non-transitive case the RFC's elimination procedure decides instead).
 *
 * ECMP (`maxPaths` > 1): the set is what RFC 4271's elimination keeps through step 6 (paths that differ from
 * the best only at router-id or later, and were not removed at MED or IGP cost by a third path), restricted
 * to paths compatible with the best: BGP paths only (local routes never form sets), of the same kind (eBGP
 * with eBGP, iBGP with iBGP: step 5 already guarantees it), and for eBGP the same neighbouring AS unless
 * `multipathRelax`. iBGP paths need not share a neighbouring AS (BIRD merges them alike; FRR without
 * `multipath-relax` requires identical AS paths for iBGP).
 */
export function selectBest(paths: readonly Path[], opts: DecisionOptions): Selection {
  const n = paths.length;
  if (n === 0) return { best: undefined, multipath: [], decidedAt: undefined, steps: NO_STEPS };
  const first = paths[0]!;
  if (n === 1) return { best: first, multipath: [first], decidedAt: 'only-path', steps: NO_STEPS };

  // Pass 1: the pairwise winner (ties keep the earlier path).
  let best = first;
  let bestIndex = 0;
  for (let i = 1; i < n; i++) {
    const p = paths[i]!;
    if (rank(best, p, opts) < 0) {
      best = p;
      bestIndex = i;
    }
  }

  // Pass 2: every other path against it.
  const limit = Math.max(1, Math.floor(opts.maxPaths));
  const steps: LostAt[] = [];
  let decided = 0;
  let candidates: Path[] | undefined;
  let unsure = false;
  for (let i = 0; i < n; i++) {
    if (i === bestIndex) continue;
    const p = paths[i]!;
    const r = rank(best, p, opts);
    if (r < 0) return eliminationSelect(paths, opts, limit);
    const step = r === 0 ? PATH_ID : r;
    steps.push({ path: p, lostAt: DECISION_STEPS[step]! });
    if (step > decided) decided = step;
    if (limit > 1 && step > IGP_COST && multipathCompatible(best, p, opts)) {
      (candidates ??= []).push(p);
      if (!survivalImplied(best, p, opts) && beatenThroughIgp(p, paths, opts)) unsure = true;
    }
  }
  if (unsure) {
    const { survivors } = eliminateThroughIgp(paths, opts);
    candidates = candidates!.filter((p) => survivors.includes(p));
  }
  return { best, multipath: ecmpSet(best, candidates, limit), decidedAt: DECISION_STEPS[decided]!, steps };
}

/** ECMP rules beside surviving step 6 (see selectBest). */
function multipathCompatible(best: Path, p: Path, opts: DecisionOptions): boolean {
  const bp = best.peer;
  const pp = p.peer;
  if (bp === undefined || pp === undefined || bp.ibgp !== pp.ibgp) return false;
  return bp.ibgp || opts.multipathRelax || neighbourAs(best.attrs.asPath) === neighbourAs(p.attrs.asPath);
}

/**
 * For `p` tying through step 6 with a `best` that beats every candidate pairwise (so `best` is what the RFC
 * procedure picks and survives its steps 1–6): whether `p` then survives steps 1–6 too. It does when its MED
 * is comparable with the best's (same MED group: the best's MED is the lowest of the group, p's equals it) and
 * the best's IGP cost is known or p's is not (the best's cost is the lowest known one, p's equals it or is
 * unknown). Otherwise a third path may remove p (a path of p's AS with a lower MED, or with a lower IGP cost):
 * see beatenThroughIgp.
 */
function survivalImplied(best: Path, p: Path, opts: DecisionOptions): boolean {
  const sameMedGroup = opts.alwaysCompareMed || neighbourAs(p.attrs.asPath) === neighbourAs(best.attrs.asPath);
  return sameMedGroup && (best.igpCost !== undefined || p.igpCost === undefined);
}

/**
 * Whether some candidate beats `p` pairwise at steps 1–6. When none does, `p` survives the elimination
 * through step 6 (every removal at step k is by a surviving path that beats the removed one at step k); when
 * one does, that path may itself have been removed earlier, and only the elimination can tell.
 */
function beatenThroughIgp(p: Path, paths: readonly Path[], opts: DecisionOptions): boolean {
  for (const q of paths) {
    if (q !== p && headRank(q, p, opts) > 0) return true;
  }
  return false;
}

function ecmpSet(best: Path, candidates: Path[] | undefined, limit: number): Path[] {
  if (candidates === undefined || candidates.length === 0) return [best];
  // All tie through step 6, so steps 7–10 order them totally: the set does not depend on input order.
  if (candidates.length > 1) candidates.sort((x, y) => -tailRank(x, y));
  if (candidates.length > limit - 1) candidates.length = limit - 1;
  return [best, ...candidates];
}

/**
 * RFC 4271 §9.1.2.2 as written, steps 1–6: remove paths step by step from the whole set. Returns what is
 * left and the step that removed each other path. Used only when pairwise comparison cannot be trusted on
 * this set; allocates freely (rare).
 */
function eliminateThroughIgp(paths: readonly Path[], opts: DecisionOptions): { survivors: Path[]; removedAt: Map<Path, number> } {
  let live: Path[] = paths.slice();
  const removedAt = new Map<Path, number>();
  const keep = (step: number, pred: (p: Path) => boolean): void => {
    const next: Path[] = [];
    for (const p of live) {
      if (pred(p)) next.push(p);
      else removedAt.set(p, step);
    }
    live = next;
  };
  // 1 local-pref
  const lp = (p: Path): number => p.attrs.localPref ?? DEFAULT_LOCAL_PREF;
  const maxLp = live.reduce((m, p) => Math.max(m, lp(p)), -Infinity);
  keep(LOCAL_PREF, (p) => lp(p) === maxLp);
  // 2 as-path-length
  const minLen = live.reduce((m, p) => Math.min(m, asPathLength(p.attrs.asPath)), Infinity);
  keep(AS_PATH_LENGTH, (p) => asPathLength(p.attrs.asPath) === minLen);
  // 3 origin
  const minOrigin = live.reduce((m, p) => Math.min(m, p.attrs.origin), Infinity);
  keep(ORIGIN, (p) => p.attrs.origin === minOrigin);
  // 4 med: the lowest per neighbouring AS (one group when always compared).
  const group = (p: Path): number | undefined => (opts.alwaysCompareMed ? 0 : neighbourAs(p.attrs.asPath));
  const minMed = new Map<number | undefined, number>();
  for (const p of live) {
    const g = group(p);
    const m = medOf(p, opts);
    const cur = minMed.get(g);
    if (cur === undefined || m < cur) minMed.set(g, m);
  }
  keep(MED, (p) => medOf(p, opts) === minMed.get(group(p)));
  // 5 ebgp-over-ibgp
  const minKind = live.reduce((m, p) => Math.min(m, kind(p)), Infinity);
  keep(EBGP_OVER_IBGP, (p) => kind(p) === minKind);
  // 6 igp-cost: paths with an unknown cost stay.
  const minCost = live.reduce((m, p) => (p.igpCost === undefined ? m : Math.min(m, p.igpCost)), Infinity);
  keep(IGP_COST, (p) => p.igpCost === undefined || p.igpCost === minCost);
  return { survivors: live, removedAt };
}

/** The whole RFC procedure: steps 1–6 by elimination, then steps 7–10 (a total order) on what is left. */
function eliminationSelect(paths: readonly Path[], opts: DecisionOptions, limit: number): Selection {
  const { survivors, removedAt } = eliminateThroughIgp(paths, opts);
  let best = survivors[0]!;
  for (const p of survivors) if (tailRank(best, p) < 0) best = p;

  const steps: LostAt[] = [];
  let decided = 0;
  for (const p of paths) {
    if (p === best) continue;
    const r = rank(best, p, opts);
    const step = r > 0 ? r : r === 0 ? PATH_ID : removedAt.get(p)!;
    steps.push({ path: p, lostAt: DECISION_STEPS[step]! });
    if (step > decided) decided = step;
  }
  let candidates: Path[] | undefined;
  if (limit > 1) {
    for (const p of survivors) if (p !== best && multipathCompatible(best, p, opts)) (candidates ??= []).push(p);
  }
  return { best, multipath: ecmpSet(best, candidates, limit), decidedAt: DECISION_STEPS[decided]!, steps };
}

// ---- eligibility ----------------------------------------------------------------------------------------

export interface EligibilityContext {
  readonly localAs: number;
  readonly routerId: string;
  readonly clusterId: string;
  /** When given, BGP paths whose NEXT_HOP it rejects are ineligible. */
  readonly nextHopResolvable?: (nextHop: string) => boolean;
}

export type IneligibleReason = 'as-loop' | 'originator-is-self' | 'cluster-loop' | 'next-hop-unreachable';

export type Eligibility = { readonly ok: true } | { readonly ok: false; readonly reason: IneligibleReason };

const ELIGIBLE: Eligibility = Object.freeze({ ok: true });
const AS_LOOP: Eligibility = Object.freeze({ ok: false, reason: 'as-loop' });
const ORIGINATOR_IS_SELF: Eligibility = Object.freeze({ ok: false, reason: 'originator-is-self' });
const CLUSTER_LOOP: Eligibility = Object.freeze({ ok: false, reason: 'cluster-loop' });
const NEXT_HOP_UNREACHABLE: Eligibility = Object.freeze({ ok: false, reason: 'next-hop-unreachable' });

/**
 * Whether a path may take part in the decision process (checked in this order; results are shared frozen
 * objects):
 * - 'as-loop' (RFC 4271 §9.1.2): an eBGP-learned path whose AS_PATH (any segment type) holds our AS — the
 *   context's local AS, or the local AS of that session when it differs (a per-peer local AS is ours too).
 *   iBGP-learned paths are not checked: our own border router accepted them (e.g. with allowas-in).
 * - 'originator-is-self' (RFC 4456 §8): ORIGINATOR_ID equal to our router id: our own route reflected back.
 * - 'cluster-loop' (RFC 4456 §8): our cluster id in the CLUSTER_LIST.
 * - 'next-hop-unreachable' (RFC 4271 §9.1.2): only for BGP-learned paths and only when `nextHopResolvable`
 *   is given; the next hops of local routes are their source's business.
 * Ids are compared as 32-bit numbers when both parse as dotted quads, else as text.
 */
export function isEligible(path: Path, ctx: EligibilityContext): Eligibility {
  return isEligibleRoute(path.attrs, path.peer, ctx);
}

/** `isEligible` of a path given as its attribute set and peer (undefined: a local route). */
export function isEligibleRoute(a: PathAttributes, peer: PeerRef | undefined, ctx: EligibilityContext): Eligibility {
  if (peer !== undefined && !peer.ibgp) {
    if (containsAs(a.asPath, ctx.localAs)) return AS_LOOP;
    if (peer.localAs !== ctx.localAs && containsAs(a.asPath, peer.localAs)) return AS_LOOP;
  }
  if (a.originatorId !== undefined && sameId(a.originatorId, ctx.routerId)) return ORIGINATOR_IS_SELF;
  for (const id of a.clusterList) if (sameId(id, ctx.clusterId)) return CLUSTER_LOOP;
  if (peer !== undefined && ctx.nextHopResolvable !== undefined && !ctx.nextHopResolvable(a.nextHop)) return NEXT_HOP_UNREACHABLE;
  return ELIGIBLE;
}

function sameId(x: string, y: string): boolean {
  if (x === y) return true;
  const nx = ipv4Number(x);
  return nx !== INVALID_ID && nx === ipv4Number(y);
}
