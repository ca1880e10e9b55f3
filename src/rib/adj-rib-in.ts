/**
 * Adj-RIB-In before policy (RFC 4271 §3.2: "Adj-RIBs-In contains unprocessed routing information that has
 * been advertised to the local BGP speaker by its peers"): what a peer announced, as received, including
 * routes its import policy rejected. Kept only for peers with soft reconfiguration inbound (FRR's `neighbor X
 * soft-reconfiguration inbound`, BIRD's `import table`); the Loc-RIB holds the post-policy routes either way.
 * It lets `bgpctl neighbor X soft-in` re-run import policy without a ROUTE-REFRESH (RFC 2918 §1 names this
 * the alternative to refresh), and lets explanations trace import policy from what the peer actually sent.
 *
 * Per family: prefix → interned attribute set for path id 0 (the common case: one Map entry per route and
 * no object of its own), or prefix → (path id → set) once add-path brings other ids. Each kept route holds
 * one AttributeStore reference to its set, given back when the route is withdrawn, replaced or swept.
 *
 * Stale routes follow the Loc-RIB's (RFC 4724 §4.2 graceful restart helper, RFC 7313 §4 BoRR/EoRR):
 * `markStale` moves the current routes to a stale generation, a re-announcement moves one back, and
 * `sweepStale` drops what was not re-announced.
 */
import type { AttributeStore } from './attribute-store.js';
import type { Family, PrefixKey } from '../common/prefix-key.js';
import type { PathAttributes } from './types.js';

const FAMILIES: readonly Family[] = ['ipv4-unicast', 'ipv6-unicast'];

type PathIds = Map<number, PathAttributes>;
type Routes = Map<PrefixKey, PathAttributes | PathIds>;

/** One kept route. */
export interface KeptRoute {
  readonly pathId: number;
  readonly attrs: PathAttributes;
  /** Not re-announced since the session went down with graceful restart, or since the peer's BoRR. */
  readonly stale: boolean;
}

function lookup(routes: Routes | undefined, prefix: PrefixKey, pathId: number): PathAttributes | undefined {
  const v = routes?.get(prefix);
  if (v === undefined) return undefined;
  if (v instanceof Map) return v.get(pathId);
  return pathId === 0 ? v : undefined;
}

/** Store `attrs` for (prefix, pathId); returns the set it replaced. */
function put(routes: Routes, prefix: PrefixKey, pathId: number, attrs: PathAttributes): PathAttributes | undefined {
  const v = routes.get(prefix);
  if (v === undefined) {
    routes.set(prefix, pathId === 0 ? attrs : new Map([[pathId, attrs]]));
    return undefined;
  }
  if (v instanceof Map) {
    const old = v.get(pathId);
    v.set(pathId, attrs);
    return old;
  }
  if (pathId === 0) {
    routes.set(prefix, attrs);
    return v;
  }
  routes.set(prefix, new Map([[0, v], [pathId, attrs]]));
  return undefined;
}

/** Remove (prefix, pathId); returns its set. */
function take(routes: Routes | undefined, prefix: PrefixKey, pathId: number): PathAttributes | undefined {
  const v = routes?.get(prefix);
  if (v === undefined) return undefined;
  if (!(v instanceof Map)) {
    if (pathId !== 0) return undefined;
    routes!.delete(prefix);
    return v;
  }
  const old = v.get(pathId);
  if (old !== undefined && v.delete(pathId) && v.size === 0) routes!.delete(prefix);
  return old;
}

function each(routes: Routes | undefined, visit: (prefix: PrefixKey, pathId: number, attrs: PathAttributes) => void): void {
  if (!routes) return;
  for (const [prefix, v] of routes) {
    if (v instanceof Map) for (const [id, a] of v) visit(prefix, id, a);
    else visit(prefix, 0, v);
  }
}

/** The routes one peer announced, before import policy. */
export class AdjRibIn {
  private readonly current: Record<Family, Routes> = { 'ipv4-unicast': new Map(), 'ipv6-unicast': new Map() };
  private readonly stale: Record<Family, Routes | undefined> = { 'ipv4-unicast': undefined, 'ipv6-unicast': undefined };
  private readonly counts: Record<Family, number> = { 'ipv4-unicast': 0, 'ipv6-unicast': 0 };

  constructor(private readonly store: AttributeStore) {}

  /** The peer announced (prefix, pathId) with `attrs` (interned; this table takes its own reference). */
  announce(family: Family, prefix: PrefixKey, pathId: number, attrs: PathAttributes): void {
    this.store.retain(attrs);
    const old = put(this.current[family], prefix, pathId, attrs) ?? take(this.stale[family], prefix, pathId);
    if (old) this.store.release(old);
    else this.counts[family]++;
  }

