/**
 * The routing table: for every prefix, the candidate paths from every source (the union of the Adj-RIBs-In,
 * post-policy), the best path and the ECMP set (RFC 4271 §9.1). Changes to a prefix re-run the decision for
 * that prefix only and are queued; whoever exports (Adj-RIB-Out, kernel) takes them.
 *
 * A candidate is replaced when the same source (peer key + path id) announces the prefix again. Ineligible
 * paths (AS loop, own ORIGINATOR_ID, own cluster id: RFC 4271 §9.1.2, RFC 4456 §8) are kept for explanations
 * but never selected. Stale paths (graceful restart helper, RFC 4724 §4.2) stay selectable until swept.
 *
 * Layout (for a million prefixes in little memory, without per-prefix objects for the garbage collector):
 * each prefix has a slot in a PrefixTable; a prefix with one path from a BGP peer, the common case, keeps it
 * in typed arrays indexed by slot (attribute set, source index, path id, flags, time). A prefix with several
 * paths, or with a local path, gets a `RibEntry` of Path objects instead. Paths handed out (`get`, `entries`,
 * changes) are made from the arrays on demand: compare them by content, not identity.
 *
 * A slot whose prefix lost its last path stays until its change was taken and no Adj-RIB-Out still holds it
 * (`hold`/`unhold`), then it is retired (`collect`) and freed by the next `prune`.
 *
 * Changes that leave the best path and the ECMP set as they were (a second path added, changed or withdrawn)
 * matter only to peers that are sent several paths (RFC 7911 add-path, adj-rib-out-paths.ts). They are
 * reported, in a queue of their own, only while `trackCandidates` is on, and only for slots with several
 * paths: the compact one-path case costs nothing more.
 */
import { isEligibleRoute, selectBest } from './decision.js';
import { AttributeIds } from './attribute-ids.js';
import { PrefixTable } from '../common/prefix-table.js';
import type { Family, PrefixKey } from '../common/prefix-key.js';
import type { DecisionOptions, Path, PathAttributes, PeerRef } from './types.js';

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
const STALE = 1;
const INELIGIBLE = 2;
const QUEUED = 4;
/** The slot's paths are in `entries`. */
const ENTRY = 8;
/** The slot is on the retired list (see maybeFree). */
const RETIRED = 16;
/** Flags that describe the slot's bookkeeping, not its path: kept when the path changes. */
const KEPT = QUEUED | RETIRED;

/** The per-slot state of one family. */
class FamilyTable {
  readonly prefixes: PrefixTable;
  /** Inline path: the id of its attribute set (0: no inline path). */
  attrId: Uint32Array;
  source: Uint32Array;
  /**
   * The inline path's path identifier (RFC 7911), made on the first one that is not 0: without add-path
   * receive every id is 0, and the array would be 4 octets a prefix for nothing (4 MiB of a million-prefix
   * table, twice that while the table grows). Read through `pathIdAt`.
   */
  private pathIds: Uint32Array | undefined = undefined;
  flags: Uint8Array;
  /** When the inline path arrived, in whole seconds since the epoch (it is shown, never compared). */
  time: Uint32Array;
  /** Adj-RIB-Out references (adj-rib-out.ts): the slot lives on while any group has advertised it. */
  holds: Uint16Array;
  /** Slots with several or local paths (flag ENTRY). */
  private readonly entries = new Map<number, RibEntry>();
  queue: number[] = [];
  /** Slots flagged RETIRED: left without paths, not yet removed from the prefix table (LocRib.prune). */
  retired = 0;
  /** Where the next prune goes on looking for RETIRED flags. */
  pruneCursor = 0;
  /** Slots whose candidate paths changed while the best path and ECMP set did not (while tracking). */
  candidates = new Set<number>();
  /** Prefixes with at least one path. */
  routes = 0;

  constructor(readonly family: Family, private readonly ids: AttributeIds) {
    this.prefixes = new PrefixTable(family === 'ipv4-unicast' ? 1 : 4);
    const n = this.prefixes.capacity;
    this.attrId = new Uint32Array(n);
    this.source = new Uint32Array(n);
    this.flags = new Uint8Array(n);
    this.time = new Uint32Array(n);
    this.holds = new Uint16Array(n);
    this.prefixes.onGrow = (capacity) => this.grow(capacity);
  }

