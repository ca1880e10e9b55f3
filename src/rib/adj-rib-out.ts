/**
 * Adj-RIB-Out per update group: peers whose sessions export alike (same export rules, policy, next hop self,
 * codec context: the caller decides what "alike" means and builds one `ExportTarget` for the group) share one
 * table of what was advertised and one export computation per change; the caller encodes each batch once and
 * writes the same bytes to every member (as FRR's update groups and BIRD's shared export tables).
 *
 * Split horizon (never back to the peer a route came from) is per member: when the best path comes from a
 * member, that member is left out of the shared batch and, if it had been told an earlier path, gets a
 * withdrawal of its own. `withheld` remembers, per prefix, the one member left out of what `sent` says.
 *
 * What was sent is kept per slot of the Loc-RIB's prefix table, and each advertised slot is held in the
 * Loc-RIB (`hold`/`unhold`) so it is not reused for another prefix before this group withdrew it.
 */
import type { AttributeStore } from './attribute-store.js';
import { exportRoute, releaseExportMemos, type ExportTarget } from './export.js';
import type { LocRib } from './loc-rib.js';
import type { Family, PathAttributes } from './types.js';

/** What to send: exported set → slots to announce with it, and slots to withdraw. */
export interface Batch {
  readonly announce: Map<PathAttributes, number[]>;
  readonly withdraw: number[];
}

export interface GroupOutput<M> {
  /** To every member except the key (undefined: to every member). */
  readonly shared: Map<M | undefined, Batch>;
  /** To one member only. */
  readonly single: Map<M, Batch>;
}

function batch(): Batch {
  return { announce: new Map(), withdraw: [] };
}

function batchIn<K>(map: Map<K, Batch>, key: K): Batch {
  let b = map.get(key);
  if (!b) map.set(key, (b = batch()));
  return b;
}

function announceIn(b: Batch, attrs: PathAttributes, slot: number): void {
  let list = b.announce.get(attrs);
  if (!list) b.announce.set(attrs, (list = []));
  list.push(slot);
}

export function emptyOutput<M>(): GroupOutput<M> {
  return { shared: new Map(), single: new Map() };
}

export function outputSize<M>(o: GroupOutput<M>): number {
  let n = 0;
  for (const m of [o.shared, o.single]) for (const b of m.values()) n += b.withdraw.length + [...b.announce.values()].reduce((s, l) => s + l.length, 0);
  return n;
}

export class UpdateGroup<M> {
  /** Members by the key of their peer (PeerRef.key), for split horizon. */
  private readonly members = new Map<string, M>();
  private readonly sent: Record<Family, (PathAttributes | undefined)[]> = { 'ipv4-unicast': [], 'ipv6-unicast': [] };
  private readonly withheld: Record<Family, Map<number, M>> = { 'ipv4-unicast': new Map(), 'ipv6-unicast': new Map() };
  /** Announcements waiting for the MRAI timer (slots; their state is read when they go out). */
  readonly pending: Record<Family, Set<number>> = { 'ipv4-unicast': new Set(), 'ipv6-unicast': new Set() };

  constructor(
    readonly key: string,
    readonly target: ExportTarget,
    readonly families: readonly Family[],
    private readonly rib: LocRib,
    private readonly store: AttributeStore,
  ) {}

  get size(): number {
    return this.members.size;
  }

  memberList(): M[] {
    return [...this.members.values()];
  }

  add(peerKey: string, member: M): void {
    this.members.set(peerKey, member);
  }

  /** Take a member out; true when the group is now empty (the caller then calls `close`). */
  remove(peerKey: string): boolean {
    const m = this.members.get(peerKey);
    if (m === undefined) return this.members.size === 0;
    this.members.delete(peerKey);
    for (const w of Object.values(this.withheld)) for (const [slot, who] of w) if (who === m) w.delete(slot);
    return this.members.size === 0;
  }

