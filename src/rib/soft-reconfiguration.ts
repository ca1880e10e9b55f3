/**
 * Soft reconfiguration inbound: import policy run again over a peer's kept pre-policy routes (adj-rib-in.ts)
 * into the Loc-RIB, without asking the peer for anything (RFC 2918 §1 describes this as the costly
 * alternative to ROUTE-REFRESH: the routes must be kept; FRR `clear ip bgp X soft in`, BIRD `reload in` with
 * an import table). Routes whose outcome is unchanged leave the Loc-RIB untouched, so re-applying the same
 * policy sends no UPDATE to anyone.
 */
import type { AdjRibIn } from './adj-rib-in.js';
import type { AttributeStore } from './attribute-store.js';
import type { LocRib } from './loc-rib.js';
import type { PolicyEvaluator } from './policy/evaluate.js';
import type { Family } from '../common/prefix-key.js';
import type { Path, PeerRef } from './types.js';

export interface SoftInResult {
  /** Kept routes looked at. */
  readonly routes: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Routes whose Loc-RIB path was added, replaced or removed. */
  readonly changed: number;
}

const FAMILIES: readonly Family[] = ['ipv4-unicast', 'ipv6-unicast'];

/**
 * Re-import every route of `table` from `peer` through `evaluator` (none: accept unchanged). `counts` are the
 * peer's accepted prefixes per family (max-prefix), kept right. Store references as on the import path: each
 * Loc-RIB path holds one to its set.
 */
export function reapplyImport(
  table: AdjRibIn, peer: PeerRef, evaluator: PolicyEvaluator | undefined, rib: LocRib, store: AttributeStore,
  counts: Record<Family, number>, now: number,
): SoftInResult {
  let routes = 0;
  let accepted = 0;
  let changed = 0;
  for (const family of FAMILIES) {
    table.forEach(family, (prefix, kept) => {
      routes++;
      const current = rib.get(family, prefix)?.paths.find((p) => p.peer?.key === peer.key && p.pathId === kept.pathId && p.source === 'bgp');
      const path: Path = {
        family, prefix, pathId: kept.pathId, attrs: kept.attrs, source: 'bgp', peer, stale: kept.stale, receivedAt: current?.receivedAt ?? now,
      };
      const attrs = evaluator ? evaluator.evaluate(path) : kept.attrs;
      if (attrs === null) {
        const old = rib.withdraw(family, prefix, peer.key, kept.pathId);
        if (!old) return;
        store.release(old.attrs);
        counts[family]--;
        changed++;
        return;
      }
      accepted++;
      if (current && current.attrs === attrs && current.stale === kept.stale) return;
      store.retain(attrs);
      const old = rib.announce({ ...path, attrs });
      if (old) store.release(old.attrs);
      else counts[family]++;
      changed++;
    });
  }
  return { routes, accepted, rejected: routes - accepted, changed };
}