  private grow(capacity: number): void {
    const copy = <T extends Uint8Array | Uint16Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    this.source = copy(this.source, (n) => new Uint32Array(n));
    if (this.pathIds !== undefined) this.pathIds = copy(this.pathIds, (n) => new Uint32Array(n));
    this.flags = copy(this.flags, (n) => new Uint8Array(n));
    this.time = copy(this.time, (n) => new Uint32Array(n));
    this.holds = copy(this.holds, (n) => new Uint16Array(n));
    this.attrId = copy(this.attrId, (n) => new Uint32Array(n));
  }

  pathIdAt(slot: number): number {
    const ids = this.pathIds;
    return ids === undefined ? 0 : ids[slot]!;
  }

  setPathId(slot: number, id: number): void {
    if (this.pathIds === undefined) {
      if (id === 0) return;
      this.pathIds = new Uint32Array(this.flags.length);
    }
    this.pathIds[slot] = id;
  }

  entry(slot: number): RibEntry | undefined {
    return this.flags[slot]! & ENTRY ? this.entries.get(slot) : undefined;
  }

  setEntry(slot: number, e: RibEntry | undefined): void {
    if (e) {
      this.entries.set(slot, e);
      this.flags[slot]! |= ENTRY;
    } else if (this.flags[slot]! & ENTRY) {
      this.entries.delete(slot);
      this.flags[slot]! &= ~ENTRY;
    }
  }

  attrOf(slot: number): PathAttributes | undefined {
    const id = this.attrId[slot]!;
    return id === 0 ? undefined : this.ids.get(id);
  }

  setAttr(slot: number, a: PathAttributes | undefined): void {
    const old = this.attrId[slot]!;
    const id = a === undefined ? 0 : this.ids.acquire(a);
    this.attrId[slot] = id;
    if (old !== 0) this.ids.release(old);
  }

  hasRoute(slot: number): boolean {
    return this.attrId[slot] !== 0 || (this.flags[slot]! & ENTRY) !== 0;
  }
}

export class LocRib {
  /** Numbers for attribute sets, so per-slot arrays hold 4-octet ids instead of pointers. */
  readonly attributeIds = new AttributeIds();
  private readonly v4 = new FamilyTable('ipv4-unicast', this.attributeIds);
  private readonly v6 = new FamilyTable('ipv6-unicast', this.attributeIds);

  /**
   * A family's table. Not a Record indexed by the family: a property load whose key is sometimes one
   * family's name and sometimes the other's is a generic keyed lookup in V8 (7 ns more each, measured),
   * made several times per prefix; comparing the name is one pointer comparison.
   */
  private table(family: Family): FamilyTable {
    return family === 'ipv4-unicast' ? this.v4 : this.v6;
  }
  /** Sources of inline paths: index → the peer's latest PeerRef; key → index. */
  private readonly sources: PeerRef[] = [];
  private readonly sourceIndex = new Map<string, number>();
  private readonly ineligible = new WeakMap<Path, string>();
  // Built with all three fields from the start: a first value of another shape left the RIB built before
  // warm-up on a map the compiled `eligible` no longer expected ("wrong map" in --trace-deopt).
  private lastEligible: { attrs: PathAttributes | undefined; peer: PeerRef | undefined; ok: boolean } = { attrs: undefined, peer: undefined, ok: false };
  private tracking = false;

  constructor(private readonly options: LocRibOptions) {}

  get decision(): DecisionOptions {
    return this.options.decision;
  }

  size(family: Family): number {
    return this.table(family).routes;
  }

  /** Prefixes whose change waits to be taken (`takeChangedSlots`), both families. */
  get pendingChanges(): number {
    return this.v4.queue.length + this.v6.queue.length;
  }

  // ---- lookups -----------------------------------------------------------------------------------------

  /**
   * The slots of `n` prefixes given as columns (words and lengths, as the NLRI reader gives them) into `out`,
   * created when `create`, else -1 when missing. One batch per UPDATE: see PrefixTable.lookupMany.
   */
  slotsOf(family: Family, words: Uint32Array, lengths: Uint8Array, n: number, create: boolean, out: Int32Array): void {
    this.table(family).prefixes.lookupMany(words, lengths, n, create, out);
  }

