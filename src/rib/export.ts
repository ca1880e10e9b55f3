/**
 * Export rules: whether a best path goes to a peer, and with which attributes (RFC 4271 §5, §9.2; RFC 4456
 * §8 route reflection; RFC 1997 well-known communities).
 *
 * - Never back to the peer it came from.
 * - NO_ADVERTISE: to nobody; NO_EXPORT and NO_EXPORT_SUBCONFED: not to eBGP peers (no confederations here).
 * - iBGP-learned to iBGP: only when reflecting: from a client to everyone, from a non-client to clients only.
 * - To eBGP: private ASes removed when configured (private-as.ts), then our AS prepended, next hop set to our
 *   address on that session, LOCAL_PREF removed, MED only for our own routes (§5.1.4: a received MED is not
 *   passed to other ASes), ORIGINATOR_ID/CLUSTER_LIST removed. An IPv6 route to a peer on a shared link
 *   (single-hop eBGP) carries our link-local address on that link after the global one (RFC 2545 §3, as BIRD
 *   and FRR send it); a received link-local address never goes on.
 * - To iBGP: LOCAL_PREF set (100 when missing); next hop unchanged without its link-local address (RFC 2545
 *   §3), ours for local routes and routes without a global next hop; when reflecting, ORIGINATOR_ID set to
 *   the originator (if absent) and our cluster id prepended to CLUSTER_LIST.
 * The transformation is memoized per (attribute set, target): identical sets export to one interned set.
 *
 * Export policy (policy/types.ts) runs after the checks above (as FRR checks the well-known communities
 * before the outbound route-map) and before the rewrite (as BIRD runs export filters before its BGP
 * attribute update): it sees the Loc-RIB route, and what it changes is then rewritten like anything else,
 * except that a MED or explicit next hop it set is kept on eBGP sessions.
 */
import { prependAs } from './as-path.js';
import type { AttributeStore } from './attribute-store.js';
import { attributeSet, NONE } from './attribute-set.js';
import { SET_MED, SET_NEXT_HOP } from './policy/compile.js';
import type { PolicyEvaluator } from './policy/evaluate.js';
import { removePrivateAs, type PrivateAsRemoval } from './private-as.js';
import type { Family } from '../common/prefix-key.js';
import type { Path, PathAttributes, PeerRef } from './types.js';

const NO_EXPORT = 0xffffff01;
const NO_ADVERTISE = 0xffffff02;
const NO_EXPORT_SUBCONFED = 0xffffff03;

export interface ExportTarget {
  readonly key: string;
  readonly ibgp: boolean;
  readonly rrClient: boolean;
  readonly localAs: number;
  readonly routerId: string;
  readonly clusterId: string;
  /** Our address on this session per family, for next-hop-self; undefined when we have none of that family. */
  readonly nextHopSelf: Readonly<Partial<Record<Family, string>>>;
  /**
   * eBGP on a shared link (single hop): our link-local address on it, the second IPv6 next hop of RFC 2545 §3.
   * Undefined for iBGP, multihop eBGP and interfaces without one.
   */
  readonly linkLocalSelf?: string;
  /** Memo of verdicts per (policy output) set for this target (owned by the caller, one per target). */
  readonly memo: Map<PathAttributes, ExportVerdict>;
  /** The export policy of this peer; none: every route passes unchanged. */
  readonly policy?: ExportPolicy;
  /** eBGP only: private ASes removed or replaced before our AS is prepended (private-as.ts). */
  readonly removePrivateAs?: PrivateAsRemoval;
}

export interface ExportPolicy {
  readonly evaluator: PolicyEvaluator;
  /** Memos like `ExportTarget.memo` for routes whose MED or next hop the policy set, by SET_* flags (1..3). */
  readonly flagged: readonly Map<PathAttributes, ExportVerdict>[];
}

export function exportPolicy(evaluator: PolicyEvaluator): ExportPolicy {
  return { evaluator, flagged: [new Map(), new Map(), new Map(), new Map()] };
}

export type ExportVerdict =
  | { readonly advertise: true; readonly attrs: PathAttributes }
  | { readonly advertise: false; readonly reason: string };

