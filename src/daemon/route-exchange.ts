/**
 * Routes between sessions and the RIB (wiring, so it lives with the composition root: src/bgp may only know
 * RIB types and src/rib knows nothing of BGP sessions): UPDATEs become paths in the Loc-RIB (straight into
 * its slots, without a Path object, when the session has no import policy); changes of best paths go to the
 * update groups (update-groups.ts), which encode them once per group and write them to every member. A new
 * session gets the whole table and End-of-RIB per family (RFC 4724 §2, sent with or without graceful
 * restart).
 *
 * Graceful restart helper (RFC 4724 §4.2): when a peer that advertised graceful restart loses its session
 * without a NOTIFICATION, its paths stay (marked stale); graceful-restart-helper.ts decides when they go (the
 * restart time, the new session's capability, End-of-RIB per family, the stale-routes time).
 *
 * Policy (src/rib/policy): each session gets an evaluator for its import chain, run on every announced
 * route before the Loc-RIB (a rejected route withdraws what the peer announced before for that prefix); each
 * update group one for its export chain. A chain that passes everything (no policy, iBGP or RFC 8212
 * relaxed) gets no evaluator at all, so it costs nothing.
 *
 * Soft reconfiguration inbound (src/rib/adj-rib-in.ts): for peers that have it, what they announce is also
 * kept as received, before import policy, so `softReconfigureIn` can run import policy again and
 * explanations can trace it. Peers without it pay nothing for it.
 *
 * Flushing is deferred to the end of the current I/O turn (setImmediate) so a burst of UPDATEs produces one
 * export pass, and a full table from one peer never blocks keepalives to others for long. A turn is bounded
 * all the same: libuv hands over up to 32 socket reads (2 MiB, half a million IPv4 prefixes) before the
 * turn ends, so once FLUSH_AT changes wait they are exported at once. That keeps the per-turn lists small
 * (they are large objects the garbage collector keeps until a full collection) and starts the receivers
 * (and the kernel) sooner instead of after the whole burst. 8k rather than 16k: in alternating bench runs
 * a million withdrawals passed in 219–275 ms against 384–493 ms, the working set of a flush staying in the
 * processor's cache; 4k cost more CPU than either.
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { AdjRibsIn } from '../rib/adj-rib-in.js';
import { AttributeStore } from '../rib/attribute-store.js';
import { addressSortKey } from '../rib/decision.js';
import { PolicyEvaluator } from '../rib/policy/evaluate.js';
import type { PolicyChain } from '../rib/policy/compile.js';
import type { LocRib } from '../rib/loc-rib.js';
import { ipv4Key, ipv6Key, type Family, type PrefixKey } from '../common/prefix-key.js';
import type { SessionPolicy } from '../rib/explain-verdicts.js';
import { reapplyImport, type SoftInResult } from '../rib/soft-reconfiguration.js';
import type { Path, PathAttributes, PeerRef } from '../rib/types.js';
import type { DownReason } from '../bgp/down-reason.js';
import type { Negotiated } from '../bgp/negotiate.js';
import type { Peer, PeerListener, UpdateOutcome } from '../bgp/peer.js';
import type { PeerPolicies } from './policy-config.js';
import { GracefulRestartHelper } from './graceful-restart-helper.js';
import { keepReceived } from './keep-received.js';
import { RefreshGate } from './refresh-gate.js';
import { ribAttributes } from './rib-attributes.js';
import { UpdateGroups } from './update-groups.js';
import {
  endOfRib, findAttribute, forEachIPv4, forEachPrefix, nlriColumns, readNlri, type CodecContext, type NlriList, type RouteRefreshMessage,
  type UpdateMessage,
} from '../bgp/wire/index.js';

const FAMILIES: readonly Family[] = ['ipv4-unicast', 'ipv6-unicast'];

/**
 * The RIB family of a family name, or undefined for those tern does not route (the codec also decodes
 * multicast). Always the literal: a name parsed from the configuration is another string object of the same
 * text, and compiled code that compares family names expects the literals' kind of string (`--log-deopt`:
 * "wrong instance type" in LocRib.table when a session from the configuration came up after warm-up).
 */
