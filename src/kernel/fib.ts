/**
 * FIB sync: keeps the kernel's routes of tern's protocol in one address family equal to what the RIB wants.
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
 *
 * Per route the FIB keeps no object: a route is a slot in a prefix table (common/prefix-table.ts, the RIB's
 * kind) and its state is a column entry (what is wanted, what is installed, flags), the forwardings being the
 * shared objects KernelSync hands in.
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { NetlinkBatch } from './netlink-batch.js';
import { FibRetries, refusal, type Failure } from './fib-retries.js';
import type { BatchResult, RtnlSocket } from './netlink-socket.js';
import { parseRouteBody, routeDumpRequest, RouteEncoder, type ObservedRoute, type RouteOp } from './route-message.js';
import { formatPrefixKey, prefixAddressText, prefixLength, type Family, type PrefixKey } from '../common/prefix-key.js';
import { PrefixTable } from '../common/prefix-table.js';
import type { FibTarget, Forwarding, IpVersion, KernelNextHop, KernelRoute } from './types.js';

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


export interface FibStats {
  readonly wanted: number;
  readonly installed: number;
  readonly failed: number;
  readonly adopted: number;
}

/** Per-slot flags. */
const LIVE = 1;
/** Queued for the next plan. */
const DIRTY = 2;
/** In a batch the kernel has not answered yet. */
const FLYING = 4;
/** Found at start and not yet confirmed as wanted. */
const ADOPTED = 8;

/** One batch on its way to the kernel: parallel arrays, one entry per request. */
interface Flight {
  readonly slots: Int32Array;
  /** How many of `slots` (and the arrays beside it) are used. */
  count: number;
  /** Index into OPS. */
  readonly ops: Uint8Array;
  /** What each request asked for (the route's wish may change while the kernel works). */
  readonly forwardings: Forwarding[];
  readonly batch: NetlinkBatch;
  /** Requests per operation, for the log. */
  readonly counts: [number, number, number];
}

const OPS: readonly RouteOp[] = ['add', 'replace', 'delete'];
/**
 * A batch holds at most FLIGHT_ROUTES requests, and up to MAX_FLIGHTS are out at once: the netlink thread
 * starts on the first 16k routes of a 100k hand-over after ~5 ms of encoding instead of ~40, and always has
 * the next batch queued while the main thread is busy with the RIB.
 */
const FLIGHT_ROUTES = 16_384;
const MAX_FLIGHTS = 8;
const ADD = 0;
const REPLACE = 1;
const DELETE = 2;

/** The kernel fills in what tern left open (the output interface of a recursive gateway): compare what was asked. */
function nexthopSatisfies(have: KernelNextHop, want: KernelNextHop): boolean {
  return have.gateway === want.gateway && have.onlink === want.onlink && (want.ifindex === undefined || have.ifindex === want.ifindex);
}

export function routeSatisfies(have: Forwarding, want: Forwarding): boolean {
  if (have === want) return true;
  if (have.type !== want.type || have.nexthops.length !== want.nexthops.length) return false;
  const left = [...have.nexthops];
  return want.nexthops.every((w) => {
    const i = left.findIndex((h) => nexthopSatisfies(h, w));
    if (i < 0) return false;
    left.splice(i, 1);
    return true;
  });
}

/**
 * `T` is the note the owner (KernelSync) keeps per route: `entry(key)` gives the route's slot, `note` and
 * `setNote` its note; a route with a note stays known to the FIB even while it wants nothing.
 */
