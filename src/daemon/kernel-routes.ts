/**
 * Loc-RIB → kernel: which best paths become kernel routes, and when tern's routes left by a previous run may
 * be swept. BGP paths become routes through their next hops (the ECMP set when multipath is on); blocks this
 * node owns (static routes without a next hop, IPAM blocks) become blackholes; connected routes stay the
 * kernel's own.
 *
 * Sweep timing (RFC 4724 §4.1 for the forwarding state of a restarting speaker): adopted routes from before
 * the start go once every configured peer has sent End-of-RIB for each of its families, or the restart time
 * has passed, whichever is first. With selection deferral the kernel sees nothing until deferral ends.
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { Peer } from '../bgp/peer.js';
import type { KernelConfig } from '../config/schema.js';
import type { KernelSync, WantedRoute } from '../kernel/kernel-sync.js';
import type { LocRib, RibChange } from '../rib/loc-rib.js';
import type { Family, PrefixKey } from '../common/prefix-key.js';
import type { Path } from '../rib/types.js';

const OWNED_NEXT_HOPS = new Set(['0.0.0.0', '::']);

/** fe80::/10. Runs once per route: the regular expression only for what starts with an "f". */
function isLinkLocal(address: string): boolean {
  const c = address.charCodeAt(0) | 0x20;
  return c === 0x66 && /^fe[89ab][0-9a-f]:/i.test(address);
}

/**
 * The kernel gateway of one path. A link-local next hop (RFC 2545: a peer on a shared link may send only its
 * link-local address, or `::` and the link-local one) means nothing without its interface: it becomes
 * `fe80::x%IFNAME`, the interface being the one the session runs over (`zoneOf` the peer's address).
 */
export function pathGateway(p: Path, zoneOf: (peerAddress: string) => string | undefined): string | undefined {
  const gw = p.attrs.nextHop;
  if (OWNED_NEXT_HOPS.has(gw) && !p.attrs.nextHopLinkLocal) return undefined;
  if (!isLinkLocal(gw) && gw !== '::') return gw;
  const ll = isLinkLocal(gw) ? gw : p.attrs.nextHopLinkLocal!;
  const zone = p.peer ? zoneOf(p.peer.address) : undefined;
  return zone ? `${ll}%${zone}` : undefined;
}

const NO_GATEWAYS: readonly string[] = [];

export function wantedRoute(
  prefix: PrefixKey, best: Path | undefined, multipath: readonly Path[], config: KernelConfig,
  zoneOf: (peerAddress: string) => string | undefined = () => undefined,
): WantedRoute | undefined {
  if (!best || best.source === 'connected') return undefined;
  const key = prefix;
  if (best.source !== 'bgp' && OWNED_NEXT_HOPS.has(best.attrs.nextHop)) {
    return config.blackholeOwned ? { key, kind: 'blackhole', gateways: NO_GATEWAYS } : undefined;
  }
  if (multipath.length <= 1) {
    // The common case, one path: no set, no array copies.
    const gw = pathGateway(multipath[0] ?? best, zoneOf);
    return gw === undefined ? undefined : { key, kind: 'unicast', gateways: [gw] };
  }
  const gateways = [...new Set(multipath.map((p) => pathGateway(p, zoneOf)))].filter((g): g is string => g !== undefined);
  if (!gateways.length) return undefined;
  return { key, kind: 'unicast', gateways };
}

export interface KernelRoutesOptions {
  readonly rib: LocRib;
  readonly kernel: KernelSync;
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

  constructor(private readonly o: KernelRoutesOptions) {
    this.sweepTimer = o.clock.setTimeout(() => this.sweep('restart time passed'), o.sweepAfter * 1000);
  }

  /** Best-path changes from the RIB. */
  changed(changes: readonly RibChange[]): void {
    const { kernel, config, zoneOf } = this.o;
    for (const c of changes) {
      const w = wantedRoute(c.prefix, c.best, c.multipath, config, zoneOf);
      if (w) kernel.set(w);
      else kernel.remove(c.prefix);
    }
    kernel.flush();
  }

  /** Make the kernel want exactly what the Loc-RIB holds (after selection deferral). */
  reset(): void {
    const keep = new Set<PrefixKey>();
    for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
      for (const e of this.o.rib.entries(family)) {
        const w = wantedRoute(e.prefix, e.best, e.multipath, this.o.config, this.o.zoneOf);
        if (!w) continue;
        keep.add(w.key);
        this.o.kernel.set(w);
      }
    }
    for (const key of [...this.o.kernel.wantedKeys()]) if (!keep.has(key)) this.o.kernel.remove(key);
    if (this.sweepReason) this.sweep(this.sweepReason);
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