function ribFamily(name: string): Family | undefined {
  return name === 'ipv4-unicast' ? 'ipv4-unicast' : name === 'ipv6-unicast' ? 'ipv6-unicast' : undefined;
}

function ribFamilies(names: readonly string[]): Family[] {
  const out: Family[] = [];
  for (const name of names) {
    const f = ribFamily(name);
    if (f) out.push(f);
  }
  return out;
}

/** Changes waiting in the Loc-RIB that make an UPDATE's end flush at once rather than at the end of the turn. */
const FLUSH_AT = 8_192;
/** Retired Loc-RIB slots are pruned once no flush happened for this many ms, this many per timer tick. */
const PRUNE_QUIET = 50;
const PRUNE_CHUNK = 65_536;
const PRUNE_ANYWAY = 1 << 20;
/** Dropped attribute sets are forgotten by the update groups when quiet, or once this many wait. */
const DROPPED_ANYWAY = 65_536;
export interface RouteExchangeOptions {
  readonly rib: LocRib;
  readonly localAs: number;
  readonly routerId: string;
  readonly clusterId: string;
  readonly isRrClient: (peer: Peer) => boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Graceful restart helper: seconds from a loss after which stale routes go even without End-of-RIB. */
  readonly staleRoutesTime?: number;
  /** Our next hop per family for a session with this local address (see next-hop-self.ts). */
  readonly nextHopSelf: (sessionLocal: string | undefined) => Partial<Record<Family, string>>;
  /** Our link-local address on the link of a session with this local address (see next-hop-self.ts). */
  readonly linkLocalSelf?: (sessionLocal: string | undefined) => string | undefined;
  /**
   * After our own restart (RFC 4724 §4.1): defer sending routes until every GR-capable peer that is not
   * restarting itself has sent End-of-RIB for each family, or this many seconds pass (Selection_Deferral).
   */
  readonly selectionDeferral?: number;
  /** How many configured peers have no session yet (deferral also waits for them, up to the timer). */
  readonly peersNotUp?: () => number;
  /**
   * Best-path changes as they are sent to peers (the kernel FIB listens here): the Loc-RIB slots of a family
   * whose best path or ECMP set changed, to be read at once (the RIB may free them after the call).
   */
  readonly ribChanged?: (family: Family, slots: readonly number[]) => void;
  /** The end of selection deferral: the whole table is current now, read it again. */
  readonly ribReset?: () => void;
  /** A peer's End-of-RIB for a family. */
  readonly endOfRib?: (peer: Peer, family: Family) => void;
  /** Called once when the deferral ends: our restart is over. */
  readonly deferralEnded?: () => void;
  /** The policy chains of a session with this peer; none: everything passes unchanged. */
  readonly policyFor?: (peer: Peer, ibgp: boolean) => PeerPolicies;
  /** Whether to keep this peer's routes as received, before import policy (soft reconfiguration inbound). */
  readonly softReconfigurationIn?: (peer: Peer) => boolean;
}

/** The options with every key present, absent ones undefined (see the constructor). */
type AllOptions = { readonly [K in keyof Required<RouteExchangeOptions>]: RouteExchangeOptions[K] };

export class RouteExchange implements PeerListener {
  readonly store = new AttributeStore({ trackDrops: true });
  private readonly o: AllOptions;
  private readonly groups: UpdateGroups;
  /**
   * Each Established session: the peer as the RIB knows it, the negotiated receive context, and the prefixes
   * accepted from it per family (for the max-prefix limit). The context is kept here rather than read from
   * the Peer at every UPDATE: warm-up's scratch sessions are not Peers, and that read threw the compiled
   * `update` away at the first real UPDATE ("wrong map").
   */
  private readonly sessions = new Map<Peer, { readonly ref: PeerRef; readonly receive: CodecContext; readonly received: Record<Family, number> }>();
  /** Import policy of each session that has one that can change or reject routes. */
  private readonly imports = new Map<Peer, PolicyEvaluator>();
  private readonly gr: GracefulRestartHelper<Peer>;
  /** Which of each session's BoRR and EoRR messages count (RFC 7313 §4 with graceful restart). */
  private readonly refreshGate = new RefreshGate<Peer>();
  /** Routes as received from the peers with soft reconfiguration inbound, by peer key. */
  private readonly prePolicy = new AdjRibsIn(this.store);
  /**
   * Scratch for the hot path: the prefixes of the NLRI list at hand, and their Loc-RIB slots. Sized for any
   * 4096-octet UPDATE, so that only extended messages (RFC 8654) make them grow: growing replaces fields
   * that V8's compiled code takes as constant, and that code is then thrown away.
   */
  private readonly columns = nlriColumns(4096);
  private slots = new Int32Array(4096);
  /** Scratch for withdrawals: the attribute id of each removed path (LocRib.withdrawMany). */
  private removed = new Uint32Array(4096);
  private flushScheduled = false;
  /** The Loc-RIB's prune of retired slots (LocRib.prune), run once the exchange has been quiet a while. */
  private pruneTimer: TimerHandle | undefined;
  private lastFlush = 0;
  /** While set, we are a restarting speaker waiting for our peers' End-of-RIB before we advertise. */
  private deferral: { readonly waiting: Map<Peer, Set<Family>>; timer?: TimerHandle } | undefined;

