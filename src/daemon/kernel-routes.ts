/**
 * Loc-RIB → kernel: which best paths become kernel routes, and when tern's routes left by a previous run may
 * be swept. BGP paths become routes through their next hops (the ECMP set when multipath is on); blocks this
 * node owns (static routes without a next hop, IPAM blocks) become blackholes; connected routes stay the
 * kernel's own. The RIB's changes arrive as its changed slots and are read from its columns (`changed`).
 *
 * Sweep timing (RFC 4724 §4.1 for the forwarding state of a restarting speaker): adopted routes from before
 * the start go once every configured peer has sent End-of-RIB for each of its families, or the restart time
 * has passed, whichever is first. With selection deferral the kernel sees nothing until deferral ends.
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { Family, PrefixKey } from '../common/prefix-key.js';
import type { Peer } from '../bgp/peer.js';
import type { KernelConfig } from '../config/schema.js';
import type { GatewaySet, KernelSync, RouteTarget } from '../kernel/kernel-sync.js';
import type { LocRib } from '../rib/loc-rib.js';
import type { Path, PathAttributes, PeerRef } from '../rib/types.js';

const OWNED_NEXT_HOPS = new Set(['0.0.0.0', '::']);

/** fe80::/10. Runs once per route: the regular expression only for what starts with an "f". */
function isLinkLocal(address: string): boolean {
  const c = address.charCodeAt(0) | 0x20;
  return c === 0x66 && /^fe[89ab][0-9a-f]:/i.test(address);
}

/**
 * The kernel gateway of a path with these attributes from this peer. A link-local next hop (RFC 2545: a peer
 * on a shared link may send only its link-local address, or `::` and the link-local one) means nothing
 * without its interface: it becomes `fe80::x%IFNAME`, the interface being the one the session runs over
 * (`zoneOf` the peer's address).
 */
export function nextHopGateway(
  attrs: PathAttributes, peer: PeerRef | undefined, zoneOf: (peerAddress: string) => string | undefined,
): string | undefined {
  const gw = attrs.nextHop;
  if (OWNED_NEXT_HOPS.has(gw) && !attrs.nextHopLinkLocal) return undefined;
  if (!isLinkLocal(gw) && gw !== '::') return gw;
  const ll = isLinkLocal(gw) ? gw : attrs.nextHopLinkLocal!;
  const zone = peer ? zoneOf(peer.address) : undefined;
  return zone ? `${ll}%${zone}` : undefined;
}

export function pathGateway(p: Path, zoneOf: (peerAddress: string) => string | undefined): string | undefined {
  return nextHopGateway(p.attrs, p.peer, zoneOf);
}

const NO_GATEWAYS: readonly string[] = [];

/** How the kernel should forward a prefix with this best path and ECMP set; undefined: no kernel route. */
export function routeTarget(
  best: Path | undefined, multipath: readonly Path[], config: KernelConfig,
  zoneOf: (peerAddress: string) => string | undefined = () => undefined,
): RouteTarget | undefined {
  if (!best || best.source === 'connected') return undefined;
  if (best.source !== 'bgp' && OWNED_NEXT_HOPS.has(best.attrs.nextHop)) {
    return config.blackholeOwned ? { kind: 'blackhole', gateways: NO_GATEWAYS } : undefined;
  }
  if (multipath.length <= 1) {
    // The common case, one path: no set, no array copies.
    const gw = pathGateway(multipath[0] ?? best, zoneOf);
    return gw === undefined ? undefined : { kind: 'unicast', gateways: [gw] };
  }
  const gateways = [...new Set(multipath.map((p) => pathGateway(p, zoneOf)))].filter((g): g is string => g !== undefined);
  if (!gateways.length) return undefined;
  return { kind: 'unicast', gateways };
}

/** What KernelRoutes uses of the kernel side. */
export type KernelRoutesTarget = Pick<KernelSync, 'gatewaySetOf' | 'wantAt' | 'remove' | 'wantedKeys' | 'flush' | 'finishStartup'>;

export interface KernelRoutesOptions {
  readonly rib: LocRib;
  readonly kernel: KernelRoutesTarget;
  readonly config: KernelConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Seconds after which adopted routes are swept even without every End-of-RIB (the restart time). */
  readonly sweepAfter: number;
  /** The configured peers whose End-of-RIB the sweep waits for. */
  readonly peers: () => readonly Peer[];
  /** Selection deferral is on: the kernel has not seen the table yet, so nothing may be swept. */
  readonly deferring: () => boolean;
  /** The interface a peer's session runs over (for link-local next hops). */
  readonly zoneOf: (peerAddress: string) => string | undefined;
}

