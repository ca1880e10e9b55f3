/**
 * Adj-RIB-Out per update group: peers whose sessions export alike (same export rules, policy, next hop self,
 * codec context: the caller decides what "alike" means and builds one `ExportTarget` for the group) share one
 * table of what was advertised and one export computation per change; the caller encodes each batch once and
 * writes the same bytes to every member (as FRR's update groups and BIRD's shared export tables).
 *
 * Split horizon (never back to the peer a route came from) is per member: when the best path comes from a
 * member, that member is left out of the shared batch and, if it had been told an earlier path, gets a
 * withdrawal of its own. `withheld` remembers, per prefix, the one member left out of what `sent` says (by
 * the member's small index in the group, in a typed array: in a pass-through from one member to the others
 * every prefix has one).
 *
 * What was sent is kept per slot of the Loc-RIB's prefix table, and each advertised slot is held in the
 * Loc-RIB (`hold`/`unhold`) so it is not reused for another prefix before this group withdrew it.
 */
import type { AttributeStore } from './attribute-store.js';
import { exportRoute, releaseExportMemos, type ExportTarget } from './export.js';
import type { LocRib } from './loc-rib.js';
import type { Family } from '../common/prefix-key.js';
import type { Path, PathAttributes, PeerRef } from './types.js';

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

/** `a`, or a copy at least `high` long (doubling) when it is shorter. */
/**
 * The lazy best path of a slot for `exportRoute`, made outside the planner's per-slot closure: an arrow
 * written there captures `slot`, and V8 then allocates a context for every slot planned, not only for
 * those that reach this call (about 100 octets per prefix of young garbage in a pass-through).
 */
function bestPathAt(rib: LocRib, family: Family, slot: number): () => Path {
  return () => rib.bestPath(family, slot)!;
}

