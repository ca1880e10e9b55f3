/**
 * Outbound: sessions grouped by how they export (update groups), each group's changes encoded once and the
 * same bytes written to every member. Two sessions share a group when everything export and encoding depend
 * on is equal: iBGP or eBGP, route-reflector client, local AS, our next hop per family (and link-local), the export policy
 * chain, the families, the codec context (4-octet AS, add-path, extended messages), the MRAI and the
 * remove-private-AS mode (with the peer's AS, which that mode keeps).
 *
 * MRAI (RFC 4271 §9.2.1.1, optional per peer, 0 = off as in BIRD and FRR's data-centre defaults): after a
 * group sent announcements, further announcements wait until the interval has passed and then go out with
 * the state of that moment; withdrawals are never delayed (as RFC 1771 had it and FRR and Cisco do).
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import type { AttributeStore } from '../rib/attribute-store.js';
import { emptyOutput, UpdateGroup, type Batch, type GroupOutput } from '../rib/adj-rib-out.js';
import { exportPolicy, type ExportTarget } from '../rib/export.js';
import type { LocRib } from '../rib/loc-rib.js';
import type { PolicyEvaluator } from '../rib/policy/evaluate.js';
import type { PolicyChain } from '../rib/policy/compile.js';
import type { PrivateAsRemoval } from '../rib/private-as.js';
import type { Family } from '../common/prefix-key.js';
import type { PathAttributes, PeerRef } from '../rib/types.js';
import type { Peer } from '../bgp/peer.js';
import { mpNextHop, wireAttributes } from './rib-attributes.js';
import {
  encodeAttributesForPacking, endOfRibMessage, IPV4_UNICAST, IPV6_UNICAST, packAnnouncements, packWithdrawals,
  type CodecContext, type PrefixBatch,
} from '../bgp/wire/index.js';

export interface Member {
  readonly peer: Peer;
  readonly ref: PeerRef;
  readonly families: readonly Family[];
  readonly group: Group;
}

export interface Group {
  readonly core: UpdateGroup<Member>;
  readonly ctx: CodecContext;
  readonly mrai: number;
  readonly encoded: Map<PathAttributes, Uint8Array>;
  timer: TimerHandle | undefined;
}

export interface JoinSettings {
  readonly ref: PeerRef;
  readonly ctx: CodecContext;
  readonly families: readonly Family[];
  readonly localAs: number;
  readonly routerId: string;
  readonly clusterId: string;
  readonly nextHopSelf: Partial<Record<Family, string>>;
  /** eBGP on a shared link: our link-local address there, sent with our global IPv6 next hop (RFC 2545 §3). */
  readonly linkLocalSelf?: string;
  /** The export chain and an evaluator for it (made only when the group is new), none: pass everything. */
  readonly exportChain?: PolicyChain;
  readonly makeEvaluator?: () => PolicyEvaluator;
  /** Minimum route advertisement interval, seconds (0: off). */
  readonly mrai: number;
  /** eBGP: remove-private-AS with this session's AS and ours (it keeps the peer's AS: a group per peer AS). */
  readonly removePrivateAs?: PrivateAsRemoval;
}

export class UpdateGroups {
  private readonly groups = new Map<string, Group>();
  private readonly members = new Map<Peer, Member>();
  private serial = 0;

  constructor(private readonly rib: LocRib, private readonly store: AttributeStore, private readonly clock: Clock) {}

  member(peer: Peer): Member | undefined {
    return this.members.get(peer);
  }

  /** How many groups and sessions there are (for displays and tests). */
  get counts(): { readonly groups: number; readonly members: number } {
    return { groups: this.groups.size, members: this.members.size };
  }

  private keyOf(s: JoinSettings): string {
    const c = s.ctx;
    return JSON.stringify([
      s.ref.ibgp, s.ref.rrClient, s.localAs, s.nextHopSelf['ipv4-unicast'] ?? null, s.nextHopSelf['ipv6-unicast'] ?? null, s.linkLocalSelf ?? null,
      s.exportChain ? [s.exportChain.mode, s.exportChain.policies] : null, [...s.families].sort(), c.as4, [...c.addPath].sort(),
      c.extendedMessage, s.mrai, s.removePrivateAs ?? null,
    ]);
  }

  /**
   * Add a session. Returns true when it joined an existing group (its table can be copied from the group's
   * Adj-RIB-Out), false when the group is new (the caller fills it).
   */
  join(peer: Peer, s: JoinSettings): { member: Member; existing: boolean } {
    const key = this.keyOf(s);
    let group = this.groups.get(key);
    const existing = group !== undefined;
    if (!group) {
      const target: ExportTarget = {
        key: `update-group ${++this.serial}`, ibgp: s.ref.ibgp, rrClient: s.ref.rrClient, localAs: s.localAs, routerId: s.routerId,
        clusterId: s.clusterId, nextHopSelf: s.nextHopSelf, memo: new Map(),
        ...(s.linkLocalSelf !== undefined ? { linkLocalSelf: s.linkLocalSelf } : {}),
        ...(s.makeEvaluator ? { policy: exportPolicy(s.makeEvaluator()) } : {}),
        ...(s.removePrivateAs ? { removePrivateAs: s.removePrivateAs } : {}),
      };
      group = { core: new UpdateGroup(key, target, s.families, this.rib, this.store), ctx: s.ctx, mrai: s.mrai, encoded: new Map(), timer: undefined };
      this.groups.set(key, group);
    }
    const member: Member = { peer, ref: s.ref, families: s.families, group };
    group.core.add(s.ref.key, member);
    this.members.set(peer, member);
    return { member, existing };
  }