export class FibSync<T = never> {
  /** The routes' destinations: a route is its slot here. */
  readonly prefixes: PrefixTable;
  private readonly version: IpVersion;
  // Columns, by slot.
  private flags: Uint8Array;
  private readonly desired: (Forwarding | undefined)[] = [];
  /** What the kernel holds of tern's, as far as tern knows. */
  private readonly installed: (Forwarding | undefined)[] = [];
  private readonly notes: (T | undefined)[] = [];
  private wantedCount = 0;
  private installedCount = 0;
  private adoptedCount = 0;
  private readonly failures = new Map<PrefixKey, Failure>();
  private readonly retries: FibRetries;
  private dirty: number[] = [];
  private resyncWanted = false;
  private readonly encoder: RouteEncoder;
  private startupDone = false;
  /** Batches with the kernel, and routes that waited for theirs to land before their next request. */
  private flights = 0;
  private readonly deferred: number[] = [];
  private rereading = false;
  private scheduled = false;
  private antiEntropy: TimerHandle | undefined;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(readonly family: Family, private readonly options: FibOptions, private readonly deps: { socket: RtnlSocket; clock: Clock; logger: Logger }) {
    this.version = family === 'ipv4-unicast' ? 4 : 6;
    this.prefixes = new PrefixTable(this.version === 4 ? 1 : 4);
    this.flags = new Uint8Array(this.prefixes.capacity);
    this.prefixes.onGrow = (capacity) => {
      const bigger = new Uint8Array(capacity);
      bigger.set(this.flags);
      this.flags = bigger;
    };
    this.encoder = new RouteEncoder(options.target);
    this.retries = new FibRetries(options, deps, (key, failure) => {
      const slot = this.prefixes.findKey(key);
      if (slot >= 0 && this.failures.get(key) === failure) this.touch(slot);
    });
  }

  get target(): FibTarget {
    return this.options.target;
  }

  private ours(o: ObservedRoute): boolean {
    const t = this.options.target;
    return o.protocol === t.protocol && o.table === t.table && o.metric === t.metric;
  }

  /** Reads the kernel's routes of tern's protocol in this family and adopts them; returns their number. Call once, before the first `set`. */
  async start(): Promise<number> {
    for (const [key, route] of await this.readOurs()) {
      const slot = this.entry(key);
      this.setInstalled(slot, route);
      this.flags[slot]! |= ADOPTED;
      this.adoptedCount++;
    }
    this.armAntiEntropy();
    return this.adoptedCount;
  }

  private async readOurs(): Promise<Map<PrefixKey, KernelRoute>> {
    const out = new Map<PrefixKey, KernelRoute>();
    for (const m of await this.deps.socket.dump(routeDumpRequest(this.version))) {
      const o = parseRouteBody(m.body);
      if (o && o.route.version === this.version && this.ours(o)) out.set(o.key, o.route);
    }
    return out;
  }

  /** The slot of `key` (a key of this family), made if there is none. */
  entry(key: PrefixKey): number {
    return this.live(this.prefixes.addKey(key));
  }

  /** The slot of the prefix at `slot` of `table` (the RIB's table of this family), made if there is none. */
  entryFrom(table: PrefixTable, slot: number): number {
    return this.live(this.prefixes.addFrom(table, slot));
  }

  /** A slot just handed out by the prefix table starts empty. */
  private live(slot: number): number {
    if (this.flags[slot]! & LIVE) return slot;
    this.flags[slot] = LIVE;
    this.desired[slot] = undefined;
    this.installed[slot] = undefined;
    this.notes[slot] = undefined;
    return slot;
  }

  /** The slot of `key`, or -1. */
  find(key: PrefixKey): number {
    return this.prefixes.findKey(key);
  }

  /** The slot of the prefix at `slot` of `table`, or -1. */
  findFrom(table: PrefixTable, slot: number): number {
    return this.prefixes.findFrom(table, slot);
  }

  keyOf(slot: number): PrefixKey {
    return this.prefixes.keyOf(slot);
  }

  note(slot: number): T | undefined {
    return this.notes[slot];
  }

  /** Sets the owner's note; clearing it does not forget the route (`want` does, once it wants nothing). */
  setNote(slot: number, note: T | undefined): void {
    this.notes[slot] = note;
  }

  /** Every slot with a note (live: add no routes while iterating). */
  *noted(): Generator<number> {
    for (let slot = 0; slot < this.prefixes.highWater; slot++) if (this.notes[slot] !== undefined && this.flags[slot]! & LIVE) yield slot;
  }