  slotOf(family: Family, prefix: PrefixKey, create = false): number {
    const p = this.table(family).prefixes;
    return create ? p.addKey(prefix) : p.findKey(prefix);
  }

  /** The prefix table of a family (addresses and lengths by slot), for packing UPDATEs straight from slots. */
  prefixes(family: Family): PrefixTable {
    return this.table(family).prefixes;
  }

  get(family: Family, prefix: PrefixKey): RibEntry | undefined {
    const slot = this.table(family).prefixes.findKey(prefix);
    return slot < 0 ? undefined : this.entryAt(family, slot);
  }

  /** The entry of a slot (made from the arrays for an inline path), undefined when it has no path. */
  entryAt(family: Family, slot: number): RibEntry | undefined {
    const t = this.table(family);
    const e = t.entry(slot);
    if (e) return e;
    if (t.attrId[slot] === 0) return undefined;
    const p = this.inlinePath(t, slot);
    const best = t.flags[slot]! & INELIGIBLE ? undefined : p;
    return { prefix: p.prefix, paths: [p], best, multipath: best ? [best] : EMPTY };
  }

  /** Every prefix with a path, as entries (made on demand: for full-table passes and displays). */
  *entries(family: Family): IterableIterator<RibEntry> {
    const t = this.table(family);
    const n = t.prefixes.highWater;
    for (let s = 0; s < n; s++) {
      if (!t.hasRoute(s)) continue;
      yield this.entryAt(family, s)!;
    }
  }

  /** Slots with a best path, for full-table passes that work on slots. */
  *bestSlots(family: Family): IterableIterator<number> {
    const t = this.table(family);
    const n = t.prefixes.highWater;
    for (let s = 0; s < n; s++) if (this.hasBest(t, s)) yield s;
  }

  private hasBest(t: FamilyTable, s: number): boolean {
    const e = t.entry(s);
    if (e) return e.best !== undefined;
    return t.attrId[s] !== 0 && (t.flags[s]! & INELIGIBLE) === 0;
  }

  /** The best path's attribute set at a slot, or undefined. */
  bestAttrs(family: Family, slot: number): PathAttributes | undefined {
    const t = this.table(family);
    const e = t.entry(slot);
    if (e) return e.best?.attrs;
    return t.flags[slot]! & INELIGIBLE ? undefined : t.attrOf(slot);
  }

  /** The peer of the best path at a slot (undefined for local routes and when there is none). */
  bestPeer(family: Family, slot: number): PeerRef | undefined {
    const t = this.table(family);
    const e = t.entry(slot);
    if (e) return e.best?.peer;
    return t.attrId[slot] === 0 ? undefined : this.sources[t.source[slot]!];
  }

  /**
   * The entry a slot keeps its paths in (several paths, or a local one), as it is: nothing is made. Undefined
   * for a compact slot (one path from a BGP peer: read `bestAttrs` and `bestPeer`) and for an empty one.
   */
  storedEntry(family: Family, slot: number): Readonly<RibEntry> | undefined {
    return this.table(family).entry(slot);
  }

  /** The best path at a slot (made on demand for an inline path). */
  bestPath(family: Family, slot: number): Path | undefined {
    const t = this.table(family);
    const e = t.entry(slot);
    if (e) return e.best;
    if (t.attrId[slot] === 0 || t.flags[slot]! & INELIGIBLE) return undefined;
    return this.inlinePath(t, slot);
  }

  /** Why a stored path can never be selected, or undefined. */
  ineligibleReason(path: Path): string | undefined {
    const known = this.ineligible.get(path);
    if (known !== undefined || !path.peer) return known;
    const v = isEligibleRoute(path.attrs, path.peer, this.options);
    return v.ok ? undefined : v.reason;
  }

  // ---- changes -----------------------------------------------------------------------------------------