  /** The peer withdrew (prefix, pathId), or treat-as-withdraw (RFC 7606 §2) did. */
  withdraw(family: Family, prefix: PrefixKey, pathId: number): void {
    const old = take(this.current[family], prefix, pathId) ?? take(this.stale[family], prefix, pathId);
    if (!old) return;
    this.store.release(old);
    this.counts[family]--;
  }

  /** Everything of these families becomes stale until re-announced (session lost with GR, or the peer's BoRR). */
  markStale(families: readonly Family[]): void {
    for (const family of families) {
      const stale = this.stale[family];
      const current = this.current[family];
      if (!stale) {
        this.stale[family] = current;
      } else {
        // Stale already (a second BoRR before the EoRR). A route is in one generation only (announce moves
        // it), so the two never overlap.
        each(current, (prefix, id, a) => put(stale, prefix, id, a));
      }
      this.current[family] = new Map();
    }
  }

  /** Drop what is still stale (End-of-RIB, EoRR, or the restart timer); returns how many routes went. */
  sweepStale(family: Family): number {
    const stale = this.stale[family];
    if (!stale) return 0;
    let n = 0;
    each(stale, (_p, _id, a) => {
      this.store.release(a);
      n++;
    });
    this.stale[family] = undefined;
    this.counts[family] -= n;
    return n;
  }

  /** Forget everything (the session ended without graceful restart). */
  clear(): void {
    for (const family of FAMILIES) {
      this.markStale([family]);
      this.sweepStale(family);
    }
  }

  /** The kept routes of one prefix (every path id, stale ones included). */
  routes(family: Family, prefix: PrefixKey): KeptRoute[] {
    const out: KeptRoute[] = [];
    const add = (routes: Routes | undefined, stale: boolean) => {
      const v = routes?.get(prefix);
      if (v instanceof Map) for (const [pathId, attrs] of v) out.push({ pathId, attrs, stale });
      else if (v !== undefined) out.push({ pathId: 0, attrs: v, stale });
    };
    add(this.current[family], false);
    add(this.stale[family], true);
    return out;
  }

  /** The kept route for (prefix, pathId), if any. */
  get(family: Family, prefix: PrefixKey, pathId: number): KeptRoute | undefined {
    const fresh = lookup(this.current[family], prefix, pathId);
    if (fresh) return { pathId, attrs: fresh, stale: false };
    const stale = lookup(this.stale[family], prefix, pathId);
    return stale ? { pathId, attrs: stale, stale: true } : undefined;
  }

  /** Every kept route of a family. */
  forEach(family: Family, visit: (prefix: PrefixKey, route: KeptRoute) => void): void {
    each(this.current[family], (prefix, pathId, attrs) => visit(prefix, { pathId, attrs, stale: false }));
    each(this.stale[family], (prefix, pathId, attrs) => visit(prefix, { pathId, attrs, stale: true }));
  }

  /** Routes kept for a family, stale ones included. */
  size(family: Family): number {
    return this.counts[family];
  }
}

/**
 * The Adj-RIBs-In of every peer with soft reconfiguration inbound, by peer key (like the Loc-RIB's paths,
 * so a table outlives the session object through a graceful restart). One call per event of the session.
 */
export class AdjRibsIn {
  private readonly tables = new Map<string, AdjRibIn>();

  constructor(private readonly store: AttributeStore) {}

  /** A session came up: keep its routes when `keep`, else forget any table of an earlier session. */
  open(peerKey: string, keep: boolean): void {
    if (keep) {
      if (!this.tables.has(peerKey)) this.tables.set(peerKey, new AdjRibIn(this.store));
    } else {
      this.close(peerKey);
    }
  }

  get(peerKey: string): AdjRibIn | undefined {
    return this.tables.get(peerKey);
  }

  /** The session ended: with graceful restart its routes go stale, else they go. */
  down(peerKey: string, families: readonly Family[], keepAsStale: boolean): void {
    if (keepAsStale) this.tables.get(peerKey)?.markStale(families);
    else this.close(peerKey);
  }

  /** End-of-RIB, EoRR or the restart timer: drop what was not re-announced. */
  sweepStale(peerKey: string, family: Family): void {
    this.tables.get(peerKey)?.sweepStale(family);
  }

  private close(peerKey: string): void {
    this.tables.get(peerKey)?.clear();
    this.tables.delete(peerKey);
  }
}