const NOT_TO_SOURCE: ExportVerdict = Object.freeze({ advertise: false, reason: 'learned from this peer' });
const NO_ADV: ExportVerdict = Object.freeze({ advertise: false, reason: 'NO_ADVERTISE community' });
const NO_EXP: ExportVerdict = Object.freeze({ advertise: false, reason: 'NO_EXPORT community on an eBGP session' });
const IBGP_SPLIT: ExportVerdict = Object.freeze({ advertise: false, reason: 'iBGP-learned path to an iBGP peer without reflection' });
const NO_NEXT_HOP: ExportVerdict = Object.freeze({ advertise: false, reason: 'no local address of this family for next-hop-self' });
const POLICY_REJECTED: ExportVerdict = Object.freeze({ advertise: false, reason: 'rejected by export policy' });
const NO_POLICY: ExportVerdict = Object.freeze({ advertise: false, reason: 'no export policy for an eBGP peer (RFC 8212)' });

/** A local route without a configured next hop carries 0.0.0.0 / :: until export puts ours in. */
function isUnspecified(nextHop: string): boolean {
  return nextHop === '0.0.0.0' || nextHop === '::';
}

/**
 * The rules that run before export policy: why a route from `source` with these attributes may not go to
 * `target` at all, or undefined.
 */
export function exportRule(source: PeerRef | undefined, attrs: PathAttributes, target: ExportTarget): ExportVerdict | undefined {
  if (source?.key === target.key) return NOT_TO_SOURCE;
  const comms = attrs.communities;
  if (comms.length > 0) {
    if (comms.includes(NO_ADVERTISE)) return NO_ADV;
    if (!target.ibgp && (comms.includes(NO_EXPORT) || comms.includes(NO_EXPORT_SUBCONFED))) return NO_EXP;
  }
  if (source?.ibgp && target.ibgp && !source.rrClient && !target.rrClient) return IBGP_SPLIT;
  return undefined;
}

export function exportPath(path: Path, target: ExportTarget, store: AttributeStore): ExportVerdict {
  return exportRoute(path.peer, path.attrs, path.family, target, store, path);
}

/**
 * `exportPath` for a route given by its source, attribute set and family; the whole path (for policy, which
 * may match on the prefix or the source) is made only when the target has a policy.
 */
export function exportRoute(
  source: PeerRef | undefined, pathAttrs: PathAttributes, family: Family, target: ExportTarget, store: AttributeStore,
  path: Path | (() => Path),
): ExportVerdict {
  const rule = exportRule(source, pathAttrs, target);
  if (rule) return rule;
  const reflecting = Boolean(source?.ibgp) && target.ibgp;
  let attrs = pathAttrs;
  let flags = 0;
  const policy = target.policy;
  if (policy) {
    const out = policy.evaluator.evaluate(typeof path === 'function' ? path() : path);
    if (out === null) return policy.evaluator.chain.mode === 'rfc8212' ? NO_POLICY : POLICY_REJECTED;
    attrs = out;
    flags = policy.evaluator.flags;
  }
  const hopSet = (flags & SET_NEXT_HOP) !== 0;
  const needsSelf = !hopSet && (!target.ibgp || isUnspecified(attrs.nextHop));
  const self = target.nextHopSelf[family];
  if (needsSelf && self === undefined) return NO_NEXT_HOP;
  // The rewrite depends on the path as well as its attributes for local routes (MED kept, next hop ours) and
  // for reflected routes without ORIGINATOR_ID (set to the source's router ID): those get memos of their own.
  // Where our next hop goes in, it depends on the family too (one set can carry an IPv4 route over an IPv6
  // next hop, RFC 8950, and an IPv6 route): IPv6 rewrites get their own memos.
  const base = !source ? 'local' : reflecting && attrs.originatorId === undefined ? source.routerId : '';
  const variant = needsSelf && family === 'ipv6-unicast' ? (base === '' ? 'ipv6' : base === 'local' ? 'local ipv6' : `${base} ipv6`) : base;
  const memo = memoFor(flags === 0 ? target.memo : policy!.flagged[flags]!, variant);
  let verdict = memo.get(attrs);
  if (!verdict) {
    const linkLocal = needsSelf && family === 'ipv6-unicast' ? target.linkLocalSelf : undefined;
    const exported = store.internContent(transform(source, attrs, flags, target, reflecting, self, linkLocal));
    // The memo holds a reference on the exported set until the set it came from is dropped (forgetExport);
    // not when they are one set (iBGP, nothing to change): that reference would keep it interned for ever.
    if (exported === attrs) store.release(exported);
    verdict = Object.freeze({ advertise: true, attrs: exported });
    memo.set(attrs, verdict);
  }
  return verdict;
}