  /**
   * Add or replace the path from the path's source; returns the path it replaced (made on demand for an
   * inline one: equal by content, not identity).
   */
  announce(path: Path): Path | undefined {
    const t = this.table(path.family);
    const slot = t.prefixes.addKey(path.prefix);
    if (inlineable(path) && t.entry(slot) === undefined) {
      const cur = t.attrOf(slot);
      if (cur === undefined || this.sources[t.source[slot]!]!.key === path.peer!.key && t.pathIdAt(slot) === path.pathId) {
        const old = cur === undefined ? undefined : this.inlinePath(t, slot);
        this.setInline(t, slot, path.peer!, path.pathId, path.attrs, path.stale, path.receivedAt);
        return old;
      }
    }
    return this.announceEntry(t, slot, path);
  }

  /**
   * The hot path of a BGP announcement: the path of `peer` with `pathId` at `slot` is now `attrs`. Returns the
   * attribute set it replaced (the caller releases it), undefined when the path is new.
   */
  announceAt(family: Family, slot: number, peer: PeerRef, pathId: number, attrs: PathAttributes, receivedAt: number): PathAttributes | undefined {
    const t = this.table(family);
    if (t.entry(slot) === undefined) {
      const cur = t.attrOf(slot);
      if (cur === undefined || this.sources[t.source[slot]!]!.key === peer.key && t.pathIdAt(slot) === pathId) {
        this.setInline(t, slot, peer, pathId, attrs, false, receivedAt);
        return cur;
      }
    }
    const path: Path = { family, prefix: t.prefixes.keyOf(slot), pathId, attrs, source: 'bgp', peer, stale: false, receivedAt };
    return this.announceEntry(t, slot, path)?.attrs;
  }

  private setInline(t: FamilyTable, slot: number, peer: PeerRef, pathId: number, attrs: PathAttributes, stale: boolean, time: number): void {
    const src = this.sourceOf(peer, true);
    const cur = t.attrOf(slot);
    const eligible = this.eligible(attrs, peer);
    // The best path before and after: the inline path when it is eligible.
    const before = cur !== undefined && (t.flags[slot]! & INELIGIBLE) === 0;
    const changed = before !== eligible || (eligible && (cur !== attrs || t.source[slot] !== src || t.pathIdAt(slot) !== pathId));
    if (cur === undefined) t.routes++;
    t.setAttr(slot, attrs);
    t.source[slot] = src;
    t.setPathId(slot, pathId);
    t.time[slot] = time / 1000;
    t.flags[slot] = (t.flags[slot]! & KEPT) | (stale ? STALE : 0) | (eligible ? 0 : INELIGIBLE);
    if (changed) this.queue(t, slot);
  }

  /**
   * Eligibility of a compact path. It depends on the set and the peer only, and a full table from one peer
   * repeats both: the last answer is kept instead of walking the AS path again for every prefix.
   */
  private eligible(attrs: PathAttributes, peer: PeerRef): boolean {
    if (attrs !== this.lastEligible.attrs || peer !== this.lastEligible.peer) {
      this.lastEligible = { attrs, peer, ok: isEligibleRoute(attrs, peer, this.options).ok };
    }
    return this.lastEligible.ok;
  }

  /** The source index of a peer; `adopt`: this is the peer's current session, whose view its paths take. */
  private sourceOf(peer: PeerRef, adopt: boolean): number {
    let i = this.sourceIndex.get(peer.key);
    if (i === undefined) {
      i = this.sources.length;
      this.sources.push(peer);
      this.sourceIndex.set(peer.key, i);
    } else if (adopt && this.sources[i] !== peer) {
      this.sources[i] = peer;
    }
    return i;
  }

  private inlinePath(t: FamilyTable, slot: number): Path {
    return {
      family: t.family, prefix: t.prefixes.keyOf(slot), pathId: t.pathIdAt(slot), attrs: t.attrOf(slot)!, source: 'bgp',
      peer: this.sources[t.source[slot]!], stale: (t.flags[slot]! & STALE) !== 0, receivedAt: t.time[slot]! * 1000,
    };
  }

  /** Move an inline path into an entry (a second path, or a local one, arrived). */
  private toEntry(t: FamilyTable, slot: number): RibEntry {
    let e = t.entry(slot);
    if (e) return e;
    const prefix = t.prefixes.keyOf(slot);
    e = { prefix, paths: [], best: undefined, multipath: EMPTY };
    if (t.attrId[slot] !== 0) {
      const p = this.inlinePath(t, slot);
      e.paths.push(p);
      const v = isEligibleRoute(p.attrs, p.peer!, this.options);
      if (!v.ok) this.ineligible.set(p, v.reason);
      else {
        e.best = p;
        e.multipath = [p];
      }
      t.setAttr(slot, undefined);
      t.flags[slot]! &= KEPT;
    } else {
      t.routes++;
    }
    t.setEntry(slot, e);
    return e;
  }

