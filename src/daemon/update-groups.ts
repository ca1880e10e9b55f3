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
 *
 * Families where add-path send is negotiated (RFC 7911) are served by the group's multi-path Adj-RIB-Out
 * (rib/adj-rib-out-paths.ts, encoded by add-path-output.ts) instead of the one-path table; the number of
 * paths per prefix is part of the group key.
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import type { AttributeStore } from '../rib/attribute-store.js';
import { emptyOutput, UpdateGroup, type Batch, type GroupOutput } from '../rib/adj-rib-out.js';
import { AdjRibOutPaths, emptyPathsOutput, type PathBatch, type PathLimit, type PathsOutput } from '../rib/adj-rib-out-paths.js';
import { exportPolicy, forgetExport, type ExportTarget } from '../rib/export.js';
import type { LocRib } from '../rib/loc-rib.js';
import type { PolicyEvaluator } from '../rib/policy/evaluate.js';
import type { PolicyChain } from '../rib/policy/compile.js';
import type { PrivateAsRemoval } from '../rib/private-as.js';
import type { Family } from '../common/prefix-key.js';
import type { PathAttributes, PeerRef } from '../rib/types.js';
import type { Peer } from '../bgp/peer.js';
import { encodePathBatch, sendPathsOutput } from './add-path-output.js';
import { mpNextHop, wireAttributes } from './rib-attributes.js';
import {
  appendAnnouncements, appendWithdrawals, encodeAttributesForPacking, endOfRibMessage, IPV4_UNICAST, IPV6_UNICAST, UpdateBuffer,
  type CodecContext, type PrefixBatch,
} from '../bgp/wire/index.js';

export interface Member {
  readonly peer: Peer;
  readonly ref: PeerRef;
  readonly families: readonly Family[];
  readonly group: Group;
}

