/**
 * Adj-RIB-Out of an update group whose members are sent several paths per prefix (RFC 7911 ADD-PATH in the
 * send direction: we offered send, the peer offered receive, §4 and §5). adj-rib-out.ts is the one-path
 * table of every other group; this one is kept apart so that table stays as compact and fast as it is.
 *
 * Which paths: a prefix's eligible candidate paths in decision order (best first, decision.ts), each put
 * through the group's export rules and policy (export.ts: NO_ADVERTISE, NO_EXPORT, RFC 4456 §8 reflection,
 * RFC 8212, the rewrite) on its own, as BIRD (`add paths tx`), FRR (`addpath-tx-all-paths`) and GoBGP
 * (`send-max`) do. A member is then told the first `limit` of those that did not come from it (split horizon,
 * judged per member); `limit` 'all' is every one. The best path is first whenever it is exportable, as §5
 * asks ("SHOULD include the best route ... unless it is a path received from that neighbor").
 *
 * Path identifiers (§2: assigned by us, unique per prefix toward a peer): every exported path of a slot gets
 * the smallest free identifier from 1 up and keeps it while the path exists, whatever its rank; the whole
 * group shares them. A changed path is therefore re-announced under its identifier (an implicit replace,
 * §5), a gone path is a withdrawal of exactly its identifier, and identifiers of gone paths are reused. A
 * path is known by its source, peer and received path identifier in the Loc-RIB.
 *
 * What a member was told is a function of the slot's list and the member's peer key, so one list per slot
 * serves every member: the members no path of the slot came from share one computation and one batch, and
 * each member that is the source of one of the slot's paths gets its own difference. Within a slot no
 * identifier is both withdrawn and announced, so announcements may go first (no gap at the receiver when a
 * path takes the place of another in a best-N cut).
 *
 * MRAI (RFC 4271 §9.2.1.1), `hold`: paths that are gone or no longer exported are withdrawn at once; new
 * and changed paths wait in `pending` for the timer. A withdrawal that would move another path into a
 * best-N cut is a replacement, and waits with the rest, as the one-path table does.
 *
 * Each slot with a list is held in the Loc-RIB (`hold`/`unhold`) so the slot is not reused before this
 * group withdrew it. Pure: no I/O, no timers.
 */
import type { AttributeStore } from './attribute-store.js';
import { selectBest } from './decision.js';
import { exportRoute, type ExportTarget } from './export.js';
import type { LocRib } from './loc-rib.js';
import type { Family } from '../common/prefix-key.js';
import type { Path, PathAttributes, RouteSource } from './types.js';

/** How many paths per prefix a member is sent: all that pass export, or the first N in decision order. */
export type PathLimit = number | 'all';

/** One path as the group advertises it; source, from and pathId say which Loc-RIB path it is. */
export interface SentPath {
  readonly source: RouteSource;
  /** The peer it was learned from (split horizon); undefined for local routes. */
  readonly from: string | undefined;
  /** The path identifier it was received with. */
  readonly pathId: number;
  /** Our path identifier for it. */
  readonly id: number;
  /** The attributes as exported to the group. */
  readonly attrs: PathAttributes;
}

/** Prefixes (as Loc-RIB slots) with the path identifier of each, side by side. */
export interface SlotIds {
  readonly slots: number[];
  readonly ids: number[];
}

/** What to send: exported set → (slot, path id) pairs to announce with it, and pairs to withdraw. */
export interface PathBatch {
  readonly announce: Map<PathAttributes, SlotIds>;
  readonly withdraw: SlotIds;
}

export interface PathsOutput<M> {
  /** To every member except those listed, keyed by the list (one batch per distinct set of exceptions). */
  readonly shared: Map<string, { readonly except: readonly M[]; readonly batch: PathBatch }>;
  /** To one member only. */
  readonly single: Map<M, PathBatch>;
}

const NONE: readonly SentPath[] = Object.freeze([]);