const subMemos = new WeakMap<Map<PathAttributes, ExportVerdict>, Map<string, Map<PathAttributes, ExportVerdict>>>();

function memoFor(base: Map<PathAttributes, ExportVerdict>, variant: string): Map<PathAttributes, ExportVerdict> {
  if (!variant) return base;
  let subs = subMemos.get(base);
  if (!subs) subMemos.set(base, (subs = new Map()));
  let memo = subs.get(variant);
  if (!memo) subs.set(variant, (memo = new Map()));
  return memo;
}

/**
 * Give back the attribute-store references a target's memos hold (one per exported set), when its session
 * ends: without this, every set ever exported to a peer stayed interned after the peer was gone.
 */
export function releaseExportMemos(target: ExportTarget, store: AttributeStore): void {
  const bases = [target.memo, ...(target.policy?.flagged ?? [])];
  for (const base of bases) {
    for (const memo of [base, ...(subMemos.get(base)?.values() ?? [])]) {
      for (const [from, v] of memo) if (v.advertise && v.attrs !== from) store.release(v.attrs);
      memo.clear();
    }
    subMemos.delete(base);
  }
}

/**
 * Forget a target's verdicts on a set the store has just dropped (no path holds it any more), giving back
 * the references they held on the exported sets. Without this the memos kept every set a session ever
 * exported, and its exported set interned, for as long as the session lasted: a table whose attribute sets
 * change (1000 new sets a round, announced and withdrawn) grew the store by 1000 sets a round.
 */
export function forgetExport(target: ExportTarget, attrs: PathAttributes, store: AttributeStore): void {
  forgetIn(target.memo, attrs, store);
  for (const memo of subMemos.get(target.memo)?.values() ?? []) forgetIn(memo, attrs, store);
  for (const base of target.policy?.flagged ?? []) {
    forgetIn(base, attrs, store);
    for (const memo of subMemos.get(base)?.values() ?? []) forgetIn(memo, attrs, store);
  }
}

function forgetIn(memo: Map<PathAttributes, ExportVerdict>, attrs: PathAttributes, store: AttributeStore): void {
  const v = memo.get(attrs);
  if (v === undefined) return;
  memo.delete(attrs);
  if (v.advertise && v.attrs !== attrs) store.release(v.attrs);
}

function transform(
  source: PeerRef | undefined, a: PathAttributes, flags: number, t: ExportTarget, reflecting: boolean, self: string | undefined,
  linkLocal: string | undefined,
): PathAttributes {
  const local = source === undefined;
  if (!t.ibgp) {
    const keepMed = local || (flags & SET_MED) !== 0;
    const hopSet = (flags & SET_NEXT_HOP) !== 0;
    return attributeSet({
      ...a,
      asPath: prependAs(t.removePrivateAs ? removePrivateAs(a.asPath, t.removePrivateAs) : a.asPath, t.localAs),
      nextHop: hopSet ? a.nextHop : self!,
      nextHopLinkLocal: linkLocal !== undefined && !hopSet ? linkLocal : undefined,
      med: keepMed ? a.med : undefined,
      localPref: undefined,
      originatorId: undefined,
      clusterList: NONE,
    });
  }
  // RFC 2545 §3: a link-local next hop means something only on its own link, which an iBGP peer is not known
  // to share: only the global address is passed on, and a route without one (`::`, learned over a
  // link-local-only session) gets ours instead, as FRR does. Local routes without a next hop get ours too.
  return attributeSet({
    ...a,
    nextHop: isUnspecified(a.nextHop) ? self! : a.nextHop,
    nextHopLinkLocal: undefined,
    localPref: a.localPref ?? 100,
    ...(reflecting ? { originatorId: a.originatorId ?? source!.routerId, clusterList: [t.clusterId].concat(a.clusterList) } : {}),
  });
}