  constructor(options: RouteExchangeOptions) {
    // Every option written, in one order: the daemon's exchange and warm-up's (which passes fewer) then share
    // one object shape, and the hot paths compiled during warm-up stay valid ("wrong map" otherwise).
    const o: AllOptions = {
      rib: options.rib, localAs: options.localAs, routerId: options.routerId, clusterId: options.clusterId,
      isRrClient: options.isRrClient, clock: options.clock, logger: options.logger, staleRoutesTime: options.staleRoutesTime,
      nextHopSelf: options.nextHopSelf, linkLocalSelf: options.linkLocalSelf, selectionDeferral: options.selectionDeferral,
      peersNotUp: options.peersNotUp, ribChanged: options.ribChanged, ribReset: options.ribReset, endOfRib: options.endOfRib,
      deferralEnded: options.deferralEnded, policyFor: options.policyFor, softReconfigurationIn: options.softReconfigurationIn,
    };
    this.o = o;
    this.groups = new UpdateGroups(o.rib, this.store, o.clock);
    // Sets no path holds and no group advertises any more leave the update groups' caches too (export
    // verdicts, encodings), after the burst as retired slots do (schedulePrune): 3 µs a set, a tenth of a
    // withdrawal of 100k prefixes under 1000 sets. A set with a Loc-RIB or Adj-RIB-Out id stays interned.
    o.rib.attributeIds.store = this.store;
    this.gr = new GracefulRestartHelper({
      clock: o.clock, ...(o.staleRoutesTime !== undefined ? { staleRoutesTime: o.staleRoutesTime } : {}),
      sweep: (peer, families, why) => this.sweepStale(peer.settings.key, families, why),
    });
    if (o.selectionDeferral !== undefined) {
      this.deferral = { waiting: new Map() };
      this.deferral.timer = o.clock.setTimeout(() => this.endDeferral('selection deferral timer expired'), o.selectionDeferral * 1000);
    }
  }

  /** Whether we still hold our routes back after a restart. */
  get deferring(): boolean {
    return this.deferral !== undefined;
  }

  private endDeferral(why: string): void {
    const d = this.deferral;
    if (!d) return;
    if (d.timer) this.o.clock.clearTimeout(d.timer);
    this.deferral = undefined;
    this.o.logger.log('info', 'rib.gr.deferral-end', { why });
    this.o.rib.discardChanges(); // every session gets the full table now
    this.o.ribReset?.();
    this.groups.refillAll();
    for (const peer of this.sessions.keys()) {
      const m = this.groups.member(peer);
      if (m) this.groups.endOfRib(m);
    }
    this.o.deferralEnded?.();
  }

  /** Deferral ends once no Established GR peer owes us End-of-RIB and every configured peer is up. */
  private maybeEndDeferral(): void {
    const d = this.deferral;
    if (d && d.waiting.size === 0 && (this.o.peersNotUp?.() ?? 0) === 0) this.endDeferral('End-of-RIB from every peer');
  }

  // ---- sessions → RIB ---------------------------------------------------------------------------------

