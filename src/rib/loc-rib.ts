/**
 * The routing table: for every prefix, the candidate paths from every source (the union of the Adj-RIBs-In,
 * post-policy), the best path and the ECMP set (RFC 4271 §9.1). Changes to a prefix re-run the decision for
 * that prefix only and are queued; `takeChanges` hands them to whoever exports (Adj-RIB-Out, kernel).
 *
 * A candidate is replaced when the same source (peer key + path id) announces the prefix again. Ineligible
 * paths (AS loop, own ORIGINATOR_ID, own cluster id: RFC 4271 §9.1.2, RFC 4456 §8) are kept for explanations
 * but never selected. Stale paths (graceful restart helper, RFC 4724 §4.2) stay selectable until swept.
 */
import { isEligible, selectBest } from './decision.js';
import type { DecisionOptions, Family, Path, PrefixKey } from './types.js';

export interface RibEntry {
  readonly prefix: PrefixKey;
  paths: Path[];
  best: Path | undefined;
  multipath: Path[];
}

export interface RibChange {
  readonly family: Family;
  readonly prefix: PrefixKey;
  /** The new best path, undefined when the prefix is gone. */
  readonly best: Path | undefined;
  readonly multipath: readonly Path[];
}

export interface LocRibOptions {
  readonly decision: DecisionOptions;
  readonly localAs: number;
  readonly routerId: string;
  readonly clusterId: string;
}

const EMPTY: Path[] = [];

export class LocRib {
  private readonly tables: Record<Family, Map<PrefixKey, RibEntry>> = {
    'ipv4-unicast': new Map(),
    'ipv6-unicast': new Map(),
  };
  private readonly ineligible = new WeakMap<Path, string>();
  private changed: Record<Family, Set<PrefixKey>> = { 'ipv4-unicast': new Set(), 'ipv6-unicast': new Set() };

  constructor(private readonly options: LocRibOptions) {}

  get decision(): DecisionOptions {
    return this.options.decision;
  }

  table(family: Family): ReadonlyMap<PrefixKey, RibEntry> {
    return this.tables[family];
  }

  get(family: Family, prefix: PrefixKey): RibEntry | undefined {
    return this.tables[family].get(prefix);
  }

  /** Why a stored path can never be selected, or undefined. */
  ineligibleReason(path: Path): string | undefined {
    return this.ineligible.get(path);
  }

  /** Add or replace the path from the path's source; returns the path it replaced. */
  announce(path: Path): Path | undefined {
    const t = this.tables[path.family];
    let entry = t.get(path.prefix);
    if (!entry) {
      entry = { prefix: path.prefix, paths: [], best: undefined, multipath: EMPTY };
      t.set(path.prefix, entry);
    }
    if (path.peer) {
      const verdict = isEligible(path, { localAs: this.options.localAs, routerId: this.options.routerId, clusterId: this.options.clusterId });
      if (!verdict.ok) this.ineligible.set(path, verdict.reason);
    }
    const key = path.peer?.key;
    const i = entry.paths.findIndex((p) => p.peer?.key === key && p.pathId === path.pathId && p.source === path.source);
    let old: Path | undefined;
    if (i >= 0) {
      old = entry.paths[i];
      entry.paths[i] = path;
    } else {
      entry.paths.push(path);
    }
    this.decide(path.family, entry);
    return old;
  }

  /** Remove the path of `peerKey` (undefined: local) with `pathId`; returns it. */
  withdraw(family: Family, prefix: PrefixKey, peerKey: string | undefined, pathId: number, source: Path['source'] = 'bgp'): Path | undefined {
    const t = this.tables[family];
    const entry = t.get(prefix);
    if (!entry) return undefined;
    const i = entry.paths.findIndex((p) => p.peer?.key === peerKey && p.pathId === pathId && p.source === source);
    if (i < 0) return undefined;
    const [old] = entry.paths.splice(i, 1);
    if (entry.paths.length === 0) {
      t.delete(prefix);
      if (entry.best) this.changed[family].add(prefix);
      entry.best = undefined;
      entry.multipath = EMPTY;
    } else {
      this.decide(family, entry);
    }
    return old;
  }

  /**
   * Remove every path from a peer, or with `keepAsStale` mark them stale (graceful restart helper).
   * Returns the removed (or marked) paths. O(table size): sessions do not go down often.
   */
  dropPeer(peerKey: string, families: readonly Family[], keepAsStale = false): Path[] {
    const gone: Path[] = [];
    for (const family of families) {
      for (const entry of [...this.tables[family].values()]) {
        for (const p of entry.paths) {
          if (p.peer?.key !== peerKey) continue;
          if (keepAsStale) {
            if (!p.stale) this.announce({ ...p, stale: true });
          } else {
            this.withdraw(family, entry.prefix, peerKey, p.pathId, p.source);
          }
          gone.push(p);
        }
      }
    }
    return gone;
  }

  /** Remove a peer's paths that are still stale (End-of-RIB or restart timer, RFC 4724 §4.2). */
  sweepStale(peerKey: string, family: Family): Path[] {
    const swept: Path[] = [];
    for (const entry of [...this.tables[family].values()]) {
      for (const p of [...entry.paths]) {
        if (p.peer?.key === peerKey && p.stale) {
          this.withdraw(family, entry.prefix, peerKey, p.pathId, p.source);
          swept.push(p);
        }
      }
    }
    return swept;
  }

  private decide(family: Family, entry: RibEntry): void {
    const candidates = entry.paths.some((p) => this.ineligible.has(p)) ? entry.paths.filter((p) => !this.ineligible.has(p)) : entry.paths;
    const { best, multipath } = selectBest(candidates, this.options.decision);
    const same = best === entry.best && multipath.length === entry.multipath.length && multipath.every((p, i) => p === entry.multipath[i]);
    entry.best = best;
    entry.multipath = multipath;
    if (!same) this.changed[family].add(entry.prefix);
  }

  /** The prefixes whose best path or ECMP set changed since the last call, with their current state. */
  takeChanges(): RibChange[] {
    const out: RibChange[] = [];
    for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
      const t = this.tables[family];
      for (const prefix of this.changed[family]) {
        const e = t.get(prefix);
        out.push({ family, prefix, best: e?.best, multipath: e?.multipath ?? EMPTY });
      }
      this.changed[family] = new Set();
    }
    return out;
  }

  size(family: Family): number {
    return this.tables[family].size;
  }
}
