/**
 * Import and export verdicts for route explanations (`bgpctl explain`): for a path from a peer, what its
 * import policy did, traced term by term from the attributes as the peer sent them when they were kept
 * (soft reconfiguration inbound, adj-rib-in.ts); for routes the import policy rejected, why; for the best
 * path, whether each Established peer is sent it, with what, or why not (export.ts rules, then policy); for a
 * peer sent several paths (RFC 7911 add-path send), every path it holds with our path identifier, as sent.
 *
 * Explanations change nothing: policy traces come from explainPolicy (plain copies, no store, no memo), and
 * the exported attributes from `exportPath` run against a copy of the peer's target with memos, policy
 * evaluator and attribute store of its own, thrown away afterwards. So what is shown is what export computes,
 * by the same code, and the daemon's store and memos stay as they were.
 */
import type { AdjRibIn } from './adj-rib-in.js';
import type { PathLimit, SentPath } from './adj-rib-out-paths.js';
import { AttributeStore } from './attribute-store.js';
import { exportPath, exportPolicy, exportRule, type ExportTarget } from './export.js';
import { attributesView, type AttributesView } from './path-view.js';
import { compileChain, type PolicyChain } from './policy/compile.js';
import { PolicyEvaluator } from './policy/evaluate.js';
import { explainPolicy, type PolicyDecision, type PolicyExplanation, type TermStep } from './policy/explain.js';
import type { PolicyContext } from './policy/types.js';
import type { Family, PrefixKey } from '../common/prefix-key.js';
import type { Path, PeerRef } from './types.js';

/** What explanations need of one Established session. Read only: nothing reachable from here is changed. */
export interface SessionPolicy {
  /** The peer as the RIB knows it. */
  readonly peer: PeerRef;
  /** Its import chain; absent when the session accepts everything unchanged (iBGP, or RFC 8212 relaxed). */
  readonly import?: { readonly chain: PolicyChain; readonly context: PolicyContext };
  /** Its routes as received, when soft reconfiguration inbound keeps them. */
  readonly prePolicy?: AdjRibIn;
  /** Where its exports go (export rules, export policy, rewrite). */
  readonly export: ExportTarget;
  /** Add-path send: the families it is sent several paths in, how many, and what it holds of a prefix. */
  readonly addPath?: {
    readonly families: readonly Family[];
    readonly paths: PathLimit;
    advertised(family: Family, prefix: PrefixKey): readonly SentPath[];
  };
}

/** A chain's run as plain data: PolicyExplanation without the attribute set. */
export interface PolicyTrace {
  readonly direction: 'import' | 'export';
  readonly policies: readonly string[];
  readonly verdict: 'accept' | 'reject';
  readonly decidedBy: PolicyDecision;
  /** Every term looked at, in order, up to the one that decided. */
  readonly steps: readonly TermStep[];
  /** Attributes the chain changed (accepted routes). */
  readonly changed: readonly string[];
}

export interface ImportView {
  readonly verdict: 'accept' | 'reject';
  /** The import policies of the session, in order (empty: none). */
  readonly policies: readonly string[];
  /**
   * Whether the trace starts from the attributes as the peer sent them: kept by soft reconfiguration
   * inbound, or no import policy that could have changed them.
   */
  readonly prePolicy: boolean;
  /** How the import policy decided; absent when that cannot be known (see `note`). */
  readonly policy?: PolicyTrace;
  /** The attributes as received, when the policy changed them (a rejected route's candidate shows them itself). */
  readonly received?: AttributesView;
  /** Why there is no trace. */
  readonly note?: string;
}

export interface ExportView {
  readonly peer: string;
  readonly peerAs: number;
  readonly ibgp: boolean;
  readonly rrClient: boolean;
  readonly advertise: boolean;
  /** Why not: an export rule (learned from this peer, NO_EXPORT, iBGP split horizon, ...) or the export policy. */
  readonly reason?: string;
  /** What the peer is sent. */
  readonly attributes?: AttributesView;
  /** The export policy's run, when the route got past the export rules to a policy. */
  readonly policy?: PolicyTrace;
  /**
   * Add-path send (RFC 7911): how many paths per prefix (`all` or the best N) and the paths the peer holds
   * now, in decision order, each with our path identifier and its attributes as sent.
   */
  readonly addPath?: { readonly paths: PathLimit; readonly advertised: readonly AdvertisedPathView[] };
}

/** One path as an add-path peer was sent it. */
export interface AdvertisedPathView {
  readonly pathId: number;
  /** The peer it was learned from, or `local`. */
  readonly from: string;
  readonly attributes: AttributesView;
}