  established(peer: Peer, n: Negotiated): void {
    const localAs = peer.settings.fsm.offer.asn;
    const ref: PeerRef = {
      key: peer.settings.key, address: peer.settings.address, addressKey: addressSortKey(peer.settings.address), asn: n.peerAs, localAs,
      routerId: n.peerRouterId, ibgp: n.peerAs === localAs, rrClient: this.o.isRrClient(peer),
    };
    this.sessions.set(peer, { ref, receive: n.receive, received: { 'ipv4-unicast': 0, 'ipv6-unicast': 0 } });
    this.prePolicy.open(ref.key, this.o.softReconfigurationIn?.(peer) ?? false);
    this.gr.reestablished(peer, n.gracefulRestart, ribFamilies(n.families));
    this.refreshGate.established(peer, n.gracefulRestart !== undefined);
    const nextHopSelf = this.o.nextHopSelf(peer.localAddress);
    // RFC 2545 §3: a single-hop eBGP peer shares our link and gets our link-local address with the global one.
    const linkLocalSelf = !ref.ibgp && (peer.settings.ttl ?? 1) === 1 ? this.o.linkLocalSelf?.(peer.localAddress) : undefined;
    const exportChain = this.startPolicies(peer, ref);
    const privateAs = ref.ibgp ? undefined : peer.settings.removePrivateAs;
    const families = ribFamilies(n.families);
    const { member, existing } = this.groups.join(peer, {
      ref, ctx: n.send, families, localAs, routerId: this.o.routerId, clusterId: this.o.clusterId, nextHopSelf,
      ...(linkLocalSelf !== undefined ? { linkLocalSelf } : {}),
      mrai: peer.settings.advertisementInterval ?? 0, addPathSend: peer.settings.addPathSend ?? 'all',
      ...(privateAs ? { removePrivateAs: { ...privateAs, localAs, peerAs: n.peerAs } } : {}),
      ...(exportChain ? { exportChain, makeEvaluator: () => new PolicyEvaluator(exportChain, { localAs, nextHopSelf }, this.store) } : {}),
    });
    const d = this.deferral;
    if (!d) {
      // A new group computes its table; a session joining an existing one gets a copy of the group's.
      if (existing) this.groups.sendTable(member);
      else this.groups.fill(member.group);
      this.groups.endOfRib(member);
    } else if (n.gracefulRestart && !n.gracefulRestart.restarting) {
      // RFC 4724 §4.1: wait for this peer's End-of-RIB (peers without GR, or restarting too, are not waited for).
      d.waiting.set(peer, new Set(families));
    } else {
      queueMicrotask(() => this.maybeEndDeferral());
    }
  }

  /** Starts the session's import evaluator; returns its export chain (none: everything passes unchanged). */
  private startPolicies(peer: Peer, ref: PeerRef): PolicyChain | undefined {
    const chains = this.o.policyFor?.(peer, ref.ibgp);
    if (!chains) return undefined;
    for (const chain of [chains.import, chains.export]) {
      if (chain.mode === 'rfc8212') {
        this.o.logger.log('warn', 'rib.policy.rfc8212', {
          peer: ref.key, direction: chain.direction,
          detail: `eBGP peer without ${chain.direction} policy: no route is ${chain.direction === 'import' ? 'accepted' : 'advertised'} (RFC 8212; ebgpRequiresPolicy: false relaxes it)`,
        });
      }
    }
    const imp = chains.import.mode === 'accept-all' ? undefined : new PolicyEvaluator(chains.import, { localAs: ref.localAs, nextHopSelf: {} }, this.store);
    if (imp) this.imports.set(peer, imp);
    return chains.export.mode === 'accept-all' ? undefined : chains.export;
  }

  /** The policy evaluators of a session (for explanations): import, and export through the target. */
  policies(peer: Peer): { readonly import?: PolicyEvaluator; readonly export?: PolicyEvaluator } | undefined {
    const m = this.groups.member(peer);
    if (!m) return undefined;
    const imp = this.imports.get(peer);
    const exp = m.group.core.target.policy?.evaluator;
    return { ...(imp ? { import: imp } : {}), ...(exp ? { export: exp } : {}) };
  }

