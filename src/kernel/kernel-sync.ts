/**
 * The kernel side as one piece for the daemon: takes the routes the RIB wants in the FIB (prefix, blackhole
 * or gateways), resolves each gateway through the overlay against the live interface table, and hands the
 * result to the FIB sync. Interface or address changes re-resolve every route (a next hop that moved off a
 * local subnet now goes through the tunnel, a downed interface's routes are recomputed).
 */
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { FibSync, type FibOptions, type FibRouteState, type FibStats } from './fib.js';
import { InterfaceTable } from './interfaces.js';
import { RTNLGRP, startMonitor, type RtnlMonitor } from './netlink-monitor.js';
import type { KernelMessage, RtnlSocket } from './netlink-socket.js';
import { Overlay, type NextHopResolution, type OverlayConfig } from './overlay.js';
import { routeKey, type IpVersion, type KernelNextHop } from './types.js';

/** What the RIB wants in the kernel for one prefix. */
export interface WantedRoute {
  readonly version: IpVersion;
  readonly dst: string;
  readonly dstLen: number;
  /**
   * A blackhole (a block this node owns), or a route through the given gateways (an ECMP set when several);
   * a link-local gateway carries its interface: `fe80::1%eth0`.
   */
  readonly kind: 'blackhole' | 'unicast';
  readonly gateways: readonly string[];
}

interface ResolvedGateways {
  readonly nexthops: readonly KernelNextHop[];
  readonly peers: readonly string[];
  readonly error: string;
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

export class KernelSync {
  readonly interfaces = new InterfaceTable();
  readonly fib: FibSync;
  readonly overlay: Overlay;
  private readonly wanted = new Map<string, WantedRoute>();
  private readonly unresolved = new Map<string, string>();
  private readonly vxlanUse = new Map<string, readonly string[]>();
  private readonly resolved = new Map<string, ResolvedGateways>();
  private monitor: RtnlMonitor | undefined;
  private recomputeScheduled = false;

  constructor(fibOptions: FibOptions, overlay: OverlayConfig, private readonly deps: KernelSyncDeps) {
    this.fib = new FibSync(fibOptions, deps);
    this.overlay = new Overlay(overlay, { socket: deps.socket, interfaces: this.interfaces, logger: deps.logger });
    this.interfaces.onChange(() => {
      this.resolved.clear();
      this.scheduleRecompute();
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
    const key = routeKey(route);
    this.wanted.set(key, route);
    this.resolve(key, route);
  }

  remove(key: string): void {
    this.wanted.delete(key);
    this.unresolved.delete(key);
    this.useVxlan(key, []);
    this.fib.remove(key);
  }

  private resolve(key: string, route: WantedRoute): void {
    if (route.kind === 'blackhole') {
      this.unresolved.delete(key);
      this.useVxlan(key, []);
      this.fib.set({ version: route.version, dst: route.dst, dstLen: route.dstLen, type: 'blackhole', nexthops: [] });
      return;
    }
    const r = this.resolveGateways(route.gateways);
    this.useVxlan(key, r.peers);
    if (!r.nexthops.length) {
      this.unresolved.set(key, r.error || 'no next hop');
      this.fib.remove(key);
      return;
    }
    this.unresolved.delete(key);
    this.fib.set({ version: route.version, dst: route.dst, dstLen: route.dstLen, type: 'unicast', nexthops: r.nexthops });
  }

  /**
   * The next hops of a gateway set, shared by every route through the same gateways (most routes of a node
   * go through a handful of them): one resolution and one array, not one per route. Dropped whenever the
   * interface table changes.
   */
  private resolveGateways(gateways: readonly string[]): ResolvedGateways {
    const key = gateways.length === 1 ? gateways[0]! : gateways.join(' ');
    let r = this.resolved.get(key);
    if (r) return r;
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
    r = { nexthops, peers, error: errors.join('; ') };
    if (this.resolved.size > 10_000) this.resolved.clear();
    this.resolved.set(key, r);
    return r;
  }

  /** `fe80::x%IFNAME`: a link-local gateway on the named interface, never through a tunnel. */
  private linkLocal(gw: string): NextHopResolution {
    const [address, zone] = gw.split('%') as [string, string];
    const link = this.interfaces.linkByName(zone);
    if (!link) return { ok: false, error: `interface ${zone} of link-local next hop ${address} does not exist` };
    if (!link.up) return { ok: false, error: `interface ${zone} of link-local next hop ${address} is down` };
    return { ok: true, nexthop: { gateway: address, ifindex: link.ifindex, onlink: false } };
  }

  private useVxlan(key: string, peers: readonly string[]): void {
    const before = this.vxlanUse.get(key) ?? [];
    for (const p of peers) this.overlay.acquire(p);
    for (const p of before) this.overlay.release(p);
    if (peers.length) this.vxlanUse.set(key, peers);
    else this.vxlanUse.delete(key);
  }

  private scheduleRecompute(): void {
    if (this.recomputeScheduled) return;
    this.recomputeScheduled = true;
    setImmediate(() => {
      this.recomputeScheduled = false;
      for (const [key, route] of this.wanted) this.resolve(key, route);
    });
  }

  /** The RIB has converged after start: tern's routes from before that nobody wants now are removed. */
  finishStartup(): void {
    this.fib.finishStartup();
  }

  status(key: string): KernelRouteStatus | undefined {
    const u = this.unresolved.get(key);
    if (u !== undefined) return { state: 'unresolved', error: u };
    return this.fib.status(key);
  }

  /** Routes not in the kernel as wanted: refused by the kernel, or with no usable next hop. */
  problems(): { readonly prefix: string; readonly state: 'failed' | 'unresolved'; readonly error: string; readonly attempts?: number }[] {
    return [
      ...this.fib.failedRoutes().map((f) => ({ prefix: f.key, state: 'failed' as const, error: f.error, attempts: f.attempts })),
      ...[...this.unresolved].map(([prefix, error]) => ({ prefix, state: 'unresolved' as const, error })),
    ].sort((a, b) => a.prefix.localeCompare(b.prefix));
  }

  stats(): FibStats & { readonly unresolved: number; readonly vxlanPeers: number } {
    return { ...this.fib.stats(), unresolved: this.unresolved.size, vxlanPeers: this.overlay.vxlanPeers().size };
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
