/**
 * The kernel side as one piece for the daemon: takes the routes the RIB wants in the FIB (blackhole or
 * gateways), resolves each gateway through the overlay against the live interface table, and hands the
 * result to the FIB of the route's family. Interface or address changes re-resolve every route (a next hop
 * that moved off a local subnet now goes through the tunnel, a downed interface's routes are recomputed).
 *
 * Cost per route: the routes of a node go through a handful of gateway sets. Each set is interned (one
 * `GatewaySet` object, which the RIB side asks for once per run of routes with one next hop) and resolved
 * once per state of the interface table, and its resolution (next hops, VXLAN peers, error) is one object
 * shared by every route through it, kept as the note on the route's FIB slot; the FIB gets the resolution's
 * one Forwarding object. The RIB hands routes over by its prefix-table slots (`wantAt`), so the FIB finds
 * or adds the prefix from the RIB's words: nothing is formatted, parsed or allocated per route.
 */
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { familyOfKey, formatPrefixKey, type Family, type PrefixKey } from '../common/prefix-key.js';
import type { PrefixTable } from '../common/prefix-table.js';
import { FibSync, type FibOptions, type FibRouteState, type FibStats } from './fib.js';
import { InterfaceTable, type InterfaceChange } from './interfaces.js';
import { RTNLGRP, startMonitor, type RtnlMonitor } from './netlink-monitor.js';
import type { KernelMessage, RtnlSocket } from './netlink-socket.js';
import { Overlay, type NextHopResolution, type OverlayConfig } from './overlay.js';
import { BLACKHOLE, type FibTarget, type Forwarding, type KernelNextHop } from './types.js';

/** How the RIB wants a prefix forwarded. */
export interface RouteTarget {
  /**
   * A blackhole (a block this node owns), or a route through the given gateways (an ECMP set when several);
   * a link-local gateway carries its interface: `fe80::1%eth0`.
   */
  readonly kind: 'blackhole' | 'unicast';
  readonly gateways: readonly string[];
}

/** One gateway set as the interface table has it now; shared by every route through the set. */
interface Resolution {
  readonly gateways: GatewaySet;
  /** undefined: no usable next hop (the route is unresolved). */
  readonly forwarding: Forwarding | undefined;
  readonly peers: readonly string[];
  readonly error: string;
}

/** A route target as KernelSync keeps it: one object per distinct target, shared by every route through it. */
export interface GatewaySet {
  readonly kind: 'blackhole' | 'unicast';
  readonly gateways: readonly string[];
  current?: Resolution;
  /** The interface table generation `current` was computed for. */
  checked: number;
}

export type KernelRouteStatus = FibRouteState | { readonly state: 'unresolved'; readonly error: string };

export interface KernelSyncDeps {
  readonly socket: RtnlSocket;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Subscribe to kernel notifications (the real one is netlink multicast; tests may omit it). */
  readonly monitor?: (listener: { message(m: KernelMessage): void; overrun(): void }) => RtnlMonitor;
}

/**
 * Links and addresses only. Route notifications are not subscribed: installing 100,000 routes overruns any
 * receive buffer with our own notifications, and the `netlink` package (0.3.0) aborts the process on that
 * receive error (ENOBUFS) when it happens in the process that writes the routes. Routes changed behind
 * tern's back are found by the FIB's periodic re-read instead (`kernel.antiEntropy`).
 */
export function netlinkMonitor(listener: { message(m: KernelMessage): void; overrun(): void }): RtnlMonitor {
  return startMonitor([RTNLGRP.LINK, RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV6_IFADDR], listener);
}

function sameNexthops(a: readonly KernelNextHop[], b: readonly KernelNextHop[]): boolean {
  return a.length === b.length && a.every((n, i) => n.gateway === b[i]!.gateway && n.ifindex === b[i]!.ifindex && n.onlink === b[i]!.onlink);
}