  update(peer: Peer, u: UpdateMessage, outcome: UpdateOutcome): void {
    const session = this.sessions.get(peer);
    if (!session) return;
    const { ref, receive: ctx, received: count } = session;
    const rib = this.o.rib;
    const now = this.o.clock.now();
    const reach = findAttribute(u, 'mp-reach');
    const unreach = findAttribute(u, 'mp-unreach');
    this.withdrawList(ref, u.withdrawn, count);
    if (unreach) this.withdrawList(ref, unreach.withdrawn, count);
    const announced: NlriList[] = [];
    if (u.nlri.count > 0) announced.push(u.nlri);
    if (reach?.nlri.family) announced.push(reach.nlri);
    for (const list of announced) {
      const family = ribFamily(list.family!.name);
      if (!family) continue;
      if (outcome.action === 'treat-as-withdraw') {
        this.withdrawList(ref, list, count);
        continue;
      }
      const attrs = ribAttributes(u, family, list === reach?.nlri ? reach : undefined, ctx, this.store);
      const kept = this.prePolicy.get(ref.key);
      if (kept) keepReceived(kept, family, list, attrs);
      const imp = this.imports.get(peer);
      if (imp) this.importWithPolicy(imp, ref, family, list, attrs, now, count);
      else this.announceList(ref, family, list, attrs, now, count);
      // ribAttributes' own lookup counted one reference; the paths now hold theirs.
      this.store.release(attrs);
    }
    this.checkLimit(peer, count);
    const eor = outcome.action === 'none' ? endOfRib(u) : undefined;
    if (eor) {
      const family: Family | undefined = eor.safi !== 1 ? undefined : eor.afi === 1 ? 'ipv4-unicast' : 'ipv6-unicast';
      const waiting = this.deferral?.waiting.get(peer);
      if (waiting && family) {
        waiting.delete(family);
        if (waiting.size === 0) this.deferral!.waiting.delete(peer);
        this.maybeEndDeferral();
      }
      if (family) {
        this.o.endOfRib?.(peer, family);
        this.gr.endOfRib(peer, family);
        this.refreshGate.endOfRib(peer, family);
        this.sweepStale(ref.key, [family], 'End-of-RIB');
      }
    }
    if (rib.pendingChanges >= FLUSH_AT) this.flush();
    else this.scheduleFlush();
  }

  /**
   * The hot path of an announcement: no policy, no Path objects; the prefixes are looked up in one batch, and
   * references to the set are counted once per list. A method of its own, small, so that V8 compiles it
   * early (warm-up.ts) and its loop with it, where the whole of `update` would wait for more calls.
   */
  private announceList(ref: PeerRef, family: Family, list: NlriList, attrs: PathAttributes, now: number, count: Record<Family, number>): void {
    const rib = this.o.rib;
    const n = this.lookUp(family, list, true);
    const slots = this.slots;
    const pathIds = this.columns.pathIds;
    let refs = 0;
    let added = 0;
    for (let j = 0; j < n; j++) {
      const old = rib.announceAt(family, slots[j]!, ref, pathIds[j]!, attrs, now);
      if (old === attrs) continue;
      refs++;
      if (old === undefined) added++;
      else this.store.release(old);
    }
    count[family] += added;
    this.store.retain(attrs, refs);
  }

  /** Announcements through the session's import policy: a rejected route withdraws an earlier one. */
  private importWithPolicy(
    imp: PolicyEvaluator, ref: PeerRef, family: Family, list: NlriList, attrs: PathAttributes, now: number, count: Record<Family, number>,
  ): void {
    const rib = this.o.rib;
    const each = (prefix: PrefixKey, pathId: number) => {
      let path: Path = { family, prefix, pathId, attrs, source: 'bgp', peer: ref, stale: false, receivedAt: now };
      const out = imp.evaluate(path);
      if (out === null) return this.drop(ref, family, prefix, pathId, count);
      if (out !== attrs) path = { ...path, attrs: out };
      // Each path holds one reference to its interned set; the one it replaces gives its own back.
      this.store.retain(path.attrs);
      const old = rib.announce(path);
      if (old) this.store.release(old.attrs);
      else count[family]++;
    };
    if (family === 'ipv4-unicast') forEachIPv4(list, (addr, len, pathId) => each(ipv4Key(addr, len), pathId));
    else forEachPrefix(list, (bytes, off, len, pathId) => each(ipv6Key(bytes, off, len), pathId));
  }