  /**
   * What the route in `slot` should forward as, or undefined for nothing. Pass the same object for every route
   * through the same next hops (KernelSync does): an unchanged route then costs nothing.
   */
  want(slot: number, forwarding: Forwarding | undefined): void {
    const before = this.desired[slot];
    if (before === forwarding) {
      if (!forwarding) this.forgetIfEmpty(slot);
      return;
    }
    if (!before !== !forwarding) this.wantedCount += forwarding ? 1 : -1;
    this.desired[slot] = forwarding;
    // A route whose add is still with the kernel may be there when it answers: it needs a look then.
    if (forwarding || this.installed[slot] || this.flags[slot]! & FLYING) this.touch(slot);
    else this.forgetIfEmpty(slot);
  }

  private setInstalled(slot: number, forwarding: Forwarding | undefined): void {
    if (!this.installed[slot] !== !forwarding) this.installedCount += forwarding ? 1 : -1;
    this.installed[slot] = forwarding;
  }

  private unadopt(slot: number): void {
    if (!(this.flags[slot]! & ADOPTED)) return;
    this.flags[slot]! &= ~ADOPTED;
    this.adoptedCount--;
  }

  /** A route that wants nothing, holds nothing, waits for nothing and has no note gives its slot back. */
  private forgetIfEmpty(slot: number): void {
    if (this.desired[slot] || this.installed[slot] || this.flags[slot] !== LIVE || this.notes[slot] !== undefined) return;
    this.flags[slot] = 0;
    this.prefixes.remove(slot);
  }

  /** The route `key` should forward as `forwarding` (`want` by key). */
  set(key: PrefixKey, forwarding: Forwarding): void {
    this.want(this.entry(key), forwarding);
  }

  remove(key: PrefixKey): void {
    const slot = this.prefixes.findKey(key);
    if (slot >= 0) this.want(slot, undefined);
  }

  *wantedKeys(): Generator<PrefixKey> {
    for (let slot = 0; slot < this.prefixes.highWater; slot++) if (this.desired[slot] && this.flags[slot]! & LIVE) yield this.prefixes.keyOf(slot);
  }

  /** The RIB has converged after a start: adopted routes nobody wants any more go now. */
  finishStartup(): void {
    if (this.startupDone) return;
    this.startupDone = true;
    let stale = 0;
    for (let slot = 0; slot < this.prefixes.highWater; slot++) {
      if (!(this.flags[slot]! & ADOPTED)) continue;
      if (!this.desired[slot]) stale++;
      this.touch(slot);
    }
    if (stale) this.deps.logger.log('info', 'kernel.fib.sweep', { family: this.family, routes: stale });
  }

  status(key: PrefixKey): FibRouteState | undefined {
    const slot = this.prefixes.findKey(key);
    const want = slot < 0 ? undefined : this.desired[slot];
    if (!want) return undefined;
    const route: KernelRoute = { version: this.version, dst: prefixAddressText(key), dstLen: prefixLength(key), type: want.type, nexthops: want.nexthops };
    const f = this.failures.get(key);
    if (f) return { state: 'failed', route, error: f.error, attempts: f.attempts };
    const have = this.installed[slot];
    return have && routeSatisfies(have, want) && !(this.flags[slot]! & DIRTY) ? { state: 'installed', route } : { state: 'pending', route };
  }

  /** Every wanted route the kernel refused, with its error (for `bgpctl show kernel`). */
  failedRoutes(): { readonly key: PrefixKey; readonly error: string; readonly attempts: number }[] {
    return [...this.failures].map(([key, f]) => ({ key, error: f.error, attempts: f.attempts }));
  }

  stats(): FibStats {
    return { wanted: this.wantedCount, installed: this.installedCount, failed: this.failures.size, adopted: this.adoptedCount };
  }

  /**
   * Start on what is queued now instead of on the next turn of the event loop. The RIB hands its changes over
   * once per turn, after a turn's worth of UPDATEs; waiting one more turn would let the next turn's RIB work
   * run first while the netlink thread idles.
   */
  flush(): void {
    if (this.dirty.length) this.pump();
  }

  /** Resolves once nothing is queued or in flight (tests, benchmarks, shutdown). */
  whenIdle(): Promise<void> {
    return new Promise((r) => {
      this.idleWaiters.push(r);
      this.checkIdle();
    });
  }