function sameResolution(a: Resolution, b: Omit<Resolution, 'gateways'>): boolean {
  return a.error === b.error && a.peers.join(' ') === b.peers.join(' ')
    && (a.forwarding === b.forwarding || (a.forwarding !== undefined && b.forwarding !== undefined && sameNexthops(a.forwarding.nexthops, b.forwarding.nexthops)));
}

export class KernelSync {
  readonly interfaces = new InterfaceTable();
  /** The FIB of each family; its entries carry each wanted route's resolution as their note. */
  readonly fibs: Readonly<Record<Family, FibSync<Resolution>>>;
  readonly overlay: Overlay;
  /** Routes the RIB wants: their number (the FIB's entries with a note). */
  private wantedCount = 0;
  private readonly unresolved = new Set<PrefixKey>();
  private readonly sets = new Map<string, GatewaySet>();
  private lastSetId: string | undefined;
  private lastSet: GatewaySet | undefined;
  /** Some routes' sets are no longer in `sets` (it was emptied): a re-resolution must visit every route. */
  private setsDropped = false;
  private readonly blackhole: GatewaySet = { kind: 'blackhole', gateways: [], checked: -1 };
  /** Bumped by every interface change: resolutions of older generations are recomputed when next used. */
  private generation = 0;
  private monitor: RtnlMonitor | undefined;
  private recomputeScheduled = false;
  /** The kernel may have dropped routes of ours (a link they used went down): re-read after re-resolving. */
  private rereadWanted = false;

  constructor(fibOptions: FibOptions, overlay: OverlayConfig, private readonly deps: KernelSyncDeps) {
    this.fibs = {
      'ipv4-unicast': new FibSync('ipv4-unicast', fibOptions, deps),
      'ipv6-unicast': new FibSync('ipv6-unicast', fibOptions, deps),
    };
    this.overlay = new Overlay(overlay, { socket: deps.socket, interfaces: this.interfaces, logger: deps.logger, changed: () => this.invalidate() });
    this.interfaces.onChange((change) => {
      this.overlay.refresh();
      if (change.kind !== 'gained' && this.mayHaveLostRoutes(change)) {
        this.deps.logger.log('debug', 'kernel.interfaces.lost', { ...change, why: 'routes through it may be gone; re-reading the kernel' });
        this.rereadWanted = true;
      }
      this.invalidate();
    });
  }

  /** Read interfaces and tern's existing routes, set up the tunnel, start listening. */
  async start(): Promise<void> {
    this.monitor = this.deps.monitor?.({
      message: (m) => this.interfaces.apply(m),
      overrun: () => {
        this.deps.logger.log('warn', 'kernel.monitor.overrun', { why: 'notifications lost; re-reading interfaces' });
        void this.interfaces.load(this.deps.socket).catch(() => undefined);
      },
    });
    await this.interfaces.load(this.deps.socket);
    await this.overlay.setup();
    let adopted = 0;
    for (const fib of this.allFibs()) adopted += await fib.start();
    if (adopted) this.deps.logger.log('info', 'kernel.fib.adopted', { routes: adopted });
  }

  /** Where tern's routes go (the same for both families). */
  get target(): FibTarget {
    return this.fibs['ipv4-unicast'].target;
  }

  private allFibs(): readonly FibSync<Resolution>[] {
    return [this.fibs['ipv4-unicast'], this.fibs['ipv6-unicast']];
  }

  private fibOf(key: PrefixKey): FibSync<Resolution> {
    return this.fibs[familyOfKey(key)];
  }

  /** The shared object of a target: hand it to `wantAt` for every route through it. */
  gatewaySetOf(target: RouteTarget): GatewaySet {
    return target.kind === 'blackhole' ? this.blackhole : this.gatewaySet(target.gateways);
  }

  /**
   * The route of the prefix at `slot` of `table` (the RIB's prefix table of `family`) goes through `set`, or
   * is not wanted (undefined). The hand-over from the RIB: no key, no object per route.
   */
  wantAt(family: Family, table: PrefixTable, slot: number, set: GatewaySet | undefined): void {
    const fib = this.fibs[family];
    if (set) {
      this.bind(fib, fib.entryFrom(table, slot), this.resolution(set));
      return;
    }
    const found = fib.findFrom(table, slot);
    if (found >= 0) this.bind(fib, found, undefined);
  }

