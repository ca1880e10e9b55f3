/**
 * Graceful restart, receiving speaker (RFC 4724 §4.2): which families of a peer are kept stale, and the two
 * timers that bound them. The caller marks and sweeps the paths (RouteExchange); this decides when.
 *
 * - The session is lost without a NOTIFICATION: its families are kept stale. The restart timer (the Restart
 *   Time the peer advertised) and the stale-routes timer (our `gracefulRestart.staleRoutesTime`) start.
 * - The restart timer fires: the session did not come back in time, every stale route goes.
 * - The session is re-established: the restart timer stops ("if the session does not get re-established
 *   within the Restart Time"). A family whose Forwarding State bit is clear in the new capability, that the
 *   capability leaves out, or that the new session does not carry, and every family when the capability is
 *   missing, loses its stale routes at once. The others wait for the peer's End-of-RIB.
 * - End-of-RIB for a family: its stale routes go (the caller sweeps); after the last one the stale-routes
 *   timer stops.
 * - The stale-routes timer fires: whatever is still stale goes. §4.2 allows this upper bound on how long
 *   stale routes are kept; it counts from the loss, as FRR's `bgp graceful-restart stalepath-time` (default
 *   360 s) does, so a peer that comes back quickly but never sends End-of-RIB cannot keep them for ever.
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import type { Family } from '../common/prefix-key.js';
import type { PeerGracefulRestart } from '../bgp/negotiate.js';

export interface GracefulRestartHelperOptions<P> {
  readonly clock: Clock;
  /** Upper bound on keeping stale routes, seconds from the loss; none: until End-of-RIB (as BIRD). */
  readonly staleRoutesTime?: number;
  /** Remove the peer's stale routes of these families now. */
  readonly sweep: (peer: P, families: readonly Family[], why: string) => void;
}

interface Kept {
  readonly families: Set<Family>;
  restart: TimerHandle | undefined;
  stale: TimerHandle | undefined;
}

export class GracefulRestartHelper<P> {
  private readonly kept = new Map<P, Kept>();

  constructor(private readonly o: GracefulRestartHelperOptions<P>) {}

  /** The families of `peer` whose routes are stale now (for displays and tests). */
  staleFamilies(peer: P): readonly Family[] {
    return [...(this.kept.get(peer)?.families ?? [])];
  }

  /** The session was lost without a NOTIFICATION; the caller marked the paths of `families` stale. */
  sessionLost(peer: P, families: readonly Family[], restartTime: number): void {
    const old = this.kept.get(peer);
    this.stopTimers(old);
    // Families still stale from an earlier loss stay stale; both timers count again from this loss.
    const k: Kept = { families: new Set([...(old?.families ?? []), ...families]), restart: undefined, stale: undefined };
    this.kept.set(peer, k);
    const clock = this.o.clock;
    k.restart = clock.setTimeout(() => this.expire(peer, k, 'restart time passed without a new session'), restartTime * 1000);
    if (this.o.staleRoutesTime !== undefined) {
      k.stale = clock.setTimeout(() => this.expire(peer, k, 'stale routes time passed'), this.o.staleRoutesTime * 1000);
    }
  }

  /** The session is back with this capability (undefined: none) and these families. */
  reestablished(peer: P, gr: PeerGracefulRestart | undefined, families: readonly string[]): void {
    const k = this.kept.get(peer);
    if (!k) return;
    if (k.restart) this.o.clock.clearTimeout(k.restart);
    k.restart = undefined;
    const lost = [...k.families].filter((f) => !families.includes(f) || !gr?.families.some((g) => g.family === f && g.forwarding));
    for (const f of lost) k.families.delete(f);
    this.settle(peer, k);
    if (lost.length) this.o.sweep(peer, lost, gr ? 'no forwarding state kept for the family' : 'no graceful restart capability');
  }

  /** The peer's End-of-RIB for a family (the caller sweeps that family's stale routes). */
  endOfRib(peer: P, family: Family): void {
    const k = this.kept.get(peer);
    if (!k || !k.families.delete(family)) return;
    this.settle(peer, k);
  }

  /** The session ended for good (a NOTIFICATION, no graceful restart): the caller drops every route. */
  forget(peer: P): void {
    this.stopTimers(this.kept.get(peer));
    this.kept.delete(peer);
  }

  /** Stop everything (shutdown). */
  close(): void {
    for (const k of this.kept.values()) this.stopTimers(k);
    this.kept.clear();
  }

  private expire(peer: P, k: Kept, why: string): void {
    if (this.kept.get(peer) !== k) return;
    this.stopTimers(k);
    this.kept.delete(peer);
    if (k.families.size) this.o.sweep(peer, [...k.families], why);
  }

  /** Nothing left stale: the stale-routes timer has nothing to bound. */
  private settle(peer: P, k: Kept): void {
    if (k.families.size > 0 || k.restart) return;
    this.stopTimers(k);
    this.kept.delete(peer);
  }

  private stopTimers(k: Kept | undefined): void {
    if (!k) return;
    if (k.restart) this.o.clock.clearTimeout(k.restart);
    if (k.stale) this.o.clock.clearTimeout(k.stale);
    k.restart = undefined;
    k.stale = undefined;
  }
}
