/**
 * FIB sync: keeps the kernel's routes of tern's protocol equal to what the RIB wants.
 *
 * - `set`/`remove` record the wanted state per prefix; a flush turns the differences into one batch of
 *   netlink requests (never one round trip per route). A request the kernel refuses marks its route failed
 *   with the kernel's error, is retried with exponential backoff, and holds nothing else up.
 * - On start, the routes already tagged with tern's protocol (left by a previous ternd, e.g. after SIGTERM in
 *   graceful-restart mode or SIGKILL) are adopted and left exactly as they are until `finishStartup` says the
 *   RIB has converged (End-of-RIB from every peer or the restart timer: RFC 4724 §4.1 keeps the forwarding
 *   state meanwhile). Then one still wanted is kept, or replaced in place (never delete-then-add), and the
 *   others are deleted.
 * - Anti-entropy: a route deleted or changed behind tern's back is found by the periodic re-read and
 *   installed again.
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { errnoName, type RtnlSocket } from './netlink-socket.js';
import { parseRouteBody, routeDumpRequest, routeRequest, type NetlinkRequest, type ObservedRoute, type RouteOp } from './route-message.js';
import { routeKey, type FibTarget, type KernelNextHop, type KernelRoute } from './types.js';

export interface FibOptions {
  readonly target: FibTarget;
  /** First retry of a failed route after this long, doubling up to `retryMaxMs`. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** Re-read the kernel's routes this often to repair what was changed behind tern's back; 0 = never. */
  readonly antiEntropyMs: number;
}

export const DEFAULT_FIB_OPTIONS: Omit<FibOptions, 'target'> = { retryInitialMs: 1000, retryMaxMs: 60_000, antiEntropyMs: 30_000 };

export type FibRouteState =
  | { readonly state: 'installed'; readonly route: KernelRoute }
  | { readonly state: 'pending'; readonly route: KernelRoute }
  | { readonly state: 'failed'; readonly route: KernelRoute; readonly error: string; readonly attempts: number };

/** One refusal of one route; a retry timer acts only while this object is still the route's failure. */
interface Failure {
  readonly error: string;
  readonly attempts: number;
}

export interface FibStats {
  readonly wanted: number;
  readonly installed: number;
  readonly failed: number;
  readonly adopted: number;
}

/** The kernel fills in what tern left open (the output interface of a recursive gateway): compare what was asked. */
function nexthopSatisfies(have: KernelNextHop, want: KernelNextHop): boolean {
  return have.gateway === want.gateway && have.onlink === want.onlink && (want.ifindex === undefined || have.ifindex === want.ifindex);
}

export function routeSatisfies(have: KernelRoute, want: KernelRoute): boolean {
  if (have.type !== want.type || have.nexthops.length !== want.nexthops.length) return false;
  const left = [...have.nexthops];
  return want.nexthops.every((w) => {
    const i = left.findIndex((h) => nexthopSatisfies(h, w));
    if (i < 0) return false;
    left.splice(i, 1);
    return true;
  });
}