  private announceEntry(t: FamilyTable, slot: number, path: Path): Path | undefined {
    const entry = this.toEntry(t, slot);
    if (path.peer) {
      const verdict = isEligibleRoute(path.attrs, path.peer, this.options);
      if (!verdict.ok) this.ineligible.set(path, verdict.reason);
    }
    const key = path.peer?.key;
    const i = entry.paths.findIndex((p) => p.peer?.key === key && p.pathId === path.pathId && p.source === path.source);
    let old: Path | undefined;
    if (i >= 0) {
      old = entry.paths[i]!;
      if (decidesAlike(old, path)) {
        // Announced again as it was (at most its stale mark cleared, RFC 4724 §4.2): no input of the decision
        // changed, so no change is reported, as for a compact path (setInline).
        this.swapPath(entry, i, path);
        return old;
      }
      entry.paths[i] = path;
    } else {
      entry.paths.push(path);
    }
    this.decide(t, slot, entry);
    this.candidateChanged(t, slot);
    return old;
  }

  /** Remove the path of `peerKey` (undefined: local) with `pathId`; returns it. */
  withdraw(family: Family, prefix: PrefixKey, peerKey: string | undefined, pathId: number, source: Path['source'] = 'bgp'): Path | undefined {
    const t = this.table(family);
    const slot = t.prefixes.findKey(prefix);
    if (slot < 0) return undefined;
    if (t.entry(slot) === undefined) {
      if (source !== 'bgp' || peerKey === undefined) return undefined;
      const p = t.attrId[slot] === 0 ? undefined : this.inlinePath(t, slot);
      return p && this.withdrawAt(family, slot, peerKey, pathId) ? p : undefined;
    }
    return this.withdrawEntry(t, slot, peerKey, pathId, source);
  }

  /** The hot path of a BGP withdrawal; returns the attribute set of the removed path (the caller releases it). */
  withdrawAt(family: Family, slot: number, peerKey: string, pathId: number): PathAttributes | undefined {
    const t = this.table(family);
    if (t.entry(slot) !== undefined) return this.withdrawEntry(t, slot, peerKey, pathId, 'bgp')?.attrs;
    const cur = t.attrOf(slot);
    if (cur === undefined || t.pathIdAt(slot) !== pathId || this.sources[t.source[slot]!]!.key !== peerKey) return undefined;
    t.setAttr(slot, undefined);
    t.routes--;
    if ((t.flags[slot]! & INELIGIBLE) === 0) this.queue(t, slot);
    t.flags[slot]! &= KEPT;
    this.maybeFree(t, slot);
    return cur;
  }

  /**
   * The hot path of a BGP withdrawal, for the slots of one NLRI list at once: the path of `peerKey` with
   * `pathIds[j]` at `slots[j]` (j < n; a negative slot is a prefix the table does not hold) is removed.
   * `removed[j]` gets the attribute set id of the removed path (`attributeIds`), 0 when there was none; the
   * caller releases the sets and then the ids (`attributeIds.release`). Same effect as `withdrawAt` per slot,
   * with the table, its columns and the peer's source number looked up once, and the source compared as a
   * number.
   */
  withdrawMany(family: Family, slots: Int32Array, pathIds: Uint32Array, n: number, peerKey: string, removed: Uint32Array): void {
    const t = this.table(family);
    const src = this.sourceIndex.get(peerKey);
    const flags = t.flags;
    for (let j = 0; j < n; j++) {
      removed[j] = 0;
      const slot = slots[j]!;
      if (slot < 0) continue;
      if (flags[slot]! & ENTRY) {
        const old = this.withdrawEntry(t, slot, peerKey, pathIds[j]!, 'bgp');
        if (old) removed[j] = this.attributeIds.acquire(old.attrs);
        continue;
      }
      const id = t.attrId[slot]!;
      if (id === 0 || t.pathIdAt(slot) !== pathIds[j] || t.source[slot] !== src) continue;
      // The id's reference passes from the slot to the caller.
      t.attrId[slot] = 0;
      removed[j] = id;
      t.routes--;
      const f = flags[slot]!;
      if ((f & INELIGIBLE) === 0) {
        // Queued: the slot is freed once the change has been taken (collect), not here.
        flags[slot] = (f & KEPT) | QUEUED;
        if ((f & QUEUED) === 0) t.queue.push(slot);
      } else {
        flags[slot] = f & KEPT;
        this.maybeFree(t, slot);
      }
    }
  }

