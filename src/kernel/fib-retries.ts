/**
 * What the FIB does with routes the kernel refused: the refusal in words an operator can act on, one report
 * per error and batch (not one per route: a missing permission fails them all), and a retry of each with
 * exponential backoff, one timer per delay rather than per route.
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { formatPrefixKey, type PrefixKey } from '../common/prefix-key.js';
import { errnoName } from './netlink-socket.js';
import type { RouteOp } from './route-message.js';

/** One refusal of one route; a retry timer acts only while this object is still the route's failure. */
export interface Failure {
  readonly error: string;
  readonly attempts: number;
}

/** The kernel's errno for a route request, as shown by `bgpctl show kernel` (0: the request was never sent). */
export function refusal(errno: number, op: RouteOp): string {
  if (errno === 17 && op === 'add') return 'EEXIST: a route of another protocol with the same prefix, table and metric is in the way';
  if (errno === 1) return 'EPERM: ternd needs CAP_NET_ADMIN to change routes';
  return errno === 0 ? 'netlink send failed' : errnoName(errno);
}

export class FibRetries {
  private readonly timers = new Set<TimerHandle>();

  constructor(
    private readonly options: { readonly retryInitialMs: number; readonly retryMaxMs: number },
    private readonly deps: { clock: Clock; logger: Logger },
    /** Called when a route's retry is due, with the failure it was scheduled for. */
    private readonly due: (key: PrefixKey, failure: Failure) => void,
  ) {}

  /** Reports a batch's new failures and schedules every failed route's retry. */
  report(failed: readonly { key: PrefixKey; failure: Failure }[]): void {
    if (!failed.length) return;
    const byError = new Map<string, PrefixKey[]>();
    const byDelay = new Map<number, { key: PrefixKey; failure: Failure }[]>();
    for (const f of failed) {
      if (f.failure.attempts === 1 || !byError.has(f.failure.error)) {
        const keys = byError.get(f.failure.error) ?? [];
        keys.push(f.key);
        byError.set(f.failure.error, keys);
      }
      const delay = Math.min(this.options.retryMaxMs, this.options.retryInitialMs * 2 ** (f.failure.attempts - 1));
      const group = byDelay.get(delay) ?? [];
      group.push(f);
      byDelay.set(delay, group);
    }
    for (const [error, keys] of byError) {
      const firsts = failed.filter((f) => f.failure.error === error && f.failure.attempts === 1).length;
      if (firsts === 0) continue; // already reported; the retries fail the same way
      this.deps.logger.log('warn', 'kernel.fib.failed', { error, routes: firsts, sample: keys.slice(0, 5).map(formatPrefixKey), retryInMs: this.options.retryInitialMs });
    }
    for (const [delay, group] of byDelay) {
      const timer = this.deps.clock.setTimeout(() => {
        this.timers.delete(timer);
        for (const { key, failure } of group) this.due(key, failure);
      }, delay);
      this.timers.add(timer);
    }
  }

  close(): void {
    for (const t of this.timers) this.deps.clock.clearTimeout(t);
    this.timers.clear();
  }
}