  /**
   * RFC 4486 §4: past the configured limit the session ends with Cease / Maximum Number of Prefixes Reached,
   * data AFI (2), SAFI (1), limit (4); it comes back after `restartAfter` seconds, or stays down when 0.
   */
  private checkLimit(peer: Peer, count: Record<Family, number>): void {
    const max = peer.settings.maxPrefix;
    if (!max) return;
    for (const family of FAMILIES) {
      if (count[family] <= max.limit) continue;
      const data = new Uint8Array(7);
      const dv = new DataView(data.buffer);
      dv.setUint16(0, family === 'ipv4-unicast' ? 1 : 2);
      data[2] = 1;
      dv.setUint32(3, max.limit);
      this.o.logger.log('warn', 'bgp.max-prefix', { peer: peer.settings.key, family, limit: max.limit, received: count[family] });
      peer.automaticStop(
        { code: 'max-prefix', detail: `${count[family]} ${family} prefixes exceed the limit of ${max.limit}` },
        { type: 'NOTIFICATION', code: 6, subcode: 1, data },
      );
      peer.stop();
      if (max.restartAfter > 0) this.o.clock.setTimeout(() => peer.start(), max.restartAfter * 1000);
      return;
    }
  }

  /** The Loc-RIB slots of a list's prefixes into `this.slots` (created when `create`, else -1 when missing); returns the count. */
  private lookUp(family: Family, list: NlriList, create: boolean): number {
    const n = readNlri(list, this.columns);
    if (this.slots.length < n) this.slots = new Int32Array(Math.max(n, this.slots.length * 2));
    this.o.rib.slotsOf(family, this.columns.words, this.columns.lengths, n, create, this.slots);
    return n;
  }

  private withdrawList(ref: PeerRef, list: NlriList, count: Record<Family, number>): void {
    const family = list.family && list.count > 0 ? ribFamily(list.family.name) : undefined;
    if (!family) return;
    const kept = this.prePolicy.get(ref.key);
    if (kept) keepReceived(kept, family, list);
    const n = this.lookUp(family, list, false);
    const removed = this.removed.length >= n ? this.removed : (this.removed = new Uint32Array(this.slots.length));
    this.o.rib.withdrawMany(family, this.slots, this.columns.pathIds, n, ref.key, removed);
    // The removed paths' references go back per run of equal sets, not per prefix (a full table withdrawn is
    // a million lookups of the same set otherwise).
    let runId = 0;
    let runLength = 0;
    let gone = 0;
    for (let j = 0; j < n; j++) {
      const id = removed[j]!;
      if (id === 0) continue;
      gone++;
      if (id !== runId) {
        if (runId !== 0) this.releaseRun(runId, runLength);
        runId = id;
        runLength = 0;
      }
      runLength++;
    }
    if (runId !== 0) this.releaseRun(runId, runLength);
    count[family] -= gone;
  }

  /** `count` removed paths' references to the set with attribute id `id`: to the store, then to the ids. */
  private releaseRun(id: number, count: number): void {
    const ids = this.o.rib.attributeIds;
    this.store.release(ids.get(id)!, count);
    ids.release(id, count);
  }

  private drop(ref: PeerRef, family: Family, prefix: PrefixKey, pathId: number, count: Record<Family, number>): void {
    const old = this.o.rib.withdraw(family, prefix, ref.key, pathId);
    if (old) {
      this.store.release(old.attrs);
      count[family]--;
    }
  }