export interface Group {
  /** Membership, export target and the one-path Adj-RIB-Out of the families without add-path send. */
  readonly core: UpdateGroup<Member>;
  /** The multi-path Adj-RIB-Out of the families with add-path send, if any. */
  readonly paths?: AdjRibOutPaths<Member>;
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
  /** Paths per prefix in the families where add-path send is negotiated (ctx.addPath); default all. */
  readonly addPathSend?: PathLimit;
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
      c.extendedMessage, s.mrai, s.removePrivateAs ?? null, c.addPath.size ? (s.addPathSend ?? 'all') : null,
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
      const several = s.families.filter((f) => s.ctx.addPath.has(f));
      const one = s.families.filter((f) => !several.includes(f));
      group = {
        core: new UpdateGroup(key, target, one, this.rib, this.store), ctx: s.ctx, mrai: s.mrai, encoded: new Map(), timer: undefined,
        ...(several.length ? { paths: new AdjRibOutPaths<Member>(target, several, s.addPathSend ?? 'all', this.rib, this.store) } : {}),
      };
      this.groups.set(key, group);
      this.trackCandidates();
    }
    const member: Member = { peer, ref: s.ref, families: s.families, group };
    group.core.add(s.ref.key, member);
    group.paths?.add(s.ref.key, member);
    this.members.set(peer, member);
    return { member, existing };
  }

  /**
   * A set the attribute store dropped: every group's export verdicts on it, and its encoding where it was an
   * exported set, go (see forgetExport). Giving back an exported set's reference may drop that one in turn.
   */
  forget(attrs: PathAttributes): void {
    for (const g of this.groups.values()) {
      forgetExport(g.core.target, attrs, this.store);
      g.encoded.delete(attrs);
    }
  }

  leave(peer: Peer): void {
    const m = this.members.get(peer);
    if (!m) return;
    this.members.delete(peer);
    const g = m.group;
    g.paths?.remove(m.ref.key);
    if (!g.core.remove(m.ref.key)) return;
    if (g.timer) this.clock.clearTimeout(g.timer);
    g.paths?.reset();
    g.core.close();
    g.encoded.clear();
    this.groups.delete(g.core.key);
    this.trackCandidates();
  }

  /** Changes to paths other than the best matter while some group sends several paths (add-path). */
  private trackCandidates(): void {
    this.rib.trackCandidates = [...this.groups.values()].some((g) => g.paths !== undefined);
  }

  /**
   * Changed Loc-RIB slots of a family go to every group; `candidates` (slots whose other paths changed, the
   * best path not) only to groups that send several paths.
   */
  update(family: Family, slots: readonly number[], candidates: readonly number[] = []): void {
    if (slots.length === 0 && candidates.length === 0) return;
    for (const g of this.groups.values()) {
      if (g.paths?.families.includes(family)) {
        const out = emptyPathsOutput<Member>();
        g.paths.update(family, candidates.length ? [...slots, ...candidates] : slots, out, g.timer !== undefined);
        this.sendPaths(g, family, out);
      }
      if (!g.core.families.includes(family) || slots.length === 0) continue;
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
    for (const family of group.paths?.families ?? []) {
      const out = emptyPathsOutput<Member>();
      group.paths!.fill(family, out);
      this.sendPaths(group, family, out);
    }
  }

  /** Every group forgets what it sent and sends its whole table again (end of selection deferral). */
  refillAll(): void {
    for (const g of this.groups.values()) {
      g.core.reset();
      g.paths?.reset();
      this.fill(g);
    }
  }

  /** Send one member the group's table for these families (it joined an existing group, or asked a refresh). */
  sendTable(m: Member, families: readonly Family[] = m.families): void {
    for (const family of families) {
      if (m.group.paths?.families.includes(family)) {
        const chunks = this.encodePaths(m.group, family, m.group.paths.tableFor(m.ref.key, family));
        for (const chunk of chunks) m.peer.sendRaw(chunk.bytes, chunk.messages);
        continue;
      }
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
      for (const family of g.paths?.families ?? []) {
        const out = emptyPathsOutput<Member>();
        g.paths!.releasePending(family, out);
        this.sendPaths(g, family, out);
      }
    }, g.mrai * 1000);
  }

  /** A group's add-path output to its members; starts MRAI when something was announced. */
  private sendPaths(g: Group, family: Family, out: PathsOutput<Member>): void {
    const announced = sendPathsOutput(g.core.memberList(), out, (b) => this.encodePaths(g, family, b));
    if (announced && g.mrai > 0 && g.timer === undefined) this.startMrai(g);
  }

  private encodePaths(g: Group, family: Family, b: PathBatch): { bytes: Uint8Array; messages: number }[] {
    return encodePathBatch(b, family, g.ctx, (attrs) => this.attributes(g, family, attrs), (slots, ids) => this.batchOf(family, slots, g.ctx, ids));
  }

  /** An exported set encoded once per group. */
  private attributes(g: Group, family: Family, attrs: PathAttributes): Uint8Array {
    let encoded = g.encoded.get(attrs);
    if (!encoded) {
      encoded = encodeAttributesForPacking(wireAttributes(attrs, family, g.ctx), g.ctx);
      g.encoded.set(attrs, encoded);
    }
    return encoded;
  }

  /**
   * Withdrawals first, then announcements per exported set, packed to the message size, all in one buffer:
   * one socket write per member, however many sets changed.
   */
  private encode(g: Group, family: Family, b: Batch): { bytes: Uint8Array; messages: number }[] {
    const out = new UpdateBuffer(this.sizeHint(family, b));
    if (b.withdraw.length) appendWithdrawals(out, this.batchOf(family, b.withdraw, g.ctx), g.ctx);
    for (const [attrs, slots] of b.announce) {
      const encoded = this.attributes(g, family, attrs);
      const batch = this.batchOf(family, slots, g.ctx);
      if (family === 'ipv4-unicast') appendAnnouncements(out, batch, encoded, g.ctx);
      else appendAnnouncements(out, batch, encoded, g.ctx, { nextHop: mpNextHop(attrs) });
    }
    return out.messages === 0 ? [] : [out.done()];
  }

  /** Roughly the octets of a batch packed (the buffer grows if it was short). */
  private sizeHint(family: Family, b: Batch): number {
    const perPrefix = family === 'ipv4-unicast' ? 5 : 17;
    let prefixes = b.withdraw.length;
    for (const slots of b.announce.values()) prefixes += slots.length;
    return 64 * b.announce.size + perPrefix * prefixes + 4096;
  }

  /**
   * Scratch columns for `batchOf`, for batches of up to SCRATCH_PREFIXES (a flush's worth); larger ones (a
   * whole table for a new member) get arrays of their own. Never replaced: compiled code takes these fields
   * as constants and would be thrown away.
   */
  private readonly scratchWords = new Uint32Array(SCRATCH_PREFIXES * 4);
  private readonly scratchLengths = new Uint8Array(SCRATCH_PREFIXES);

  /**
   * The prefixes of slots as the packer wants them; where add-path is on, with the path identifiers `ids`.
   * The columns may be views of scratch arrays, valid until the next call: every caller packs a batch at once.
   */
  private batchOf(family: Family, slots: readonly number[], ctx: CodecContext, ids?: readonly number[]): PrefixBatch {
    const fam = family === 'ipv4-unicast' ? IPV4_UNICAST : IPV6_UNICAST;
    const table = this.rib.prefixes(family);
    const n = slots.length;
    const scratch = n <= SCRATCH_PREFIXES;
    const lengths = scratch ? this.scratchLengths.subarray(0, n) : new Uint8Array(n);
    const words = scratch ? this.scratchWords.subarray(0, n * table.width) : new Uint32Array(n * table.width);
    copyPrefixes(table.width, table.words, table.lengths, slots, words, lengths);
    if (!ctx.addPath.has(fam.name)) return { family: fam, count: n, words, lengths };
    return { family: fam, count: n, words, lengths, pathIds: ids ? Uint32Array.from(ids) : new Uint32Array(n) };
  }
}

/** Prefixes `batchOf` copies into its scratch columns at most (larger batches get their own). */
const SCRATCH_PREFIXES = 16_384;

/**
 * Copy the prefixes of `slots` out of a prefix table's columns. A function of its own: V8 compiles a long
 * loop while it runs (on-stack replacement) and keeps that code for the next calls; code after the loop in the
 * same function had no type feedback then, so each call threw it away again (~30 times per 100k prefixes).
 */
function copyPrefixes(width: 1 | 4, src: Uint32Array, lens: Uint8Array, slots: readonly number[], words: Uint32Array, lengths: Uint8Array): void {
  const n = slots.length;
  if (width === 1) {
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      words[i] = src[s]!;
      lengths[i] = lens[s]!;
    }
    return;
  }
  for (let i = 0, o = 0; i < n; i++, o += 4) {
    const s = slots[i]!;
    const so = s * 4;
    words[o] = src[so]!;
    words[o + 1] = src[so + 1]!;
    words[o + 2] = src[so + 2]!;
    words[o + 3] = src[so + 3]!;
    lengths[i] = lens[s]!;
  }
}