export class FibSync {
  private readonly desired = new Map<string, KernelRoute>();
  /** What the kernel holds of tern's, as far as tern knows. */
  private readonly installed = new Map<string, KernelRoute>();
  /** Found at start and not yet confirmed as wanted. */
  private readonly adopted = new Set<string>();
  private readonly failures = new Map<string, Failure>();
  private readonly retryTimers = new Set<TimerHandle>();
  private readonly dirty = new Set<string>();
  private readonly inFlight = new Set<string>();
  private startupDone = false;
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private antiEntropy: TimerHandle | undefined;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: FibOptions, private readonly deps: { socket: RtnlSocket; clock: Clock; logger: Logger }) {}

  get target(): FibTarget {
    return this.options.target;
  }

  private ours(o: ObservedRoute): boolean {
    const t = this.options.target;
    return o.protocol === t.protocol && o.table === t.table && o.metric === t.metric;
  }

  /** Reads the kernel's routes of tern's protocol and adopts them. Call once, before the first `set`. */
  async start(): Promise<number> {
    for (const o of await this.readOurs()) {
      const key = routeKey(o.route);
      this.installed.set(key, o.route);
      this.adopted.add(key);
    }
    if (this.adopted.size) this.deps.logger.log('info', 'kernel.fib.adopted', { routes: this.adopted.size });
    this.armAntiEntropy();
    return this.adopted.size;
  }

  private async readOurs(): Promise<ObservedRoute[]> {
    const out: ObservedRoute[] = [];
    for (const version of [4, 6] as const) {
      for (const m of await this.deps.socket.dump(routeDumpRequest(version))) {
        const o = parseRouteBody(m.body);
        if (o && this.ours(o)) out.push(o);
      }
    }
    return out;
  }

  set(route: KernelRoute): void {
    const key = routeKey(route);
    this.desired.set(key, route);
    this.touch(key);
  }

  remove(key: string): void {
    if (!this.desired.delete(key) && !this.installed.has(key)) return;
    this.touch(key);
  }

  wanted(key: string): KernelRoute | undefined {
    return this.desired.get(key);
  }

  wantedRoutes(): IterableIterator<KernelRoute> {
    return this.desired.values();
  }

  /** The RIB has converged after a start: adopted routes nobody wants any more go now. */
  finishStartup(): void {
    if (this.startupDone) return;
    this.startupDone = true;
    const stale = [...this.adopted].filter((k) => !this.desired.has(k));
    if (stale.length) this.deps.logger.log('info', 'kernel.fib.sweep', { routes: stale.length });
    for (const k of this.adopted) this.touch(k);
    this.adopted.clear();
  }

  status(key: string): FibRouteState | undefined {
    const want = this.desired.get(key);
    if (!want) return undefined;
    const f = this.failures.get(key);
    if (f) return { state: 'failed', route: want, error: f.error, attempts: f.attempts };
    const have = this.installed.get(key);
    return have && routeSatisfies(have, want) && !this.dirty.has(key) ? { state: 'installed', route: want } : { state: 'pending', route: want };
  }

  /** Every wanted route the kernel refused, with its error (for `bgpctl show kernel`). */
  failedRoutes(): { readonly key: string; readonly error: string; readonly attempts: number }[] {
    return [...this.failures].map(([key, f]) => ({ key, error: f.error, attempts: f.attempts }));
  }

  stats(): FibStats {
    return { wanted: this.desired.size, installed: this.installed.size, failed: this.failures.size, adopted: this.adopted.size };
  }

  /** Resolves once nothing is queued or in flight (tests, benchmarks, shutdown). */
  whenIdle(): Promise<void> {
    if (!this.flushing && !this.scheduled) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Re-read the kernel and repair differences (anti-entropy; also after lost notifications). */
  async resync(): Promise<void> {
    const seen = new Map<string, KernelRoute>();
    for (const o of await this.readOurs()) seen.set(routeKey(o.route), o.route);
    for (const [key, have] of this.installed) {
      if (this.inFlight.has(key)) continue;
      const now = seen.get(key);
      if (!now || !routeSatisfies(now, have)) {
        if (now) this.installed.set(key, now);
        else this.installed.delete(key);
        if (this.desired.has(key)) this.deps.logger.log('warn', 'kernel.fib.repair', { route: key, found: now ? 'changed' : 'missing' });
        this.touch(key);
      }
    }
    for (const [key, now] of seen) {
      if (!this.installed.has(key) && !this.inFlight.has(key)) {
        this.installed.set(key, now);
        if (this.startupDone || this.desired.has(key)) this.touch(key);
        else this.adopted.add(key);
      }
    }
  }

  private armAntiEntropy(): void {
    if (!this.options.antiEntropyMs || this.closed) return;
    this.antiEntropy = this.deps.clock.setTimeout(() => {
      this.resync()
        .catch((e: unknown) => this.deps.logger.log('warn', 'kernel.fib.resync-failed', { error: String(e) }))
        .finally(() => this.armAntiEntropy());
    }, this.options.antiEntropyMs);
  }

  private touch(key: string): void {
    this.dirty.add(key);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.flushing) this.flushing = this.flushLoop().finally(() => {
        this.flushing = undefined;
        if (this.dirty.size && !this.closed) this.schedule();
        else if (!this.scheduled) for (const w of this.idleWaiters.splice(0)) w();
      });
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.dirty.size && !this.closed) {
      const keys = [...this.dirty];
      this.dirty.clear();
      const ops: { key: string; op: RouteOp; route: KernelRoute }[] = [];
      for (const key of keys) {
        const op = this.plan(key);
        if (op) ops.push(op);
      }
      if (!ops.length) continue;
      for (const o of ops) this.inFlight.add(o.key);
      this.deps.logger.log('debug', 'kernel.fib.batch', {
        add: ops.filter((o) => o.op === 'add').length, replace: ops.filter((o) => o.op === 'replace').length, delete: ops.filter((o) => o.op === 'delete').length,
        ...(ops.length <= 8 ? { routes: ops.map((o) => `${o.op} ${o.key}`) } : {}),
      });
      const requests: NetlinkRequest[] = ops.map((o) => routeRequest(o.route, this.options.target, o.op));
      let result;
      try {
        result = await this.deps.socket.batch(requests);
      } catch (e) {
        result = { failures: new Map(ops.map((_, i) => [i, 0])), uncertain: true };
        this.deps.logger.log('error', 'kernel.fib.send-failed', { error: String(e), routes: ops.length });
      }
      for (const o of ops) this.inFlight.delete(o.key);
      const failed: { key: string; op: RouteOp; failure: Failure }[] = [];
      ops.forEach((o, i) => {
        const failure = this.settle(o.key, o.op, o.route, result.failures.get(i));
        if (failure) failed.push({ key: o.key, op: o.op, failure });
      });
      this.afterBatch(failed);
      if (result.uncertain) {
        this.deps.logger.log('warn', 'kernel.fib.uncertain', { why: 'netlink answers lost; re-reading the kernel' });
        await this.resync().catch(() => undefined);
      }
    }
  }

  private plan(key: string): { key: string; op: RouteOp; route: KernelRoute } | undefined {
    const want = this.desired.get(key);
    const have = this.installed.get(key);
    if (want) {
      if (!have) return { key, op: 'add', route: want };
      if (!routeSatisfies(have, want)) {
        // The forwarding state from before the restart stays until the RIB has converged (RFC 4724 §4.1):
        // a half-learned table (one ECMP member back, the other not yet) must not replace a complete route.
        if (this.adopted.has(key) && !this.startupDone) return undefined;
        return { key, op: 'replace', route: want };
      }
      this.adopted.delete(key);
      this.clearFailure(key);
      return undefined;
    }
    this.clearFailure(key);
    if (!have) return undefined;
    if (this.adopted.has(key) && !this.startupDone) return undefined; // kept through the restart window
    return { key, op: 'delete', route: have };
  }

  /** Book one answer; returns the failure to report and retry, if it failed. */
  private settle(key: string, op: RouteOp, route: KernelRoute, errno: number | undefined): Failure | undefined {
    // A route already gone is what a delete wanted (ESRCH for IPv4, ENOENT for IPv6).
    if (errno === undefined || (op === 'delete' && (errno === 3 || errno === 2))) {
      if (op === 'delete') this.installed.delete(key);
      else this.installed.set(key, route);
      this.adopted.delete(key);
      if (op !== 'delete') this.clearFailure(key);
      return undefined;
    }
    const error = errno === 17 && op === 'add' ? 'EEXIST: a route of another protocol with the same prefix, table and metric is in the way'
      : errno === 1 ? 'EPERM: ternd needs CAP_NET_ADMIN to change routes'
        : errno === 0 ? 'netlink send failed' : errnoName(errno);
    const prev = this.failures.get(key);
    const failure: Failure = { error, attempts: (prev?.attempts ?? 0) + 1 };
    this.failures.set(key, failure);
    return failure;
  }

  /**
   * Report a batch's failures once per error (not once per route: a missing permission fails them all) and
   * retry each with exponential backoff, one timer per delay rather than per route.
   */
  private afterBatch(failed: readonly { key: string; op: RouteOp; failure: Failure }[]): void {
    if (!failed.length) return;
    const byError = new Map<string, string[]>();
    const byDelay = new Map<number, { key: string; failure: Failure }[]>();
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
      this.deps.logger.log('warn', 'kernel.fib.failed', { error, routes: firsts, sample: keys.slice(0, 5), retryInMs: this.options.retryInitialMs });
    }
    for (const [delay, group] of byDelay) {
      const timer = this.deps.clock.setTimeout(() => {
        this.retryTimers.delete(timer);
        for (const { key, failure } of group) if (this.failures.get(key) === failure) this.touch(key);
      }, delay);
      this.retryTimers.add(timer);
    }
  }

  private clearFailure(key: string): void {
    this.failures.delete(key);
  }

  /** Stop timers; the kernel routes stay (a restart must not lose traffic). */
  close(): void {
    this.closed = true;
    if (this.antiEntropy) this.deps.clock.clearTimeout(this.antiEntropy);
    for (const t of this.retryTimers) this.deps.clock.clearTimeout(t);
    this.retryTimers.clear();
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