/** The chain of a session without import policy: accepts everything unchanged. */
const ACCEPT_ALL = compileChain([], { direction: 'import', ebgp: false, ebgpRequiresPolicy: false });
const NO_CONTEXT: PolicyContext = { localAs: 0, nextHopSelf: {} };

export const NOT_KEPT = 'only the attributes after import policy are known: '
  + 'softReconfiguration: { inbound: true } on this peer keeps the routes as received';
const NO_SESSION = 'no session: accepted by the import policy of its last session';

function trace(e: PolicyExplanation): PolicyTrace {
  return { direction: e.direction, policies: e.policies, verdict: e.verdict, decidedBy: e.decidedBy, steps: e.steps, changed: e.changed };
}

/** Import policy on the route as the peer sent it (`path` carries the received attributes). */
function importTrace(path: Path, session: SessionPolicy): PolicyExplanation {
  const imp = session.import;
  return explainPolicy(imp?.chain ?? ACCEPT_ALL, path, imp?.context ?? NO_CONTEXT);
}

/** What import policy did to a Loc-RIB path (undefined for local routes, which no import policy sees). */
export function importView(path: Path, session: SessionPolicy | undefined): ImportView | undefined {
  if (!path.peer) return undefined;
  if (!session) return { verdict: 'accept', policies: [], prePolicy: false, note: NO_SESSION };
  const policies = session.import?.chain.policies ?? [];
  const kept = session.prePolicy?.get(path.family, path.prefix, path.pathId);
  if (!kept && session.import) return { verdict: 'accept', policies, prePolicy: false, note: NOT_KEPT };
  const e = importTrace(kept ? { ...path, attrs: kept.attrs } : path, session);
  return { verdict: e.verdict, policies, prePolicy: true, policy: trace(e), ...(kept && e.changed.length ? { received: attributesView(kept.attrs) } : {}) };
}

/** A route of `prefix` a peer sent and its import policy rejected: the path with the attributes as received, and why. */
export interface RejectedRoute {
  readonly path: Path;
  readonly import: ImportView;
}

/** Kept routes of `prefix` that import policy rejects (so they are not in the Loc-RIB). */
export function rejectedOnImport(family: Family, prefix: PrefixKey, sessions: readonly SessionPolicy[]): RejectedRoute[] {
  const out: RejectedRoute[] = [];
  for (const s of sessions) {
    for (const kept of s.prePolicy?.routes(family, prefix) ?? []) {
      const path: Path = { family, prefix, pathId: kept.pathId, attrs: kept.attrs, source: 'bgp', peer: s.peer, stale: kept.stale, receivedAt: 0 };
      const e = importTrace(path, s);
      if (e.verdict === 'accept') continue;
      out.push({ path, import: { verdict: 'reject', policies: s.import?.chain.policies ?? [], prePolicy: true, policy: trace(e) } });
    }
  }
  return out;
}

/** `target` with memos, policy evaluator and store of its own: export runs on it without touching the real ones. */
function scratchTarget(target: ExportTarget, store: AttributeStore): ExportTarget {
  const { policy, ...rest } = target;
  const evaluator = policy?.evaluator;
  return { ...rest, memo: new Map(), ...(evaluator ? { policy: exportPolicy(new PolicyEvaluator(evaluator.chain, evaluator.context, store)) } : {}) };
}

/** What an add-path peer holds of the prefix, when the session sends several paths in its family. */
function addPathView(best: Path, session: SessionPolicy): Pick<ExportView, 'addPath'> {
  const a = session.addPath;
  if (!a?.families.includes(best.family)) return {};
  const advertised = a.advertised(best.family, best.prefix).map((p) => ({ pathId: p.id, from: p.from ?? 'local', attributes: attributesView(p.attrs) }));
  return { addPath: { paths: a.paths, advertised } };
}

/** Whether `best` goes to the session's peer, with what, or why not (and the paths sent with add-path). */
export function exportView(best: Path, session: SessionPolicy): ExportView {
  const t = session.export;
  const base = { peer: session.peer.key, peerAs: session.peer.asn, ibgp: t.ibgp, rrClient: t.rrClient, ...addPathView(best, session) };
  const rule = exportRule(best.peer, best.attrs, t);
  if (rule) return { ...base, advertise: false, ...(rule.advertise ? {} : { reason: rule.reason }) };
  const evaluator = t.policy?.evaluator;
  const policy = evaluator ? { policy: trace(explainPolicy(evaluator.chain, best, evaluator.context)) } : {};
  const scratch = new AttributeStore();
  const verdict = exportPath(best, scratchTarget(t, scratch), scratch);
  return verdict.advertise
    ? { ...base, advertise: true, attributes: attributesView(verdict.attrs), ...policy }
    : { ...base, advertise: false, reason: verdict.reason, ...policy };
}
