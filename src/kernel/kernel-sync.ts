/**
 * The kernel side as one piece for the daemon: takes the routes the RIB wants in the FIB (prefix, blackhole
 * or gateways), resolves each gateway through the overlay against the live interface table, and hands the
 * result to the FIB sync. Interface or address changes re-resolve every route (a next hop that moved off a
 * local subnet now goes through the tunnel, a downed interface's routes are recomputed).
 *
 * Cost per route: the routes of a node go through a handful of gateway sets. Each set is interned and
 * resolved once per state of the interface table, and its resolution (next hops, VXLAN peers, error) is one
 * object shared by every route through it, kept as the note on the route's FIB slot (one lookup per change
 * for the whole kernel side); the FIB gets the resolution's one Forwarding object. Nothing is formatted or
 * parsed per route, and no object is kept per route.
 */
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { FibSync, type FibOptions, type FibRouteState, type FibStats } from './fib.js';
import { InterfaceTable, type InterfaceChange } from './interfaces.js';
import { RTNLGRP, startMonitor, type RtnlMonitor } from './netlink-monitor.js';
import type { KernelMessage, RtnlSocket } from './netlink-socket.js';
import { Overlay, type NextHopResolution, type OverlayConfig } from './overlay.js';
import { routeKeyText, type RouteKey } from './route-key.js';
import { BLACKHOLE, type Forwarding, type KernelNextHop } from './types.js';

/** What the RIB wants in the kernel for one prefix. */
export interface WantedRoute {
  readonly key: RouteKey;
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

interface GatewaySet {
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
  /** The FIB's entries carry each wanted route's resolution as their note. */
  readonly fib: FibSync<Resolution>;
  readonly overlay: Overlay;
  /** Routes the RIB wants: their number (the FIB's entries with a note). */
  private wantedCount = 0;
  private readonly unresolved = new Set<RouteKey>();
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
    this.fib = new FibSync(fibOptions, deps);
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
    await this.fib.start();
  }

  set(route: WantedRoute): void {
    this.bind(this.fib.entry(route.key), this.resolution(route.kind === 'blackhole' ? this.blackhole : this.gatewaySet(route.gateways)));
  }

  /** Every route the RIB wants in the kernel, resolved or not. */
  *wantedKeys(): Generator<RouteKey> {
    for (const slot of this.fib.noted()) yield this.fib.keyOf(slot);
  }

  remove(key: RouteKey): void {
    const slot = this.fib.find(key);
    if (slot >= 0) this.bind(slot, undefined);
  }

  /**
   * Gives a route its resolution (undefined: the RIB wants it no more): VXLAN peers and the unresolved set
   * follow, the FIB gets its forwarding.
   */
  private bind(slot: number, res: Resolution | undefined): void {
    const fib = this.fib;
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
        for (const slot of this.fib.noted()) this.bind(slot, this.resolution(this.fib.note(slot)!.gateways));
      }
      if (this.rereadWanted) {
        this.rereadWanted = false;
        void this.fib.resync();
      }
    });
  }

  /** The RIB has converged after start: tern's routes from before that nobody wants now are removed. */
  finishStartup(): void {
    this.fib.finishStartup();
  }

  status(key: RouteKey): KernelRouteStatus | undefined {
    const slot = this.fib.find(key);
    const res = slot < 0 ? undefined : this.fib.note(slot);
    if (res && !res.forwarding) return { state: 'unresolved', error: res.error };
    return this.fib.status(key);
  }

  /** Routes not in the kernel as wanted: refused by the kernel, or with no usable next hop. */
  problems(): { readonly prefix: string; readonly state: 'failed' | 'unresolved'; readonly error: string; readonly attempts?: number }[] {
    return [
      ...this.fib.failedRoutes().map((f) => ({ prefix: routeKeyText(f.key), state: 'failed' as const, error: f.error, attempts: f.attempts })),
      ...[...this.unresolved].map((key) => ({ prefix: routeKeyText(key), state: 'unresolved' as const, error: this.fib.note(this.fib.find(key))?.error ?? '' })),
    ].sort((a, b) => a.prefix.localeCompare(b.prefix));
  }

  stats(): FibStats & { readonly unresolved: number; readonly vxlanPeers: number } {
    return { ...this.fib.stats(), unresolved: this.unresolved.size, vxlanPeers: this.overlay.vxlanPeers().size };
  }

  /** Send what the last changes asked for now (FibSync.flush). */
  flush(): void {
    this.fib.flush();
  }

  async whenIdle(): Promise<void> {
    await this.fib.whenIdle();
    await this.overlay.whenIdle();
  }

  /** Stop listening; the routes stay in the kernel (restarts must not lose traffic). */
  close(): void {
    this.monitor?.close();
    this.fib.close();
  }
}