  /**
   * A ROUTE-REFRESH from the peer. A request (RFC 2918) re-sends our table for that family, framed by BoRR and
   * EoRR when enhanced route refresh is negotiated (RFC 7313 §4). The peer's own BoRR marks its routes of the
   * family stale; its EoRR sweeps those it did not re-send (RFC 7313 §4), unless refresh-gate.ts says to
   * ignore them: a BoRR from a graceful restart peer before its End-of-RIB for the family, and an EoRR
   * without a BoRR acted upon. Without enhanced route refresh the subtype octet is RFC 2918's Reserved field:
   * a BoRR or EoRR there is ignored, as RFC 7313 §5 has a receiver do with a subtype it cannot act on (no
   * NOTIFICATION: that is for a bad length, which the decoder already answers). Acting on either would sweep
   * routes a graceful restart keeps stale until End-of-RIB.
   */
  routeRefresh(peer: Peer, m: RouteRefreshMessage): void {
    const family: Family | undefined = m.safi !== 1 ? undefined : m.afi === 1 ? 'ipv4-unicast' : m.afi === 2 ? 'ipv6-unicast' : undefined;
    const ref = this.sessions.get(peer)?.ref;
    const member = this.groups.member(peer);
    if (!family || !ref || !member || !member.families.includes(family)) return;
    const subtype = ['request', 'borr', 'eorr'][m.subtype] ?? m.subtype;
    const enhanced = peer.negotiated?.enhancedRouteRefresh === true;
    if (m.subtype !== 0 && !enhanced) {
      this.o.logger.log('warn', 'bgp.route-refresh.ignored', { peer: ref.key, family, subtype, detail: 'enhanced route refresh not negotiated (RFC 7313 §5)' });
      return;
    }
    const ignored = m.subtype === 1 ? this.refreshGate.borr(peer, family) : m.subtype === 2 ? this.refreshGate.eorr(peer, family) : undefined;
    if (ignored !== undefined) {
      this.o.logger.log('warn', 'bgp.route-refresh.ignored', { peer: ref.key, family, subtype, detail: ignored });
      return;
    }
    this.o.logger.log('info', 'bgp.route-refresh', { peer: ref.key, family, subtype });
    if (m.subtype === 0) {
      const frame = (subtype: number) => peer.send({ type: 'ROUTE-REFRESH', afi: m.afi, safi: m.safi, subtype, orf: new Uint8Array(0) });
      if (enhanced) frame(1);
      this.groups.sendTable(member, [family]);
      if (enhanced) frame(2);
    } else if (m.subtype === 1) {
      this.o.rib.dropPeer(ref.key, [family], true);
      this.prePolicy.down(ref.key, [family], true);
    } else if (m.subtype === 2) {
      this.sweepStale(ref.key, [family], 'EoRR');
    }
  }

  down(peer: Peer, reason: DownReason, n: Negotiated): void {
    this.groups.leave(peer);
    this.refreshGate.down(peer);
    this.imports.get(peer)?.clear();
    this.imports.delete(peer);
    if (this.deferral?.waiting.delete(peer)) queueMicrotask(() => this.maybeEndDeferral());
    const ref = this.sessions.get(peer)?.ref;
    this.sessions.delete(peer);
    if (!ref) return;
    const gr = n.gracefulRestart;
    // RFC 4724 §4.2: a session lost without NOTIFICATION (TCP failure, hold timer) with a GR-capable peer.
    const helper = gr !== undefined && gr.restartTime > 0 && (reason.code === 'tcp-closed' || reason.code === 'hold-timer-expired');
    const families = ribFamilies(n.families);
    this.prePolicy.down(ref.key, families, helper);
    if (helper) {
      const kept = this.o.rib.dropPeer(ref.key, families, true);
      this.o.logger.log('info', 'rib.gr.stale', { peer: ref.key, kept: kept.length, restartTime: gr.restartTime });
      this.gr.sessionLost(peer, families, gr.restartTime);
    } else {
      this.gr.forget(peer);
      for (const p of this.o.rib.dropPeer(ref.key, families)) this.store.release(p.attrs);
    }
    this.scheduleFlush();
  }

  /** Remove a peer's routes still stale in these families (graceful restart helper, EoRR). */
  private sweepStale(peerKey: string, families: readonly Family[], why: string): void {
    for (const family of families) {
      this.prePolicy.sweepStale(peerKey, family);
      const swept = this.o.rib.sweepStale(peerKey, family);
      for (const p of swept) this.store.release(p.attrs);
      if (swept.length) this.o.logger.log('info', 'rib.gr.sweep', { peer: peerKey, family, swept: swept.length, why });
    }
    this.scheduleFlush();
  }

  /** Prefixes accepted from the peer's current session, all families. */
  receivedCount(peer: Peer): number {
    const c = this.sessions.get(peer)?.received;
    return c ? c['ipv4-unicast'] + c['ipv6-unicast'] : 0;
  }