export function emptyPathsOutput<M>(): PathsOutput<M> {
  return { shared: new Map(), single: new Map() };
}

export function pathBatch(): PathBatch {
  return { announce: new Map(), withdraw: { slots: [], ids: [] } };
}

function announceIn(b: PathBatch, attrs: PathAttributes, slot: number, id: number): void {
  let list = b.announce.get(attrs);
  if (!list) b.announce.set(attrs, (list = { slots: [], ids: [] }));
  list.slots.push(slot);
  list.ids.push(id);
}

/** How many (slot, id) pairs a batch holds. */
export function pathBatchSize(b: PathBatch): number {
  let n = b.withdraw.slots.length;
  for (const l of b.announce.values()) n += l.slots.length;
  return n;
}

/** The paths a member with peer key `member` (undefined: a member no path came from) is told. */
export function memberView(paths: readonly SentPath[], member: string | undefined, limit: PathLimit): readonly SentPath[] {
  const max = limit === 'all' ? Infinity : limit;
  if (member === undefined && paths.length <= max) return paths;
  const out: SentPath[] = [];
  for (const p of paths) {
    if (out.length >= max) break;
    if (member === undefined || p.from !== member) out.push(p);
  }
  return out;
}

/** Candidate paths in decision order: the best, then the best of the rest, and so on (RFC 4271 §9.1.2). */
export function decisionOrder(best: Path, eligible: readonly Path[], rib: LocRib): Path[] {
  const order = [best];
  let rest = eligible.filter((p) => p !== best);
  while (rest.length > 1) {
    const next = selectBest(rest, rib.decision).best!;
    order.push(next);
    rest = rest.filter((p) => p !== next);
  }
  if (rest.length === 1) order.push(rest[0]!);
  return order;
}

/** Whether a sent path is the Loc-RIB path `p`. */
function isPath(s: SentPath, p: Path): boolean {
  return s.pathId === p.pathId && s.from === p.peer?.key && s.source === p.source;
}

function samePath(a: SentPath, b: SentPath): boolean {
  return a.pathId === b.pathId && a.from === b.from && a.source === b.source;
}

function sameList(a: readonly SentPath[], b: readonly SentPath[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && (x.id !== y.id || x.attrs !== y.attrs || !samePath(x, y))) return false;
  }
  return true;
}

function byId(list: readonly SentPath[], id: number): SentPath | undefined {
  for (const p of list) if (p.id === id) return p;
  return undefined;
}

/** Add to `b` what turns view `before` of a slot into view `after`. */
function diffInto(b: PathBatch, slot: number, before: readonly SentPath[], after: readonly SentPath[]): void {
  for (const n of after) {
    const o = byId(before, n.id);
    if (o === undefined || o.attrs !== n.attrs) announceIn(b, n.attrs, slot, n.id);
  }
  for (const o of before) {
    if (byId(after, o.id) === undefined) {
      b.withdraw.slots.push(slot);
      b.withdraw.ids.push(o.id);
    }
  }
}

export class AdjRibOutPaths<M> {
  /** Members by peer key, each with a number that orders them in the keys of `shared` batches. */
  private readonly members = new Map<string, { readonly member: M; readonly index: number }>();
  private serial = 0;
  /** What the group is told per slot (NONE: nothing): exported paths in decision order, with their identifiers. */
  private readonly sent: Record<Family, (readonly SentPath[])[]> = { 'ipv4-unicast': [], 'ipv6-unicast': [] };
  /** Slots with a list, per family. */
  private readonly count: Record<Family, number> = { 'ipv4-unicast': 0, 'ipv6-unicast': 0 };
  /** Slots whose announcements wait for the MRAI timer (their state is read when they go out). */
  readonly pending: Record<Family, Set<number>> = { 'ipv4-unicast': new Set(), 'ipv6-unicast': new Set() };

  constructor(
    readonly target: ExportTarget,
    readonly families: readonly Family[],
    readonly limit: PathLimit,
    private readonly rib: LocRib,
    private readonly store: AttributeStore,
  ) {}

