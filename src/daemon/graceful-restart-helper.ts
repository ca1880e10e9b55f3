/**
 * Graceful restart, receiving speaker (RFC 4724 §4.2): which families of a peer are kept stale, and the
 * timer that bounds them. The caller marks and sweeps the paths (RouteExchange); this decides when.
 *
 * - The session is lost without a NOTIFICATION: its families are kept stale and the restart timer (the
 *   Restart Time the peer advertised) starts.
 * - The restart timer fires: every stale route goes.
 * - The session is re-established: a family whose Forwarding State bit is clear in the new capability, that
 *   the capability leaves out, or that the new session does not carry, and every family when the capability
 *   is missing, loses its stale routes at once. The others wait for the peer's End-of-RIB.
 * - End-of-RIB for a family: its stale routes go (the caller sweeps).
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import type { Family } from '../common/prefix-key.js';
import type { PeerGracefulRestart } from '../bgp/negotiate.js';

export interface GracefulRestartHelperOptions<P> {
  readonly clock: Clock;
  /** Remove the peer's stale routes of these families now. */
  readonly sweep: (peer: P, families: readonly Family[], why: string) => void;
}

interface Kept {
  readonly families: Set<Family>;
  restart: TimerHandle | undefined;
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
    // Families still stale from an earlier loss stay stale; the timer counts again from this loss.
    const k: Kept = { families: new Set([...(old?.families ?? []), ...families]), restart: undefined };
    this.kept.set(peer, k);
    k.restart = this.o.clock.setTimeout(() => this.expire(peer, k, 'restart time passed'), restartTime * 1000);
  }

  /** The session is back with this capability (undefined: none) and these families. */
  reestablished(peer: P, gr: PeerGracefulRestart | undefined, families: readonly string[]): void {
    const k = this.kept.get(peer);
    if (!k) return;
    const lost = [...k.families].filter((f) => !families.includes(f) || !gr?.families.some((g) => g.family === f && g.forwarding));
    for (const f of lost) k.families.delete(f);
    if (lost.length) this.o.sweep(peer, lost, gr ? 'no forwarding state kept for the family' : 'no graceful restart capability');
  }

  /** The peer's End-of-RIB for a family (the caller sweeps that family's stale routes). */
  endOfRib(peer: P, family: Family): void {
    const k = this.kept.get(peer);
    k?.families.delete(family);
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

  private stopTimers(k: Kept | undefined): void {
    if (!k) return;
    if (k.restart) this.o.clock.clearTimeout(k.restart);
    k.restart = undefined;
  }
}
