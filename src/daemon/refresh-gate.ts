/**
 * Which of a peer's BoRR and EoRR messages (enhanced route refresh, RFC 7313 §4) are acted upon, per session
 * and family. RouteExchange marks and sweeps; this decides whether.
 *
 * - A peer that sent the Graceful Restart capability has its BoRRs for a family ignored until it has sent
 *   End-of-RIB for that family on the session (RFC 7313 §4, "MUST ignore", and log it). Until then graceful
 *   restart (RFC 4724 §4.2) decides what is stale and when it goes: acting on the BoRR would mark stale again
 *   what the restarted peer has already sent anew, and its EoRR would sweep it together with the stale routes
 *   that only End-of-RIB (or the stale-routes time) may remove.
 * - An EoRR ends only a refresh whose BoRR was acted upon; one without is ignored (RFC 7313 §4 allows it).
 *   That is what keeps the EoRR after an ignored BoRR from sweeping.
 */
import type { Family } from '../common/prefix-key.js';

interface SessionRefresh {
  /** The peer sent the Graceful Restart capability in this session's OPEN. */
  readonly gracefulRestart: boolean;
  /** Families the peer has sent End-of-RIB for on this session. */
  readonly endOfRib: Set<Family>;
  /** Families with a BoRR acted upon and no EoRR yet. */
  readonly refreshing: Set<Family>;
}

export class RefreshGate<P> {
  private readonly sessions = new Map<P, SessionRefresh>();

  /** A session came up; `gracefulRestart`: the peer's OPEN carried the capability. */
  established(peer: P, gracefulRestart: boolean): void {
    this.sessions.set(peer, { gracefulRestart, endOfRib: new Set(), refreshing: new Set() });
  }

  /** The peer's End-of-RIB for a family. */
  endOfRib(peer: P, family: Family): void {
    this.sessions.get(peer)?.endOfRib.add(family);
  }

  /** A BoRR: undefined when it is to be acted upon (its routes marked stale), else why it is ignored. */
  borr(peer: P, family: Family): string | undefined {
    const s = this.sessions.get(peer);
    if (!s) return 'no session';
    if (s.gracefulRestart && !s.endOfRib.has(family)) return 'BoRR before End-of-RIB from a graceful restart peer (RFC 7313 §4)';
    s.refreshing.add(family);
    return undefined;
  }

  /** An EoRR: undefined when it is to be acted upon (what is still stale swept), else why it is ignored. */
  eorr(peer: P, family: Family): string | undefined {
    if (this.sessions.get(peer)?.refreshing.delete(family)) return undefined;
    return 'EoRR without a BoRR acted upon (RFC 7313 §4)';
  }

  /** The session ended. */
  down(peer: P): void {
    this.sessions.delete(peer);
  }
}