  get size(): number {
    return this.members.size;
  }

  add(peerKey: string, member: M): void {
    this.members.set(peerKey, { member, index: ++this.serial });
  }

  /** Take a member out; nothing it was told needs undoing (its view is computed from its key). */
  remove(peerKey: string): void {
    this.members.delete(peerKey);
  }

  /** Forget everything sent (the group is gone, or will send its whole table again): slots go back. */
  reset(): void {
    for (const family of this.families) {
      const sent = this.sent[family];
      for (let slot = 0; slot < sent.length; slot++) if (sent[slot] !== NONE) this.rib.unhold(family, slot);
      sent.length = 0;
      this.count[family] = 0;
      this.pending[family].clear();
    }
  }

  /** What the group advertises for a slot, best first (for displays and tests). */
  paths(family: Family, slot: number): readonly SentPath[] {
    return this.sent[family][slot] ?? NONE;
  }

  /** What one member is told for a slot. */
  pathsFor(peerKey: string, family: Family, slot: number): readonly SentPath[] {
    return memberView(this.paths(family, slot), peerKey, this.limit);
  }

  /** Prefixes with at least one path advertised to the group. */
  advertised(family: Family): number {
    return this.count[family];
  }

  /**
   * Bring the group up to date for changed slots of a family (best-path changes and candidate changes
   * alike; a slot given twice costs a comparison). With `hold` (MRAI running) only withdrawals go out now.
   */
  update(family: Family, slots: Iterable<number>, out: PathsOutput<M>, hold = false): void {
    const sent = this.sent[family];
    // One element per slot of the prefix table, so the array stays dense.
    for (let n = this.rib.prefixes(family).highWater; sent.length < n;) sent.push(NONE);
    const pending = this.pending[family];
    for (const slot of slots) {
      const before = sent[slot]!;
      let after = this.compute(family, slot, before);
      if (hold) {
        const now = this.withdrawalsOnly(before, after);
        if (!sameList(now, after)) pending.add(slot);
        after = now;
      } else if (pending.size !== 0) {
        pending.delete(slot);
      }
      if (after === before || sameList(before, after)) continue;
      this.emit(slot, before, after, out);
      sent[slot] = after.length === 0 ? NONE : after;
      if (after.length === 0) {
        this.count[family]--;
        this.rib.unhold(family, slot);
      } else if (before.length === 0) {
        this.count[family]++;
        this.rib.hold(family, slot);
      }
    }
  }

  /** Send the announcements held back by MRAI. */
  releasePending(family: Family, out: PathsOutput<M>): void {
    const p = this.pending[family];
    if (p.size === 0) return;
    const slots = [...p];
    p.clear();
    this.update(family, slots, out, false);
  }

  /** The whole table of a family as freshly computed (a new group, or after `reset`). */
  fill(family: Family, out: PathsOutput<M>): void {
    this.update(family, this.rib.bestSlots(family), out, false);
  }

  /** What one member has been told of a family: for a member that joins, or a route refresh (same ids). */
  tableFor(peerKey: string, family: Family): PathBatch {
    const b = pathBatch();
    const sent = this.sent[family];
    for (let slot = 0; slot < sent.length; slot++) {
      for (const p of memberView(sent[slot]!, peerKey, this.limit)) announceIn(b, p.attrs, slot, p.id);
    }
    return b;
  }