  /**
   * Run the peer's import policy again over the routes it sent, kept as received (the operator's "soft-in");
   * undefined when the peer has no session or does not keep its routes (then only ROUTE-REFRESH helps).
   */
  softReconfigureIn(peer: Peer): SoftInResult | undefined {
    const session = this.sessions.get(peer);
    const table = session && this.prePolicy.get(session.ref.key);
    if (!session || !table) return undefined;
    const { ref, received: count } = session;
    const result = reapplyImport(table, ref, this.imports.get(peer), this.o.rib, this.store, count, this.o.clock.now());
    this.o.logger.log('info', 'rib.soft-in', { peer: ref.key, ...result });
    this.checkLimit(peer, count);
    this.scheduleFlush();
    return result;
  }

  /**
   * What explanations need of every Established session (read only). The export target is the session's
   * update group's, keyed by the peer so that split horizon is judged for it as the group does per member.
   */
  sessionPolicies(): SessionPolicy[] {
    return [...this.sessions].flatMap(([peer, { ref }]) => {
      const m = this.groups.member(peer);
      if (!m) return [];
      const imp = this.imports.get(peer);
      const kept = this.prePolicy.get(ref.key);
      const paths = m.group.paths;
      const addPath = paths && {
        families: paths.families, paths: paths.limit,
        advertised: (family: Family, prefix: PrefixKey) => paths.pathsFor(ref.key, family, this.o.rib.slotOf(family, prefix)),
      };
      return [{
        peer: ref, export: { ...m.group.core.target, key: ref.key }, ...(imp ? { import: imp } : {}), ...(kept ? { prePolicy: kept } : {}),
        ...(addPath ? { addPath } : {}),
      }];
    });
  }

  /** Send the peer our whole table again (operator's "refresh out"); false when it has no session. */
  resendTable(peer: Peer): boolean {
    const m = this.groups.member(peer);
    if (!m) return false;
    this.groups.sendTable(m);
    return true;
  }

  // ---- RIB → sessions ---------------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  flush(): void {
    if (this.deferral) return; // changes accumulate; the end of deferral sends the whole table
    const rib = this.o.rib;
    for (const family of FAMILIES) {
      const slots = rib.takeChangedSlots(family);
      // Other paths than the best changed: only for add-path send (empty unless a group sends several paths).
      const candidates = rib.takeCandidateSlots(family);
      if (slots.length === 0 && candidates.length === 0) continue;
      if (slots.length) this.o.ribChanged?.(family, slots);
      this.groups.update(family, slots, candidates);
      rib.collect(family, slots);
      rib.collect(family, candidates);
    }
    this.lastFlush = this.o.clock.now();
    this.schedulePrune();
  }

  /**
   * Slots of withdrawn prefixes are freed after a burst, not during it (LocRib.maybeFree says why): PRUNE_QUIET
   * ms after the last flush, PRUNE_CHUNK at a time. A table that is never quiet is pruned all the same once
   * the retired slots outnumber PRUNE_ANYWAY, so they cannot pile up.
   */
  private schedulePrune(): void {
    if (this.pruneTimer || (this.o.rib.retired === 0 && this.store.droppedCount === 0)) return;
    this.pruneTimer = this.o.clock.setTimeout(() => {
      this.pruneTimer = undefined;
      const rib = this.o.rib;
      const quiet = this.o.clock.now() - this.lastFlush >= PRUNE_QUIET;
      if (quiet || rib.retired > PRUNE_ANYWAY) rib.prune(PRUNE_CHUNK);
      if (quiet || this.store.droppedCount > DROPPED_ANYWAY) this.forgetDropped();
      this.schedulePrune();
    }, PRUNE_QUIET);
  }

  /** The update groups let go of the sets the store dropped (their export verdicts and encodings). */
  private forgetDropped(): void {
    // Forgetting a received set gives back the exported set's reference, which may drop that one in turn.
    while (this.store.droppedCount > 0) for (const a of this.store.takeDropped()) this.groups.forget(a);
  }

  /** Update groups (for displays and tests). */
  get updateGroups(): { readonly groups: number; readonly members: number } {
    return this.groups.counts;
  }
}