  /** Remove one path of a slot, inline or in an entry. */
  private removeAt(t: FamilyTable, slot: number, peerKey: string, pathId: number, source: Path['source']): void {
    if (t.entry(slot) !== undefined) this.withdrawEntry(t, slot, peerKey, pathId, source);
    else if (source === 'bgp') this.withdrawAt(t.family, slot, peerKey, pathId);
  }

  private withdrawEntry(t: FamilyTable, slot: number, peerKey: string | undefined, pathId: number, source: Path['source']): Path | undefined {
    const entry = t.entry(slot)!;
    const i = entry.paths.findIndex((p) => p.peer?.key === peerKey && p.pathId === pathId && p.source === source);
    if (i < 0) return undefined;
    const [old] = entry.paths.splice(i, 1);
    if (entry.paths.length === 0) {
      t.setEntry(slot, undefined);
      t.routes--;
      if (entry.best) this.queue(t, slot);
      this.maybeFree(t, slot);
    } else {
      this.decide(t, slot, entry);
      const only = entry.paths[0]!;
      if (entry.paths.length === 1 && inlineable(only)) {
        // Back to the compact form; the best path is unchanged by this (decide above queued any change).
        t.setEntry(slot, undefined);
        const ineligible = this.ineligible.has(only);
        t.setAttr(slot, only.attrs);
        t.source[slot] = this.sourceOf(only.peer!, false);
        t.setPathId(slot, only.pathId);
        t.time[slot] = only.receivedAt / 1000;
        t.flags[slot] = (t.flags[slot]! & KEPT) | (only.stale ? STALE : 0) | (ineligible ? INELIGIBLE : 0);
      }
    }
    this.candidateChanged(t, slot);
    return old;
  }

  /**
   * Remove every path from a peer, or with `keepAsStale` mark them stale (graceful restart helper).
   * Returns the removed (or marked) paths. O(table size): sessions do not go down often.
   */
  dropPeer(peerKey: string, families: readonly Family[], keepAsStale = false): Path[] {
    const gone: Path[] = [];
    for (const family of families) {
      const t = this.table(family);
      for (const { slot, path } of this.pathsOf(t, peerKey, false)) {
        if (!keepAsStale) this.removeAt(t, slot, peerKey, path.pathId, path.source);
        else if (t.entry(slot)) this.markStale(t.entry(slot)!, path);
        else t.flags[slot]! |= STALE;
        gone.push(path);
      }
    }
    return gone;
  }

  /**
   * Mark one path of an entry stale in place. Stale takes no part in the decision (RFC 4724 §4.2: stale
   * routes are used as before until replaced or swept), so the best path and ECMP set keep their members, as
   * a compact path keeps its flag, and no change is reported. A new Path object replaces the old one wherever
   * the entry holds it (paths are never mutated: they may have been handed out).
   */
  private markStale(entry: RibEntry, path: Path): void {
    const i = entry.paths.indexOf(path);
    if (path.stale || i < 0) return;
    const marked: Path = { ...path, stale: true };
    const reason = this.ineligible.get(path);
    if (reason !== undefined) this.ineligible.set(marked, reason);
    this.swapPath(entry, i, marked);
  }

  /** Put `next` wherever the entry holds its path `i` (candidates, best, ECMP set), the decision left as it is. */
  private swapPath(entry: RibEntry, i: number, next: Path): void {
    const path = entry.paths[i]!;
    entry.paths[i] = next;
    if (entry.best === path) entry.best = next;
    if (entry.multipath.includes(path)) entry.multipath = entry.multipath.map((p) => (p === path ? next : p));
  }