  /** Forget everything sent (the group is gone, or will send its whole table again): slots and memos go back. */
  reset(): void {
    for (const family of this.families) {
      const sent = this.sent[family];
      for (let s = 0; s < sent.length; s++) {
        if (sent[s] === undefined) continue;
        sent[s] = undefined;
        this.rib.unhold(family, s);
      }
      this.withheld[family].clear();
      this.pending[family].clear();
    }
  }

  close(): void {
    this.reset();
    releaseExportMemos(this.target, this.store);
    this.target.policy?.evaluator.clear();
  }

  /**
   * Bring the group up to date for changed slots of a family. With `holdAnnouncements` (MRAI running),
   * announcements are kept in `pending` and only withdrawals go out now.
   */
  update(family: Family, slots: Iterable<number>, out: GroupOutput<M>, holdAnnouncements = false): void {
    for (const slot of slots) this.plan(family, slot, out, holdAnnouncements);
  }

  /** Send the announcements held back by MRAI. */
  releasePending(family: Family, out: GroupOutput<M>): void {
    const p = this.pending[family];
    if (p.size === 0) return;
    const slots = [...p];
    p.clear();
    for (const s of slots) this.plan(family, s, out, false);
  }

  /** The whole table of a family as freshly computed (a new group, or after `reset`). */
  fill(family: Family, out: GroupOutput<M>): void {
    for (const slot of this.rib.bestSlots(family)) this.plan(family, slot, out, false);
  }

  private plan(family: Family, slot: number, out: GroupOutput<M>, hold: boolean): void {
    const rib = this.rib;
    const attrs = rib.bestAttrs(family, slot);
    let exported: PathAttributes | undefined;
    let except: M | undefined;
    if (attrs !== undefined) {
      const peer = rib.bestPeer(family, slot);
      const verdict = exportRoute(peer, attrs, family, this.target, this.store, () => rib.bestPath(family, slot)!);
      if (verdict.advertise) {
        exported = verdict.attrs;
        except = peer === undefined ? undefined : this.members.get(peer.key);
      }
    }
    const sent = this.sent[family];
    while (sent.length <= slot) sent.push(undefined);
    const prev = sent[slot];
    const withheld = this.withheld[family];
    const prevExcept = withheld.get(slot);
    if (exported === undefined) {
      if (prev === undefined) return;
      this.pending[family].delete(slot);
      sent[slot] = undefined;
      withheld.delete(slot);
      batchIn(out.shared, prevExcept).withdraw.push(slot);
      rib.unhold(family, slot);
      return;
    }
    if (hold) {
      // MRAI: the announcement waits, but a member that is now the source must not keep our older path.
      this.pending[family].add(slot);
      return;
    }
    if (exported !== prev) {
      announceIn(batchIn(out.shared, except), exported, slot);
      // The new source had been told the previous path: it gets a withdrawal of its own.
      if (except !== undefined && prev !== undefined && except !== prevExcept) batchIn(out.single, except).withdraw.push(slot);
    } else if (except !== prevExcept) {
      if (prevExcept !== undefined) announceIn(batchIn(out.single, prevExcept), exported, slot);
      if (except !== undefined) batchIn(out.single, except).withdraw.push(slot);
    } else {
      return;
    }
    if (prev === undefined) rib.hold(family, slot);
    sent[slot] = exported;
    if (except === undefined) withheld.delete(slot);
    else withheld.set(slot, except);
  }

  /** What one member has been told of a family: for a new member, or a route refresh request. */
  tableFor(peerKey: string, member: M, family: Family): Batch {
    const b = batch();
    const sent = this.sent[family];
    const withheld = this.withheld[family];
    for (let s = 0; s < sent.length; s++) {
      const a = sent[s];
      if (a === undefined || withheld.get(s) === member) continue;
      // A member that joins while the group advertises its own routes (kept stale through its restart).
      if (this.rib.bestPeer(family, s)?.key === peerKey) {
        withheld.set(s, member);
        continue;
      }
      announceIn(b, a, s);
    }
    return b;
  }

  /** Prefixes advertised to the group, per family (for displays and tests). */
  advertised(family: Family): number {
    let n = 0;
    for (const a of this.sent[family]) if (a !== undefined) n++;
    return n;
  }
}