  /**
   * The slot's exported candidates in decision order, with identifiers: kept from `before`, else the smallest
   * free ones. Entries that did not change are `before`'s own objects, and an unchanged list is `before`.
   */
  private compute(family: Family, slot: number, before: readonly SentPath[]): readonly SentPath[] {
    const e = this.rib.entryAt(family, slot);
    if (!e?.best) return NONE;
    const order = e.paths.length === 1 ? e.paths : decisionOrder(e.best, e.paths.filter((p) => p === e.best || this.rib.ineligibleReason(p) === undefined), this.rib);
    const out: SentPath[] = [];
    let unchanged = true;
    let fresh = 0;
    for (const p of order) {
      const v = exportRoute(p.peer, p.attrs, family, this.target, this.store, p);
      if (!v.advertise) continue;
      let o: SentPath | undefined;
      for (const x of before) if (isPath(x, p)) o = x;
      if (o !== undefined && o.attrs === v.attrs) {
        if (before[out.length] !== o) unchanged = false;
        out.push(o);
        continue;
      }
      unchanged = false;
      if (o === undefined) fresh++;
      out.push({ source: p.source, from: p.peer?.key, pathId: p.pathId, id: o?.id ?? 0, attrs: v.attrs });
    }
    if (unchanged && out.length === before.length) return before;
    let next = 1;
    for (let i = 0; fresh > 0 && i < out.length; i++) {
      if (out[i]!.id !== 0) continue;
      while (byId(out, next) !== undefined) next++;
      (out[i] as { id: number }).id = next++;
      fresh--;
    }
    return out;
  }

  /**
   * Under MRAI: `before` without the paths that are gone from `after` (withdrawals), the others as they
   * were. When that would show a member a path it was not shown (a best-N cut moving up), nothing changes
   * now: that is a replacement, and waits.
   */
  private withdrawalsOnly(before: readonly SentPath[], after: readonly SentPath[]): readonly SentPath[] {
    const now = before.filter((o) => after.some((n) => samePath(n, o)));
    if (now.length === before.length || this.limit === 'all') return now;
    for (const viewer of [undefined, ...this.sourceMembers(before, NONE).map(([k]) => k)]) {
      const was = memberView(before, viewer, this.limit);
      if (memberView(now, viewer, this.limit).some((p) => !was.includes(p))) return before;
    }
    return now;
  }

  private fromMember(list: readonly SentPath[]): boolean {
    for (const p of list) if (p.from !== undefined && this.members.has(p.from)) return true;
    return false;
  }

  /** The members that are the source of a path in either list, by peer key, in member order. */
  private sourceMembers(a: readonly SentPath[], b: readonly SentPath[]): [string, { readonly member: M; readonly index: number }][] {
    const found = new Map<string, { readonly member: M; readonly index: number }>();
    for (const p of [...a, ...b]) {
      if (p.from === undefined || found.has(p.from)) continue;
      const m = this.members.get(p.from);
      if (m) found.set(p.from, m);
    }
    return [...found].sort((x, y) => x[1].index - y[1].index);
  }

  /** The batches for one changed slot: one shared by every member no path came from, one per source member. */
  private emit(slot: number, before: readonly SentPath[], after: readonly SentPath[], out: PathsOutput<M>): void {
    if (!this.fromMember(before) && !this.fromMember(after)) {
      // The common case (no path of the slot came from a member): one view for all.
      let s = out.shared.get('');
      if (!s) out.shared.set('', (s = { except: [], batch: pathBatch() }));
      diffInto(s.batch, slot, memberView(before, undefined, this.limit), memberView(after, undefined, this.limit));
      return;
    }
    const sources = this.sourceMembers(before, after);
    const shared = memberView(before, undefined, this.limit);
    const sharedAfter = memberView(after, undefined, this.limit);
    if (this.members.size > sources.length && !sameList(shared, sharedAfter)) {
      const key = sources.map(([, m]) => m.index).join(',');
      let s = out.shared.get(key);
      if (!s) out.shared.set(key, (s = { except: sources.map(([, m]) => m.member), batch: pathBatch() }));
      diffInto(s.batch, slot, shared, sharedAfter);
    }
    for (const [peerKey, m] of sources) {
      const was = memberView(before, peerKey, this.limit);
      const now = memberView(after, peerKey, this.limit);
      if (sameList(was, now)) continue;
      let b = out.single.get(m.member);
      if (!b) out.single.set(m.member, (b = pathBatch()));
      diffInto(b, slot, was, now);
    }
  }
}