  /** Remove a peer's paths that are still stale (End-of-RIB or restart timer, RFC 4724 §4.2). */
  sweepStale(peerKey: string, family: Family): Path[] {
    const t = this.table(family);
    const swept = this.pathsOf(t, peerKey, true);
    for (const { slot, path } of swept) this.removeAt(t, slot, peerKey, path.pathId, path.source);
    return swept.map((x) => x.path);
  }

  /** Every path of a peer in a family (only the stale ones with `staleOnly`), collected before any change. */
  private pathsOf(t: FamilyTable, peerKey: string, staleOnly: boolean): { readonly slot: number; readonly path: Path }[] {
    const out: { slot: number; path: Path }[] = [];
    const src = this.sourceIndex.get(peerKey);
    const n = t.prefixes.highWater;
    for (let s = 0; s < n; s++) {
      const e = t.entry(s);
      if (e) {
        for (const p of e.paths) if (p.peer?.key === peerKey && (!staleOnly || p.stale)) out.push({ slot: s, path: p });
      } else if (src !== undefined && t.attrId[s] !== 0 && t.source[s] === src && (!staleOnly || t.flags[s]! & STALE)) {
        out.push({ slot: s, path: this.inlinePath(t, s) });
      }
    }
    return out;
  }

  private decide(t: FamilyTable, slot: number, entry: RibEntry): void {
    const candidates = entry.paths.some((p) => this.ineligible.has(p)) ? entry.paths.filter((p) => !this.ineligible.has(p)) : entry.paths;
    const { best, multipath } = selectBest(candidates, this.options.decision);
    const same = best === entry.best && multipath.length === entry.multipath.length && multipath.every((p, i) => p === entry.multipath[i]);
    entry.best = best;
    entry.multipath = multipath;
    if (!same) this.queue(t, slot);
  }

  /** A path of a several-path slot changed: report it when tracked and not already queued as a best change. */
  private candidateChanged(t: FamilyTable, slot: number): void {
    if (this.tracking && (t.flags[slot]! & QUEUED) === 0) t.candidates.add(slot);
  }

  private queue(t: FamilyTable, slot: number): void {
    if (t.flags[slot]! & QUEUED) return;
    t.flags[slot]! |= QUEUED;
    t.queue.push(slot);
  }

  /**
   * The slots whose best path or ECMP set changed since the last call. The caller reads their state (best*,
   * entryAt) and then gives them back with `collect`, which frees those left without paths.
   */
  takeChangedSlots(family: Family): number[] {
    const t = this.table(family);
    const q = t.queue;
    t.queue = [];
    // Index loops here and in collect: these run once per flush over up to FLUSH_AT slots, often before V8 has
    // compiled them, and an uncompiled for-of makes an iterator result per element (~4 MiB per 100k prefixes).
    for (let i = 0; i < q.length; i++) t.flags[q[i]!]! &= ~QUEUED;
    return q;
  }

  /**
   * Whether changes to candidate paths that leave the best path and ECMP set alone are reported
   * (`takeCandidateSlots`): on while some peer is sent several paths per prefix (add-path).
   */
  get trackCandidates(): boolean {
    return this.tracking;
  }