function grownTo<T extends Uint16Array | Uint32Array>(a: T, high: number, make: (n: number) => T): T {
  if (a.length >= high) return a;
  const bigger = make(Math.max(high, a.length * 2, 1024));
  bigger.set(a);
  return bigger;
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
  private readonly members = new Map<string, { readonly member: M; readonly index: number }>();
  /** Members by index (0: nobody). */
  private readonly byIndex: (M | undefined)[] = [undefined];
  /** What the group was told per slot, as attribute-set ids of the Loc-RIB's AttributeIds (0: nothing). */
  private readonly sent: Record<Family, Uint32Array> = { 'ipv4-unicast': new Uint32Array(0), 'ipv6-unicast': new Uint32Array(0) };
  private readonly withheld: Record<Family, Uint16Array> = { 'ipv4-unicast': new Uint16Array(0), 'ipv6-unicast': new Uint16Array(0) };
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
    return [...this.members.values()].map((e) => e.member);
  }

  add(peerKey: string, member: M): void {
    let index = this.byIndex.indexOf(undefined, 1);
    if (index < 0) index = this.byIndex.push(undefined) - 1;
    if (index > 0xffff) throw new Error('update group: more than 65535 members');
    this.byIndex[index] = member;
    this.members.set(peerKey, { member, index });
  }

  /** Take a member out; true when the group is now empty (the caller then calls `close`). */
  remove(peerKey: string): boolean {
    const m = this.members.get(peerKey);
    if (m === undefined) return this.members.size === 0;
    this.members.delete(peerKey);
    this.byIndex[m.index] = undefined;
    for (const w of Object.values(this.withheld)) for (let s = 0; s < w.length; s++) if (w[s] === m.index) w[s] = 0;
    return this.members.size === 0;
  }

  /** Forget everything sent (the group is gone, or will send its whole table again): slots and memos go back. */
  reset(): void {
    for (const family of this.families) {
      const sent = this.sent[family];
      const ids = this.rib.attributeIds;
      for (let s = 0; s < sent.length; s++) {
        const id = sent[s]!;
        if (id === 0) continue;
        sent[s] = 0;
        ids.release(id);
        this.rib.unhold(family, s);
      }
      this.withheld[family].fill(0);
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
    const run = this.run(family, out, holdAnnouncements);
    // An index loop over arrays: the iterator of a parameter that is sometimes a generator (fill) is not
    // optimised away and allocates a result object per slot.
    if (Array.isArray(slots)) for (let i = 0; i < slots.length; i++) run(slots[i] as number);
    else for (const slot of slots) run(slot);
  }

  /** Send the announcements held back by MRAI. */
  releasePending(family: Family, out: GroupOutput<M>): void {
    const p = this.pending[family];
    if (p.size === 0) return;
    const slots = [...p];
    p.clear();
    this.update(family, slots, out, false);
  }

  /** The whole table of a family as freshly computed (a new group, or after `reset`). */
  fill(family: Family, out: GroupOutput<M>): void {
    this.update(family, this.rib.bestSlots(family), out, false);
  }

  /**
   * The planner of one pass: for each slot, what the group should now say, compared with what it said.
   * Runs of slots with the same best path source and attribute set (a full table from one peer) reuse the
   * export verdict and the batch list of the previous slot.
   */
  private run(family: Family, out: GroupOutput<M>, hold: boolean): (slot: number) => void {
    const rib = this.rib;
    const target = this.target;
    const store = this.store;
    const pending = this.pending[family];
    const high = rib.prefixes(family).highWater;
    const sent = this.sentUpTo(family, high);
    const ids = rib.attributeIds;
    const withheld = this.withheldUpTo(family, high);
    const byIndex = this.byIndex;
    const cacheable = target.policy === undefined;
    let lastPeer: PeerRef | undefined | null = null;
    let lastAttrs: PathAttributes | undefined;
    let lastExported: PathAttributes | undefined;
    let lastExcept = 0;
    let lastList: number[] | undefined;
    let lastListAttrs: PathAttributes | undefined;
    let lastListExcept = 0;
    // Withdrawals of a run come from one member's batch (that of the member the slot was withheld from).
    let lastWithdraw: number[] | undefined;
    let lastWithdrawExcept = 0;
    return (slot: number): void => {
      const attrs = rib.bestAttrs(family, slot);
      let exported: PathAttributes | undefined;
      let except = 0;
      if (attrs !== undefined) {
        const peer = rib.bestPeer(family, slot);
        if (cacheable && peer === lastPeer && attrs === lastAttrs) {
          exported = lastExported;
          except = lastExcept;
        } else {
          const verdict = exportRoute(peer, attrs, family, target, store, bestPathAt(rib, family, slot));
          if (verdict.advertise) {
            exported = verdict.attrs;
            except = peer === undefined ? 0 : (this.members.get(peer.key)?.index ?? 0);
          }
          lastPeer = peer;
          lastAttrs = attrs;
          lastExported = exported;
          lastExcept = except;
        }
      }
      const prevId = sent[slot]!;
      const prev = prevId === 0 ? undefined : ids.get(prevId);
      if (exported === undefined) {
        if (prev === undefined) return;
        const prevExcept = withheld[slot]!;
        if (pending.size) pending.delete(slot);
        sent[slot] = 0;
        ids.release(prevId);
        withheld[slot] = 0;
        if (lastWithdraw === undefined || prevExcept !== lastWithdrawExcept) {
          lastWithdraw = batchIn(out.shared, byIndex[prevExcept]).withdraw;
          lastWithdrawExcept = prevExcept;
        }
        lastWithdraw.push(slot);
        rib.unhold(family, slot);
        return;
      }
      if (hold) {
        pending.add(slot);
        return;
      }
      const prevExcept = withheld[slot]!;
      if (exported !== prev) {
        if (lastList !== undefined && exported === lastListAttrs && except === lastListExcept) lastList.push(slot);
        else {
          const b = batchIn(out.shared, byIndex[except]);
          let list = b.announce.get(exported);
          if (!list) b.announce.set(exported, (list = []));
          list.push(slot);
          lastList = list;
          lastListAttrs = exported;
          lastListExcept = except;
        }
        // The new source had been told the previous path: it gets a withdrawal of its own.
        if (except !== 0 && prev !== undefined && except !== prevExcept) batchIn(out.single, byIndex[except]!).withdraw.push(slot);
      } else if (except !== prevExcept) {
        if (prevExcept !== 0) announceIn(batchIn(out.single, byIndex[prevExcept]!), exported, slot);
        if (except !== 0) batchIn(out.single, byIndex[except]!).withdraw.push(slot);
      } else {
        return;
      }
      if (prev === undefined) rib.hold(family, slot);
      if (exported !== prev) {
        sent[slot] = ids.acquire(exported);
        if (prevId !== 0) ids.release(prevId);
      }
      withheld[slot] = except;
    };
  }

  /** The sent array of a family, grown to cover `high` slots. */
  private sentUpTo(family: Family, high: number): Uint32Array {
    return (this.sent[family] = grownTo(this.sent[family], high, (n) => new Uint32Array(n)));
  }

  /** The withheld array of a family, grown to cover `high` slots. */
  private withheldUpTo(family: Family, high: number): Uint16Array {
    return (this.withheld[family] = grownTo(this.withheld[family], high, (n) => new Uint16Array(n)));
  }

  /** What one member has been told of a family: for a new member, or a route refresh request. */
  tableFor(peerKey: string, family: Family): Batch {
    const b = batch();
    const sent = this.sent[family];
    const ids = this.rib.attributeIds;
    const withheld = this.withheldUpTo(family, sent.length);
    const index = this.members.get(peerKey)?.index ?? 0;
    for (let s = 0; s < sent.length; s++) {
      const a = sent[s] === 0 ? undefined : ids.get(sent[s]!);
      if (a === undefined || (index !== 0 && withheld[s] === index)) continue;
      // A member that joins while the group advertises its own routes (kept stale through its restart).
      if (this.rib.bestPeer(family, s)?.key === peerKey) {
        withheld[s] = index;
        continue;
      }
      announceIn(b, a, s);
    }
    return b;
  }

  /** Prefixes advertised to the group, per family (for displays and tests). */
  advertised(family: Family): number {
    let n = 0;
    for (const id of this.sent[family]) if (id !== 0) n++;
    return n;
  }
}