  /**
   * Re-read the kernel and repair differences (anti-entropy; also after lost answers, or when the kernel may
   * have dropped routes itself: a link went down). Runs between batches, never beside one, so what it reads
   * and what the batches book cannot cross.
   */
  resync(): Promise<void> {
    this.resyncWanted = true;
    this.schedule();
    return this.whenIdle();
  }

  private async reread(): Promise<void> {
    let seen: Map<PrefixKey, KernelRoute>;
    try {
      seen = await this.readOurs();
    } catch (e) {
      this.deps.logger.log('warn', 'kernel.fib.resync-failed', { error: String(e) });
      return;
    }
    for (let slot = 0; slot < this.prefixes.highWater; slot++) {
      const have = this.installed[slot];
      if (!have || !(this.flags[slot]! & LIVE)) continue;
      const key = this.prefixes.keyOf(slot);
      const now = seen.get(key);
      if (now && routeSatisfies(now, have)) continue;
      this.setInstalled(slot, now);
      if (this.desired[slot]) this.deps.logger.log('warn', 'kernel.fib.repair', { route: formatPrefixKey(key), found: now ? 'changed' : 'missing' });
      this.touch(slot);
    }
    for (const [key, now] of seen) {
      const slot = this.entry(key);
      if (this.installed[slot]) continue;
      this.setInstalled(slot, now);
      if (this.startupDone || this.desired[slot]) this.touch(slot);
      else if (!(this.flags[slot]! & ADOPTED)) {
        this.flags[slot]! |= ADOPTED;
        this.adoptedCount++;
      }
    }
  }

  private armAntiEntropy(): void {
    if (!this.options.antiEntropyMs || this.closed) return;
    this.antiEntropy = this.deps.clock.setTimeout(() => void this.resync().finally(() => this.armAntiEntropy()), this.options.antiEntropyMs);
  }