export class KernelRoutes {
  private readonly eor = new Map<Peer, Set<Family>>();
  private sweepTimer: TimerHandle | undefined;
  private swept = false;
  private sweepReason: string | undefined;
  /** The last compact slot's attribute set and peer, and their gateway set (for runs of routes sharing them). */
  private lastAttrs: PathAttributes | undefined;
  private lastPeer: PeerRef | undefined;
  private lastSet: GatewaySet | undefined;

  constructor(private readonly o: KernelRoutesOptions) {
    this.sweepTimer = o.clock.setTimeout(() => this.sweep('restart time passed'), o.sweepAfter * 1000);
  }

  /**
   * Best-path changes from the RIB: the slots of `family` whose best path or ECMP set changed, read now (the
   * RIB frees slots after the call). A slot with one path from a BGP peer, the common case, is read from the
   * RIB's columns (its attribute set and peer) and the FIB takes its prefix from the RIB's prefix table: no
   * path, key or route object is made, and runs of routes with one attribute set share one gateway set.
   */
  changed(family: Family, slots: readonly number[]): void {
    const { kernel, rib } = this.o;
    const table = rib.prefixes(family);
    // Gateways of a link-local next hop name an interface, which may have changed since the last hand-over.
    this.lastAttrs = undefined;
    for (let i = 0; i < slots.length; i++) kernel.wantAt(family, table, slots[i]!, this.targetAt(family, slots[i]!));
    kernel.flush();
  }

  /** Make the kernel want exactly what the Loc-RIB holds (after selection deferral). */
  reset(): void {
    const { kernel, rib } = this.o;
    this.lastAttrs = undefined;
    const keep = new Set<PrefixKey>();
    for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
      const table = rib.prefixes(family);
      for (const slot of rib.bestSlots(family)) {
        const set = this.targetAt(family, slot);
        if (!set) continue;
        keep.add(table.keyOf(slot));
        kernel.wantAt(family, table, slot, set);
      }
    }
    for (const key of [...kernel.wantedKeys()]) if (!keep.has(key)) kernel.remove(key);
    if (this.sweepReason) this.sweep(this.sweepReason);
  }

  /** The gateway set the route at a Loc-RIB slot should go through, or undefined for none. */
  private targetAt(family: Family, slot: number): GatewaySet | undefined {
    const { rib, kernel, config, zoneOf } = this.o;
    const entry = rib.storedEntry(family, slot);
    if (entry) {
      const target = routeTarget(entry.best, entry.multipath, config, zoneOf);
      return target && kernel.gatewaySetOf(target);
    }
    const attrs = rib.bestAttrs(family, slot);
    if (!attrs) return undefined;
    const peer = rib.bestPeer(family, slot);
    if (attrs !== this.lastAttrs || peer !== this.lastPeer) {
      const gw = nextHopGateway(attrs, peer, zoneOf);
      this.lastAttrs = attrs;
      this.lastPeer = peer;
      this.lastSet = gw === undefined ? undefined : kernel.gatewaySetOf({ kind: 'unicast', gateways: [gw] });
    }
    return this.lastSet;
  }

  endOfRib(peer: Peer, family: Family): void {
    if (this.swept) return;
    let got = this.eor.get(peer);
    if (!got) this.eor.set(peer, (got = new Set()));
    got.add(family);
    const all = this.o.peers().every((p) => {
      const families = p.negotiated?.families;
      if (p.state !== 'Established' || !families) return false;
      const have = this.eor.get(p);
      return [...families].every((f) => (f !== 'ipv4-unicast' && f !== 'ipv6-unicast') || have?.has(f));
    });
    if (all) this.sweep('End-of-RIB from every peer');
  }

  private sweep(why: string): void {
    if (this.swept) return;
    if (this.o.deferring()) {
      this.sweepReason = why; // reset() sweeps once deferral has handed the kernel the table
      return;
    }
    this.swept = true;
    if (this.sweepTimer) this.o.clock.clearTimeout(this.sweepTimer);
    this.o.logger.log('info', 'kernel.fib.startup-done', { why });
    // The RIB hands its last changes over on the next turn (setImmediate); sweep only after they are in.
    setImmediate(() => setImmediate(() => this.o.kernel.finishStartup()));
  }

  close(): void {
    if (this.sweepTimer) this.o.clock.clearTimeout(this.sweepTimer);
  }
}