  leave(peer: Peer): void {
    const m = this.members.get(peer);
    if (!m) return;
    this.members.delete(peer);
    const g = m.group;
    if (!g.core.remove(m.ref.key)) return;
    if (g.timer) this.clock.clearTimeout(g.timer);
    g.core.close();
    g.encoded.clear();
    this.groups.delete(g.core.key);
  }

  /** Changed Loc-RIB slots of a family go to every group. */
  update(family: Family, slots: readonly number[]): void {
    if (slots.length === 0) return;
    for (const g of this.groups.values()) {
      if (!g.core.families.includes(family)) continue;
      const out = emptyOutput<Member>();
      g.core.update(family, slots, out, g.timer !== undefined);
      this.send(g, family, out);
    }
  }

  /** A new group's whole table, sent to its members (the first one, or all after a selection deferral). */
  fill(group: Group): void {
    for (const family of group.core.families) {
      const out = emptyOutput<Member>();
      group.core.fill(family, out);
      this.send(group, family, out);
    }
  }

  /** Every group forgets what it sent and sends its whole table again (end of selection deferral). */
  refillAll(): void {
    for (const g of this.groups.values()) {
      g.core.reset();
      this.fill(g);
    }
  }

  /** Send one member the group's table for these families (it joined an existing group, or asked a refresh). */
  sendTable(m: Member, families: readonly Family[] = m.families): void {
    for (const family of families) {
      const b = m.group.core.tableFor(m.ref.key, family);
      for (const chunk of this.encode(m.group, family, b)) m.peer.sendRaw(chunk.bytes, chunk.messages);
    }
  }

  endOfRib(m: Member): void {
    for (const family of m.families) {
      const fam = family === 'ipv4-unicast' ? IPV4_UNICAST : IPV6_UNICAST;
      m.peer.send(endOfRibMessage(fam.afi, fam.safi, m.group.ctx));
    }
  }

  private send(g: Group, family: Family, out: GroupOutput<Member>): void {
    let announced = false;
    const members = g.core.memberList();
    for (const [except, b] of out.shared) {
      if (b.announce.size) announced = true;
      const chunks = this.encode(g, family, b);
      for (const m of members) if (m !== except) for (const c of chunks) m.peer.sendRaw(c.bytes, c.messages);
    }
    for (const [m, b] of out.single) {
      if (b.announce.size) announced = true;
      for (const c of this.encode(g, family, b)) m.peer.sendRaw(c.bytes, c.messages);
    }
    if (announced && g.mrai > 0 && g.timer === undefined) this.startMrai(g);
  }

  private startMrai(g: Group): void {
    g.timer = this.clock.setTimeout(() => {
      g.timer = undefined;
      for (const family of g.core.families) {
        const out = emptyOutput<Member>();
        g.core.releasePending(family, out);
        this.send(g, family, out); // restarts the timer when something went out
      }
    }, g.mrai * 1000);
  }

  /** Withdrawals first, then announcements per exported set, packed to the message size. */
  private encode(g: Group, family: Family, b: Batch): { bytes: Uint8Array; messages: number }[] {
    const chunks: { bytes: Uint8Array; messages: number }[] = [];
    if (b.withdraw.length) chunks.push(packWithdrawals(this.batchOf(family, b.withdraw, g.ctx), g.ctx));
    for (const [attrs, slots] of b.announce) {
      let encoded = g.encoded.get(attrs);
      if (!encoded) {
        encoded = encodeAttributesForPacking(wireAttributes(attrs, family, g.ctx), g.ctx);
        g.encoded.set(attrs, encoded);
      }
      const batch = this.batchOf(family, slots, g.ctx);
      chunks.push(family === 'ipv4-unicast'
        ? packAnnouncements(batch, encoded, g.ctx)
        : packAnnouncements(batch, encoded, g.ctx, { nextHop: mpNextHop(attrs) }));
    }
    return chunks;
  }

  /** The prefixes of slots as the packer wants them (path identifier 0 where add-path is on: one path each). */
  private batchOf(family: Family, slots: readonly number[], ctx: CodecContext): PrefixBatch {
    const table = this.rib.prefixes(family);
    const n = slots.length;
    const lengths = new Uint8Array(n);
    const width = table.width;
    const words = new Uint32Array(n * width);
    const src = table.words;
    const lens = table.lengths;
    if (width === 1) {
      for (let i = 0; i < n; i++) {
        const s = slots[i]!;
        words[i] = src[s]!;
        lengths[i] = lens[s]!;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const s = slots[i]!;
        words.set(src.subarray(s * 4, s * 4 + 4), i * 4);
        lengths[i] = lens[s]!;
      }
    }
    const fam = family === 'ipv4-unicast' ? IPV4_UNICAST : IPV6_UNICAST;
    return { family: fam, count: n, words, lengths, ...(ctx.addPath.has(fam.name) ? { pathIds: new Uint32Array(n) } : {}) };
  }
}