  set trackCandidates(on: boolean) {
    if (on === this.tracking) return;
    this.tracking = on;
    if (!on) for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) this.collect(family, this.takeCandidateSlots(family));
  }

  /**
   * The slots whose candidate paths changed, best path and ECMP set unchanged, since the last call (only
   * while `trackCandidates`; a slot whose best path changed too is in `takeChangedSlots` instead, or in both).
   * Give them back with `collect` like those.
   */
  takeCandidateSlots(family: Family): number[] {
    const t = this.table(family);
    if (t.candidates.size === 0) return [];
    const slots = [...t.candidates];
    t.candidates.clear();
    return slots;
  }

  /** Free the slots of `slots` that have no path left and no Adj-RIB-Out holding them. */
  collect(family: Family, slots: readonly number[]): void {
    const t = this.table(family);
    for (let i = 0; i < slots.length; i++) this.maybeFree(t, slots[i]!);
  }

  /** An Adj-RIB-Out advertised the prefix at `slot`: the slot must outlive its paths until withdrawn there. */
  hold(family: Family, slot: number): void {
    this.table(family).holds[slot]!++;
  }

  unhold(family: Family, slot: number): void {
    const t = this.table(family);
    t.holds[slot]!--;
    this.maybeFree(t, slot);
  }

  /**
   * A slot left without paths, holds or a queued change is retired, not freed: its prefix stays in the table
   * until `prune`, which the daemon runs when the burst is over (as BIRD prunes its tables in an event of
   * their own). Removal from the hash table is a cache miss or two per prefix, a fifth of a full-table
   * withdrawal's work, and would otherwise delay every withdrawal behind it; a prefix announced again
   * before the prune simply keeps its slot.
   */
  private maybeFree(t: FamilyTable, slot: number): void {
    if (t.flags[slot]! & RETIRED || !this.freeable(t, slot)) return;
    t.flags[slot]! |= RETIRED;
    t.retired++;
  }

  private freeable(t: FamilyTable, slot: number): boolean {
    if (t.candidates.size !== 0 && t.candidates.has(slot)) return false;
    return t.holds[slot] === 0 && (t.flags[slot]! & QUEUED) === 0 && !t.hasRoute(slot) && t.prefixes.has(slot);
  }

  /** Retired slots waiting for `prune`, both families. */
  get retired(): number {
    return this.v4.retired + this.v6.retired;
  }

  /**
   * Free up to `limit` retired slots whose prefixes are still without paths (those announced again since
   * keep theirs); returns how many retired slots are left. The retired slots are found by their flag, a
   * scan of one octet per slot from where the last prune stopped: no list to grow during a withdrawal.
   */
  prune(limit = Infinity): number {
    let budget = limit;
    for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
      const t = this.table(family);
      const flags = t.flags;
      let s = t.pruneCursor;
      let wrapped = false;
      while (t.retired > 0 && budget > 0) {
        if (s >= t.prefixes.highWater) {
          if (wrapped) break;
          wrapped = true;
          s = 0;
          continue;
        }
        if (flags[s]! & RETIRED) {
          flags[s]! &= ~RETIRED;
          t.retired--;
          budget--;
          if (this.freeable(t, s)) {
            flags[s] = 0;
            t.prefixes.remove(s);
          }
        }
        s++;
      }
      t.pruneCursor = s;
    }
    return this.retired;
  }

  /** The state of a changed slot as a RibChange (for listeners that want paths). */
  changeAt(family: Family, slot: number): RibChange {
    const e = this.entryAt(family, slot);
    return { family, prefix: this.table(family).prefixes.keyOf(slot), best: e?.best, multipath: e?.multipath ?? EMPTY };
  }

  /** Forget the queued changes (whoever listens is about to read the whole table). */
  discardChanges(): void {
    for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
      this.collect(family, this.takeChangedSlots(family));
      this.collect(family, this.takeCandidateSlots(family));
    }
  }

  /** The prefixes whose best path or ECMP set changed since the last call, with their current state. */
  takeChanges(): RibChange[] {
    const out: RibChange[] = [];
    for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
      const slots = this.takeChangedSlots(family);
      for (const s of slots) out.push(this.changeAt(family, s));
      this.collect(family, slots);
    }
    return out;
  }
}

/**
 * Whether `b`, replacing `a` from the same source, leaves every input of the decision and of eligibility as it
 * was: the same interned attribute set, and a peer equal in content (a new session has a PeerRef of its own).
 * Stale and the arrival time are no input (decision.ts).
 */
function decidesAlike(a: Path, b: Path): boolean {
  if (a.attrs !== b.attrs || a.interface !== b.interface || a.igpCost !== b.igpCost) return false;
  const p = a.peer;
  const q = b.peer;
  return p === q || (p !== undefined && q !== undefined && p.key === q.key && p.address === q.address && p.addressKey === q.addressKey
    && p.asn === q.asn && p.localAs === q.localAs && p.routerId === q.routerId && p.ibgp === q.ibgp && p.rrClient === q.rrClient);
}

/** Whether a path can live in the compact arrays: one from a BGP peer with nothing beyond what they hold. */
function inlineable(p: Path): boolean {
  return p.source === 'bgp' && p.peer !== undefined && p.interface === undefined && p.igpCost === undefined;
}