  /** Every route the RIB wants in the kernel, resolved or not. */
  *wantedKeys(): Generator<PrefixKey> {
    for (const fib of this.allFibs()) for (const slot of fib.noted()) yield fib.keyOf(slot);
  }

  remove(key: PrefixKey): void {
    const fib = this.fibOf(key);
    const slot = fib.find(key);
    if (slot >= 0) this.bind(fib, slot, undefined);
  }

  /**
   * Gives a route its resolution (undefined: the RIB wants it no more): VXLAN peers and the unresolved set
   * follow, the FIB gets its forwarding.
   */
  private bind(fib: FibSync<Resolution>, slot: number, res: Resolution | undefined): void {
    const old = fib.note(slot);
    if (old !== res) {
      fib.setNote(slot, res);
      if (!old !== !res) this.wantedCount += res ? 1 : -1;
      if (res?.peers.length || old?.peers.length) this.useVxlan(old?.peers ?? [], res?.peers ?? []);
      if (res && !res.forwarding) this.unresolved.add(fib.keyOf(slot));
      else if (old && !old.forwarding) this.unresolved.delete(fib.keyOf(slot));
    }
    fib.want(slot, res?.forwarding);
  }

  private gatewaySet(gateways: readonly string[]): GatewaySet {
    const id = gateways.length === 1 ? gateways[0]! : gateways.join(' ');
    if (id === this.lastSetId && this.lastSet) return this.lastSet; // runs of routes share their next hops
    let set = this.sets.get(id);
    if (!set) {
      if (this.sets.size >= 10_000) {
        this.sets.clear(); // routes keep their sets; only sharing is lost
        this.setsDropped = true;
      }
      set = { kind: 'unicast', gateways: [...gateways], checked: -1 };
      this.sets.set(id, set);
    }
    this.lastSetId = id;
    this.lastSet = set;
    return set;
  }

  /**
   * The set's resolution for the current interface table. Recomputed once per generation; when nothing
   * changed for this set, the old object stays, so its routes need nothing.
   */
  private resolution(set: GatewaySet): Resolution {
    if (set.current && set.checked === this.generation) return set.current;
    const next = set.kind === 'blackhole' ? { forwarding: BLACKHOLE, peers: [], error: '' } : this.resolveGateways(set.gateways);
    if (!set.current || !sameResolution(set.current, next)) set.current = { gateways: set, ...next };
    set.checked = this.generation;
    return set.current;
  }

  private resolveGateways(gateways: readonly string[]): Omit<Resolution, 'gateways'> {
    const nexthops: KernelNextHop[] = [];
    const peers: string[] = [];
    const errors: string[] = [];
    for (const gw of gateways) {
      const one = gw.includes('%') ? this.linkLocal(gw) : this.overlay.resolve(gw);
      if (!one.ok) {
        errors.push(`${gw}: ${one.error}`);
        continue;
      }
      nexthops.push(one.nexthop);
      if (one.vxlanPeer) peers.push(one.vxlanPeer);
    }
    return { forwarding: nexthops.length ? { type: 'unicast', nexthops } : undefined, peers, error: errors.join('; ') || (nexthops.length ? '' : 'no next hop') };
  }

  /** `fe80::x%IFNAME`: a link-local gateway on the named interface, never through a tunnel. */
  private linkLocal(gw: string): NextHopResolution {
    const [address, zone] = gw.split('%') as [string, string];
    const link = this.interfaces.linkByName(zone);
    if (!link) return { ok: false, error: `interface ${zone} of link-local next hop ${address} does not exist` };
    if (!link.up) return { ok: false, error: `interface ${zone} of link-local next hop ${address} is down` };
    return { ok: true, nexthop: { gateway: address, ifindex: link.ifindex, onlink: false } };
  }