  private touch(slot: number): void {
    if (!(this.flags[slot]! & DIRTY)) {
      this.flags[slot]! |= DIRTY;
      this.dirty.push(slot);
    }
    if (!this.scheduled) this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /**
   * Starts batches while there is work and fewer than MAX_FLIGHTS are with the kernel: the next batch is
   * planned and encoded while the kernel (in the netlink thread) works on the one before, so the last routes
   * of a burst do not wait for a batch made of everything that piled up meanwhile. A route is in one batch at
   * a time (one in flight waits in `deferred`), so each request is planned against what the kernel holds. A
   * re-read waits until no batch is out.
   */
  private pump(): void {
    while (!this.closed && !this.rereading) {
      if (this.resyncWanted) {
        if (this.flights > 0) return; // the last batch to land calls pump again
        this.resyncWanted = false;
        this.rereading = true;
        void this.reread().finally(() => {
          this.rereading = false;
          this.pump();
        });
        return;
      }
      if (!this.dirty.length || this.flights >= MAX_FLIGHTS) break;
      const flight = this.plan();
      if (!flight.count) continue;
      this.flights++;
      void this.fly(flight).finally(() => {
        this.flights--;
        for (const slot of this.deferred.splice(0)) this.dirty.push(slot);
        this.pump();
      });
    }
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.closed || (!this.flights && !this.rereading && !this.scheduled && !this.resyncWanted && !this.dirty.length && !this.deferred.length)) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async fly(flight: Flight): Promise<void> {
    this.deps.logger.log('debug', 'kernel.fib.batch', {
      add: flight.counts[ADD], replace: flight.counts[REPLACE], delete: flight.counts[DELETE],
      ...(flight.count <= 8 ? { routes: [...flight.slots.subarray(0, flight.count)].map((slot, i) => `${OPS[flight.ops[i]!]!} ${formatPrefixKey(this.prefixes.keyOf(slot))}`) } : {}),
    });
    let result: BatchResult;
    try {
      result = await this.deps.socket.batch(flight.batch);
    } catch (e) {
      result = { failures: new Map(Array.from({ length: flight.count }, (_, i) => [i, 0])), uncertain: true };
      this.deps.logger.log('error', 'kernel.fib.send-failed', { error: String(e), routes: flight.count });
    }
    this.settle(flight, result);
    if (result.uncertain) {
      this.deps.logger.log('warn', 'kernel.fib.uncertain', { why: 'netlink answers lost; re-reading the kernel' });
      this.resyncWanted = true;
    }
  }

  /** The requests that bring the kernel to what is wanted for every dirty route, written into one batch. */
  private plan(): Flight {
    const dirty = this.dirty;
    this.dirty = [];
    const size = Math.min(dirty.length, FLIGHT_ROUTES);
    const flight: Flight = {
      slots: new Int32Array(size), count: 0, ops: new Uint8Array(size), forwardings: [], batch: new NetlinkBatch(size * 80), counts: [0, 0, 0],
    };
    const { slots, ops, forwardings, batch, counts } = flight;
    const { flags, desired, installed } = this;
    for (let d = 0; d < dirty.length; d++) {
      if (flight.count === FLIGHT_ROUTES) {
        for (; d < dirty.length; d++) this.dirty.push(dirty[d]!); // for the next batch
        break;
      }
      const slot = dirty[d]!;
      const f = flags[slot]!;
      if (f & FLYING) {
        this.deferred.push(slot); // stays dirty
        continue;
      }
      flags[slot] = f & ~DIRTY;
      const want = desired[slot];
      const have = installed[slot];
      let op: number;
      let forwarding: Forwarding;
      if (want) {
        if (!have) op = ADD;
        else if (have === want || routeSatisfies(have, want)) {
          this.unadopt(slot);
          if (this.failures.size) this.failures.delete(this.prefixes.keyOf(slot));
          continue;
        } else {
          // The forwarding state from before the restart stays until the RIB has converged (RFC 4724 §4.1):
          // a half-learned table (one ECMP member back, the other not yet) must not replace a complete route.
          if (f & ADOPTED && !this.startupDone) continue;
          op = REPLACE;
        }
        forwarding = want;
      } else {
        if (this.failures.size) this.failures.delete(this.prefixes.keyOf(slot));
        if (!have || (f & ADOPTED && !this.startupDone)) { // nothing there, or kept through the restart window
          this.forgetIfEmpty(slot);
          continue;
        }
        op = DELETE;
        forwarding = have;
      }
      const i = flight.count++;
      slots[i] = slot;
      ops[i] = op;
      forwardings.push(forwarding);
      flags[slot]! |= FLYING;
      counts[op as 0 | 1 | 2]++;
      this.encoder.write(batch, this.prefixes, slot, OPS[op]!, forwarding);
    }
    return flight;
  }

  /** Books the kernel's answers: what it did becomes `installed`; what it refused is reported and retried. */
  private settle(flight: Flight, result: BatchResult): void {
    const { slots, ops, forwardings } = flight;
    const failed: { key: PrefixKey; failure: Failure }[] = [];
    for (let i = 0; i < flight.count; i++) {
      const slot = slots[i]!;
      const op = ops[i]!;
      this.flags[slot]! &= ~FLYING;
      const errno = result.failures.size ? result.failures.get(i) : undefined;
      // A route already gone is what a delete wanted (ESRCH for IPv4, ENOENT for IPv6).
      if (errno === undefined || (op === DELETE && (errno === 3 || errno === 2))) {
        this.setInstalled(slot, op === DELETE ? undefined : forwardings[i]!);
        this.unadopt(slot);
        if (op !== DELETE && this.failures.size) this.failures.delete(this.prefixes.keyOf(slot));
        if (op === DELETE) this.forgetIfEmpty(slot);
        continue;
      }
      const key = this.prefixes.keyOf(slot);
      const failure: Failure = { error: refusal(errno, OPS[op]!), attempts: (this.failures.get(key)?.attempts ?? 0) + 1 };
      this.failures.set(key, failure);
      failed.push({ key, failure });
    }
    this.retries.report(failed);
  }

  /** Stop timers; the kernel routes stay (a restart must not lose traffic). */
  close(): void {
    this.closed = true;
    if (this.antiEntropy) this.deps.clock.clearTimeout(this.antiEntropy);
    this.retries.close();
    this.checkIdle();
  }
}