  private useVxlan(before: readonly string[], after: readonly string[]): void {
    for (const p of after) this.overlay.acquire(p);
    for (const p of before) this.overlay.release(p);
  }

  /** Whether a loss on this interface can have made the kernel drop routes of ours (it flushes those through a downed link). */
  private mayHaveLostRoutes(change: InterfaceChange): boolean {
    if (!this.wantedCount) return false;
    if (change.kind === 'reload') return true;
    for (const set of this.sets.values()) {
      const hops = set.current?.forwarding?.nexthops ?? [];
      // A gateway without a device was resolved by the kernel: it may have gone through this link.
      if (hops.some((n) => n.ifindex === undefined || n.ifindex === change.ifindex)) return true;
    }
    return false;
  }

  /** The interface table or the tunnel changed: re-resolve every route on the next turn. */
  private invalidate(): void {
    this.generation++;
    if (this.recomputeScheduled) return;
    this.recomputeScheduled = true;
    setImmediate(() => {
      this.recomputeScheduled = false;
      // Most interface changes (a pod's veth, an IPv6 address after DAD) change no gateway set's resolution:
      // then no route needs a visit.
      let moved = this.setsDropped;
      for (const set of this.sets.values()) {
        const before = set.current;
        if (before && this.resolution(set) !== before) moved = true;
      }
      if (moved) {
        this.setsDropped = false;
        for (const fib of this.allFibs()) for (const slot of fib.noted()) this.bind(fib, slot, this.resolution(fib.note(slot)!.gateways));
      }
      if (this.rereadWanted) {
        this.rereadWanted = false;
        for (const fib of this.allFibs()) void fib.resync();
      }
    });
  }

  /** The RIB has converged after start: tern's routes from before that nobody wants now are removed. */
  finishStartup(): void {
    for (const fib of this.allFibs()) fib.finishStartup();
  }

  status(key: PrefixKey): KernelRouteStatus | undefined {
    const fib = this.fibOf(key);
    const slot = fib.find(key);
    const res = slot < 0 ? undefined : fib.note(slot);
    if (res && !res.forwarding) return { state: 'unresolved', error: res.error };
    return fib.status(key);
  }

  /** Routes not in the kernel as wanted: refused by the kernel, or with no usable next hop. */
  problems(): { readonly prefix: string; readonly state: 'failed' | 'unresolved'; readonly error: string; readonly attempts?: number }[] {
    const unresolvedError = (key: PrefixKey): string => {
      const fib = this.fibOf(key);
      return fib.note(fib.find(key))?.error ?? '';
    };
    return [
      ...this.allFibs().flatMap((fib) => fib.failedRoutes())
        .map((f) => ({ prefix: formatPrefixKey(f.key), state: 'failed' as const, error: f.error, attempts: f.attempts })),
      ...[...this.unresolved].map((key) => ({ prefix: formatPrefixKey(key), state: 'unresolved' as const, error: unresolvedError(key) })),
    ].sort((a, b) => a.prefix.localeCompare(b.prefix));
  }

  stats(): FibStats & { readonly unresolved: number; readonly vxlanPeers: number } {
    const [v4, v6] = this.allFibs().map((fib) => fib.stats()) as [FibStats, FibStats];
    return {
      wanted: v4.wanted + v6.wanted, installed: v4.installed + v6.installed, failed: v4.failed + v6.failed, adopted: v4.adopted + v6.adopted,
      unresolved: this.unresolved.size, vxlanPeers: this.overlay.vxlanPeers().size,
    };
  }

  /** Send what the last changes asked for now (FibSync.flush). */
  flush(): void {
    for (const fib of this.allFibs()) fib.flush();
  }

  async whenIdle(): Promise<void> {
    for (const fib of this.allFibs()) await fib.whenIdle();
    await this.overlay.whenIdle();
  }

  /** Stop listening; the routes stay in the kernel (restarts must not lose traffic). */
  close(): void {
    this.monitor?.close();
    for (const fib of this.allFibs()) fib.close();
  }
}
