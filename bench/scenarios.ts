/**
 * The side-by-side benchmark's scenarios (GitHub issue "side-by-side benchmark"): what each one sets up,
 * measures and how one run goes. The runner (run.ts) calls `run` once per run with a fresh DUT; everything
 * a run starts is stopped in its finally block.
 *
 * Topology (created once by run.ts, all addresses in the lab ranges):
 *
 *   snd  s-dut 10.77.1.2/24 fd77:1::2/64 ──── d-snd 10.77.1.1/24 fd77:1::1/64   dut
 *   rcv  r-dut 10.77.2.2/24 fd77:2::2/64 ──── d-rcv 10.77.2.1/24 fd77:2::1/64   dut
 *        r-dut 10.77.2.10…  (RR clients, on the link)
 *        lo    10.77.16.10…/32 (many peers)            route 10.77.16.0/20 via 10.77.2.2
 *
 * The many-peers sources sit behind one next hop, so the DUT needs one ARP entry for them, not a thousand
 * (the kernel's neighbour table is shared by all namespaces and its default hard limit is 1024 entries).
 *
 * Timing: "first" is the sender's timestamp right before it writes its first UPDATE; "holds all" /
 * "holds none" is the receiver's timestamp once its table is complete / empty (the last of all sessions for
 * several). Both come from one clock (see tool-kit.ts), so the difference is the DUT's propagation time plus
 * our tools' own share, the same for every DUT.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Lab } from '../test/lab/harness/index.js';
import type { Capability, DutDriver, DutInstance, DutSetup } from './duts/index.js';
import type { PhaseTimer } from './phases.js';
import { cpuSeconds, peakRssBytes, sumOver } from './proc-stats.js';
import { percentile } from './stats.js';
import { ipv4Plus, wallNow } from './tool-kit.js';
import { Tool, type ToolEvent } from './tool.js';

// ---------------------------------------------------------------------------------------------------------
// Addresses

export const ADDR = {
  dutRouterId: '10.77.0.1',
  dutSnd4: '10.77.1.1',
  dutSnd6: 'fd77:1::1',
  snd4: '10.77.1.2',
  snd6: 'fd77:1::2',
  dutRcv4: '10.77.2.1',
  dutRcv6: 'fd77:2::1',
  rcv4: '10.77.2.2',
  rcv6: 'fd77:2::2',
  /** First RR client address (…10, …11, …) on the rcv link's /24. */
  rrBase: '10.77.2.10',
  /** The many-peers clients, 10.77.16.10…/32 on rcv's loopback, routed by the DUT via 10.77.2.2. */
  manyNet: '10.77.16.0/20',
  manyBase: '10.77.16.10',
} as const;

export const AS = { dut: 65000, sender: 65001, receiver: 65002 } as const;

// ---------------------------------------------------------------------------------------------------------
// Types

export interface Options {
  readonly quick: boolean;
  /** Runs per cell (full 3, quick 1). */
  readonly runs: number;
  /** Cap on each measured wait (announce → all, withdraw → none), seconds. */
  readonly cellTimeoutS: number;
  /** A DUT that delivered nothing this long after the first UPDATE has no result, seconds. */
  readonly firstRouteTimeoutS: number;
  /** A first run longer than this is not repeated (seconds). */
  readonly slowRunS: number;
}

export interface Env {
  readonly lab: Lab;
  /** Set when DUT instances are shared between runs with the same setup (quick mode). */
  readonly rigs?: RigHolder;
  readonly ns: { readonly snd: string; readonly dut: string; readonly rcv: string };
  readonly opts: Options;
  /** Where the time goes: each run adds its DUT start, tool starts, sessions, settling and stop. */
  readonly phases: PhaseTimer;
  /** Scratch directory for logs the tools write (churn). */
  readonly tmp: string;
  /** True once Ctrl-C was pressed: runs end as soon as they can. */
  aborted(): boolean;
}

export type Unit = 's' | 'ms' | 'MiB' | '%' | 'cpu-s' | '/s';

export interface MetricDef {
  readonly key: string;
  readonly label: string;
  readonly unit: Unit;
  /** Where the min–max comes from when the cell has one run only. */
  readonly windows?: string;
}

export type RunOutcome =
  | {
      readonly kind: 'ok';
      readonly values: Record<string, number>;
      /** Per-window values of some metrics (churn, idle): the min–max of a one-run cell. */
      readonly windows?: Record<string, number[]>;
      readonly notes?: string[];
    }
  | { readonly kind: 'no-result' | 'timeout'; readonly reason: string };

export interface RunResult {
  readonly outcome: RunOutcome;
  /** When the outcome is not ok: the end of the DUT's and the tools' output, for the JSON results. */
  readonly diagnostics?: string;
  /** Configuration files the DUT ran with in this run. */
  readonly configs: Record<string, string>;
  readonly seconds: number;
}

export interface Scenario {
  readonly id: string;
  readonly group: string;
  readonly title: string;
  /** Size description for the table ("100k IPv4"). */
  readonly size: string;
  readonly needs: readonly Capability[];
  readonly metrics: readonly MetricDef[];
  /** Runs in this mode (idle and churn measure windows inside one run instead). */
  readonly runs: number;
  /** Repeat even when the first run is slow (many peers: its first run is long because of the idle window). */
  readonly repeatWhenSlow?: boolean;
  /** A DUT/scenario pair that is only run at the end if the time budget allows, with the reason. */
  readonly deferFor?: (dut: DutDriver) => string | undefined;
  run(env: Env, dut: DutDriver, runIndex: number): Promise<RunResult>;
}

class NoResult extends Error {
  constructor(
    readonly kind: 'no-result' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Run scaffolding

interface RunCtx {
  readonly env: Env;
  readonly driver: DutDriver;
  readonly dut: DutInstance;
  /** Remarks on this run, added to an ok outcome. */
  readonly notes: string[];
  /** Why the run cannot go on: the DUT died, a tool died or lost its session. */
  trouble(): string | undefined;
  /** Starts a tool (or, on a shared rig, returns the one already running with the same arguments). */
  start(ns: string, script: string, args: readonly string[], name: string): Promise<Tool>;
}

/** A DUT and the tools around it. */
interface Rig {
  readonly key: string;
  readonly dut: DutInstance;
  readonly configs: Record<string, string>;
  readonly tools: Map<string, Tool>;
}

/**
 * Keeps one rig alive from one run to the next while they need the same DUT setup (quick mode: the
 * pass-through variants and the churn run on one DUT instance per implementation, sparing each a start and
 * a settling time). The runner closes it when it moves on to another DUT.
 */
export class RigHolder {
  current: Rig | undefined;

  async close(): Promise<void> {
    const rig = this.current;
    this.current = undefined;
    if (rig) await stopRig(rig);
  }
}

async function stopRig(rig: Rig): Promise<void> {
  await Promise.all([...[...rig.tools.values()].map((t) => t.stop().catch(() => undefined)), rig.dut.stop().catch(() => undefined)]);
}

/**
 * Starts the DUT with `setup` (or takes the shared rig with the same setup), runs `body`, and stops every
 * tool and the DUT whatever happens, unless the rig is shared and the run went well.
 */
async function withDut(env: Env, driver: DutDriver, setup: DutSetup, body: (ctx: RunCtx) => Promise<RunOutcome>): Promise<RunResult> {
  const started = wallNow();
  const key = `${driver.id} ${JSON.stringify(setup)}`;
  let rig = env.rigs?.current?.key === key ? env.rigs.current : undefined;
  if (!rig) {
    if (env.rigs?.current) await env.phases.part(driver.name, 'stop', () => env.rigs!.close());
    const starting: { inst?: DutInstance } = {};
    try {
      await env.phases.part(driver.name, 'DUT start', async () => {
        starting.inst = await driver.start(env.lab, env.ns.dut, setup);
        await starting.inst.ready();
      });
    } catch (err) {
      const why = starting.inst?.died() ?? (err instanceof Error ? err.message : String(err));
      await starting.inst?.stop().catch(() => undefined);
      return { outcome: { kind: 'no-result', reason: `${driver.name} did not start: ${why}` }, configs: driver.configure(setup), seconds: (wallNow() - started) / 1000 };
    }
    const inst = starting.inst!;
    rig = { key, dut: inst, configs: { ...inst.configs }, tools: new Map() };
  }
  if (env.rigs) env.rigs.current = undefined;
  const r = rig;
  let keep = false;
  try {
    const ctx: RunCtx = {
      env,
      driver,
      dut: r.dut,
      notes: [],
      trouble: () => r.dut.died() ?? [...r.tools.values()].map((t) => t.died() ?? t.sessionTrouble()).find((x) => x !== undefined),
      async start(ns, script, args, name) {
        const connect = script === 'fibwatch' || args.includes('--connect-timeout') ? [] : ['--connect-timeout', String(env.opts.cellTimeoutS)];
        const full = [...args, ...connect];
        const toolKey = `${ns} ${script} ${full.join(' ')}`;
        const running = r.tools.get(toolKey);
        if (running) return running;
        const tool = await env.phases.part(driver.name, 'tools', () => Tool.start(env.lab, ns, script, full, name));
        r.tools.set(toolKey, tool);
        return tool;
      },
    };
    let outcome: RunOutcome;
    try {
      outcome = await body(ctx);
      if (outcome.kind === 'ok' && ctx.notes.length > 0) outcome = { ...outcome, notes: [...(outcome.notes ?? []), ...ctx.notes] };
    } catch (err) {
      if (!(err instanceof NoResult)) throw err;
      outcome = { kind: err.kind, reason: err.message };
    }
    keep = env.rigs !== undefined && outcome.kind === 'ok';
    const diagnostics =
      outcome.kind === 'ok'
        ? undefined
        : [`--- ${driver.name}\n${r.dut.output()}`, ...[...r.tools.values()].map((t) => `--- ${t.name}\n${t.proc.output().slice(-2000)}`)].join('\n');
    return { outcome, configs: r.configs, seconds: (wallNow() - started) / 1000, ...(diagnostics ? { diagnostics } : {}) };
  } finally {
    if (keep && env.rigs) env.rigs.current = r;
    else await env.phases.part(driver.name, 'stop', () => stopRig(r));
  }
}

/** Polls until `probe` returns a value; NoResult on trouble, abort or timeout (message from `timeoutWhy`). */
async function until<T>(
  ctx: RunCtx,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  timeoutWhy: () => Promise<string> | string,
  kind: 'no-result' | 'timeout' = 'timeout',
): Promise<T> {
  const deadline = wallNow() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    const trouble = ctx.trouble();
    if (trouble) throw new NoResult('no-result', trouble);
    if (ctx.env.aborted()) throw new NoResult('no-result', 'interrupted');
    if (wallNow() > deadline) throw new NoResult(kind, await timeoutWhy());
    await new Promise((r) => setTimeout(r, 10));
  }
}

function waitEvent(ctx: RunCtx, tool: Tool, ev: string, from: number, timeoutMs: number, what: string): Promise<ToolEvent> {
  return until(ctx, () => tool.events().slice(from).find((e) => e.ev === ev), timeoutMs, () => `timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

async function established(ctx: RunCtx, tool: Tool): Promise<ToolEvent> {
  return ctx.env.phases.part(ctx.driver.name, 'sessions', () =>
    waitEvent(ctx, tool, 'established', 0, ctx.env.opts.cellTimeoutS * 1000, `${tool.name} sessions to come up`));
}

/**
 * After the sessions came up, before the clock starts: wait until the DUT has finished its initial update
 * to every receiver session (End-of-RIB; we advertise graceful-restart awareness so that it is sent), or a
 * fixed 1 s for a DUT that sends none. Daemons run start-up timers when peers come up (FRR holds its first
 * update to new peers for its update-group coalesce time: 1 s plus 0.1 s per peer, at most 10 s) that a
 * long-running deployment is long past; measured from a settled DUT, every implementation is timed in
 * steady state.
 */
const EOR_TIMEOUT_MS = 15_000;

/** Tools whose sessions were seen settled: a shared rig's next run need not wait again. */
const settledTools = new WeakSet<Tool>();

async function settle(ctx: RunCtx, receivers: readonly Tool[]): Promise<void> {
  if (receivers.length > 0 && receivers.every((r) => settledTools.has(r))) return;
  for (const r of receivers) settledTools.add(r);
  await ctx.env.phases.part(ctx.driver.name, 'settle', () => settleOnce(ctx, receivers));
}

async function settleOnce(ctx: RunCtx, receivers: readonly Tool[]): Promise<void> {
  if (!ctx.driver.settlesWithEndOfRib) {
    await pause(ctx, 1_000);
    return;
  }
  const deadline = wallNow() + EOR_TIMEOUT_MS;
  for (const r of receivers) {
    const got = await until(ctx, () => (r.find('eor') ? true : wallNow() > deadline ? false : undefined), EOR_TIMEOUT_MS + 1_000, () => 'eor');
    if (!got) {
      ctx.notes.push(`no End-of-RIB from the DUT within ${EOR_TIMEOUT_MS / 1000} s; measured after waiting that long`);
      break;
    }
  }
  await pause(ctx, 100);
}

/** Waits `ms`, still noticing trouble and Ctrl-C. */
async function pause(ctx: RunCtx, ms: number): Promise<void> {
  const end = wallNow() + ms;
  while (wallNow() < end) {
    const trouble = ctx.trouble();
    if (trouble) throw new NoResult('no-result', trouble);
    if (ctx.env.aborted()) throw new NoResult('no-result', 'interrupted');
    await sleep(Math.min(50, end - wallNow()));
  }
}

async function status(tool: Tool): Promise<string> {
  try {
    const s = await tool.call('status', {}, 5_000);
    const held = Array.isArray(s.held) ? (s.held as number[]) : undefined;
    if (held) {
      const min = Math.min(...held);
      const max = Math.max(...held);
      return `${tool.name} holds ${min === max ? min : `${min}–${max}`} prefixes${held.length > 1 ? ` per session (${held.length} sessions)` : ''}`;
    }
    return `${tool.name}: ${JSON.stringify({ ...s, id: undefined, ok: undefined })}`;
  } catch (err) {
    return `${tool.name} status unavailable: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Arms `watcher` (receiver or fibwatch) to report when it holds `count`, lets `trigger` start the change,
 * and returns the watcher's timestamp of reaching it. Gives up with "no result" when nothing at all changed
 * within the first-route timeout, and with "timeout" after the cell timeout.
 */
async function timeTo(ctx: RunCtx, watcher: Tool, count: number, trigger: () => void, what: string): Promise<{ reached: number; from: number }> {
  const o = ctx.env.opts;
  const from = watcher.events().length;
  await watcher.call('expect', { count });
  const armed = wallNow();
  trigger();
  const firstDeadline = armed + o.firstRouteTimeoutS * 1000;
  const reached = await until(
    ctx,
    () => {
      const evs = watcher.events().slice(from);
      const r = evs.find((e) => e.ev === 'reached' && e.count === count);
      if (r) return r;
      if (wallNow() > firstDeadline && !evs.some((e) => e.ev === 'first')) {
        throw new NoResult('no-result', `${watcher.name} saw no change within ${o.firstRouteTimeoutS} s of ${what} (DUT alive, sessions up)`);
      }
      return undefined;
    },
    o.cellTimeoutS * 1000,
    async () => `cap of ${o.cellTimeoutS} s reached waiting for ${what}; ${await status(watcher)}`,
  );
  // A watcher that knows when the completing change happened (fibwatch: ip monitor's timestamp) says so.
  return { reached: typeof reached.at === 'number' ? reached.at : reached.t, from };
}

function dutCpu(dut: DutInstance): number {
  const v = sumOver(dut.pids(), cpuSeconds);
  if (v === undefined) throw new NoResult('no-result', `DUT process gone: ${dut.died() ?? '?'}`);
  return v;
}

function dutRssMiB(dut: DutInstance): number {
  const v = sumOver(dut.pids(), peakRssBytes);
  if (v === undefined) throw new NoResult('no-result', `DUT process gone: ${dut.died() ?? '?'}`);
  return v / (1024 * 1024);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------
// Pass-through: 1 sender → DUT → 1 receiver (eBGP both sides)

interface PassThroughParams {
  readonly family: 'ipv4' | 'ipv6';
  readonly count: number;
  readonly attrSets: number;
}

/** The DUT's peers for pass-through and churn: the family's sender and receiver (both families on a shared rig). */
function passThroughSetup(env: Env, family: 'ipv4' | 'ipv6'): DutSetup {
  const v4 = [
    { name: 'sender', address: ADDR.snd4, asn: AS.sender },
    { name: 'receiver', address: ADDR.rcv4, asn: AS.receiver },
  ];
  const v6 = [
    { name: 'sender6', address: ADDR.snd6, asn: AS.sender },
    { name: 'receiver6', address: ADDR.rcv6, asn: AS.receiver },
  ];
  return {
    routerId: ADDR.dutRouterId,
    asn: AS.dut,
    kernel: false,
    peers: env.rigs ? [...v4, ...v6] : family === 'ipv6' ? v6 : v4,
  };
}

function senderArgs(family: 'ipv4' | 'ipv6', ibgp: boolean): string[] {
  const v6 = family === 'ipv6';
  return [
    '--remote', v6 ? ADDR.dutSnd6 : ADDR.dutSnd4,
    '--local', v6 ? ADDR.snd6 : ADDR.snd4,
    '--asn', String(ibgp ? AS.dut : AS.sender),
    '--router-id', v6 ? '10.77.200.1' : ADDR.snd4,
    '--family', family,
    ...(ibgp ? ['--ibgp'] : []),
  ];
}

function receiverArgs(family: 'ipv4' | 'ipv6', local: string, sessions: number, remote: string, ibgp: boolean): string[] {
  return [
    '--remote', remote,
    '--local', local,
    '--sessions', String(sessions),
    '--asn', String(ibgp ? AS.dut : AS.receiver),
    '--family', family,
    ...(family === 'ipv6' ? ['--router-id-base', '10.77.200.2'] : []),
    ...(ibgp ? ['--ibgp'] : []),
  ];
}

/** The receiver and sender of a family for the pass-through topology. */
function passThroughTools(ctx: RunCtx, family: 'ipv4' | 'ipv6'): Promise<[Tool, Tool]> {
  const v6 = family === 'ipv6';
  const ns = ctx.env.ns;
  const suffix = v6 ? '6' : '';
  return Promise.all([
    ctx.start(ns.rcv, 'receiver', receiverArgs(family, v6 ? ADDR.rcv6 : ADDR.rcv4, 1, v6 ? ADDR.dutRcv6 : ADDR.dutRcv4, false), `receiver${suffix}`),
    ctx.start(ns.snd, 'sender', senderArgs(family, false), `sender${suffix}`),
  ]);
}

async function passThroughRun(env: Env, driver: DutDriver, p: PassThroughParams): Promise<RunResult> {
  return withDut(env, driver, passThroughSetup(env, p.family), async (ctx) => {
    // On a shared rig, the sessions of both families come up (and settle) once, with the first run.
    const families: ('ipv4' | 'ipv6')[] = env.rigs ? ['ipv4', 'ipv6'] : [p.family];
    const pairs = await Promise.all(families.map((f) => passThroughTools(ctx, f)));
    for (const [r, sd] of pairs) {
      await established(ctx, r);
      await established(ctx, sd);
    }
    await settle(ctx, pairs.map(([r]) => r));
    const [rcv, snd] = pairs[families.indexOf(p.family)]!;
    await snd.call('prepare', { count: p.count, attrSets: p.attrSets });
    const cpu0 = dutCpu(ctx.dut);
    const send = (what: string): (() => void) => () => void snd.call(what).catch(() => undefined);
    const sndFrom = snd.events().length;
    const all = await timeTo(ctx, rcv, p.count, send('announce'), 'the first UPDATE');
    const sentA = await waitEvent(ctx, snd, 'sending', sndFrom, 10_000, 'the sender');
    const cpuAll = dutCpu(ctx.dut);
    const sndFrom2 = snd.events().length;
    const none = await timeTo(ctx, rcv, 0, send('withdraw'), 'the first withdrawal');
    const sentW = await waitEvent(ctx, snd, 'sending', sndFrom2, 10_000, 'the sender');
    const cpu1 = dutCpu(ctx.dut);
    return {
      kind: 'ok',
      values: {
        all: (all.reached - Number(sentA.first)) / 1000,
        none: (none.reached - Number(sentW.first)) / 1000,
        rss: dutRssMiB(ctx.dut),
        cpuAll: cpuAll - cpu0,
        cpu: cpu1 - cpu0,
      },
    };
  });
}

const PASS_METRICS: readonly MetricDef[] = [
  { key: 'all', label: 'first UPDATE → receiver holds all', unit: 's' },
  { key: 'none', label: 'first withdrawal → receiver holds none', unit: 's' },
  { key: 'rss', label: 'DUT peak RSS (VmHWM)', unit: 'MiB' },
  { key: 'cpu', label: 'DUT CPU, announce + withdraw', unit: 'cpu-s' },
];

function k(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n);
}

// ---------------------------------------------------------------------------------------------------------
// Route reflection: 1 sender → DUT as RR → N receivers (all iBGP RR clients)

async function rrRun(env: Env, driver: DutDriver, count: number, clients: number): Promise<RunResult> {
  const setup: DutSetup = {
    routerId: ADDR.dutRouterId,
    asn: AS.dut,
    kernel: false,
    peers: [
      { name: 'sender', address: ADDR.snd4, asn: AS.dut, rrClient: true },
      ...Array.from({ length: clients }, (_, i) => ({ name: `client${i}`, address: ipv4Plus(ADDR.rrBase, i), asn: AS.dut, rrClient: true })),
    ],
  };
  return withDut(env, driver, setup, async (ctx) => {
    const [rcv, snd] = await Promise.all([
      ctx.start(env.ns.rcv, 'receiver', receiverArgs('ipv4', ADDR.rrBase, clients, ADDR.dutRcv4, true), 'receivers'),
      ctx.start(env.ns.snd, 'sender', senderArgs('ipv4', true), 'sender'),
    ]);
    await established(ctx, rcv);
    await established(ctx, snd);
    await settle(ctx, [rcv]);
    await snd.call('prepare', { count, attrSets: 1 });
    const cpu0 = dutCpu(ctx.dut);
    const sndFrom = snd.events().length;
    const all = await timeTo(ctx, rcv, count, () => void snd.call('announce').catch(() => undefined), 'the first UPDATE');
    const sent = await waitEvent(ctx, snd, 'sending', sndFrom, 10_000, 'the sender');
    return {
      kind: 'ok',
      values: { all: (all.reached - Number(sent.first)) / 1000, rss: dutRssMiB(ctx.dut), cpu: dutCpu(ctx.dut) - cpu0 },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Many peers: N sessions from N source addresses; time to establish all; DUT CPU while idle

async function manyPeersRun(env: Env, driver: DutDriver, sessions: number, idleS: number, windows: number): Promise<RunResult> {
  const setup: DutSetup = {
    routerId: ADDR.dutRouterId,
    asn: AS.dut,
    kernel: false,
    peers: Array.from({ length: sessions }, (_, i) => ({ name: `node${i}`, address: ipv4Plus(ADDR.manyBase, i), asn: AS.dut, rrClient: true })),
  };
  return withDut(env, driver, setup, async (ctx) => {
    const rcv = await ctx.start(env.ns.rcv, 'receiver', receiverArgs('ipv4', ADDR.manyBase, sessions, ADDR.dutRcv4, true), 'peers');
    const up = await until(
      ctx,
      () => rcv.events().find((e) => e.ev === 'established'),
      (env.opts.cellTimeoutS + 10) * 1000,
      async () => `cap of ${env.opts.cellTimeoutS} s reached establishing ${sessions} sessions; ${await status(rcv)}`,
    );
    const values: Record<string, number> = { establish: ((up.last as number) - (up.first as number)) / 1000 };
    const drops = Number(up.drops);
    const retries = Number(up.attempts) - sessions - drops;
    if (drops > 0) ctx.notes.push(`${drops} session${drops > 1 ? 's' : ''} closed by the DUT while the others came up, and re-established`);
    if (retries > 0) ctx.notes.push(`${retries} connection attempt${retries > 1 ? 's' : ''} retried (3 s TCP connect / 5 s OPEN timeouts)`);
    const windowValues: number[] = [];
    if (idleS > 0) {
      // Idle means settled: the DUT has sent End-of-RIB to every session (FRR: after its coalesce time).
      await settle(ctx, [rcv]);
      await pause(ctx, 200);
      const windowMs = (idleS * 1000) / windows;
      const t0 = wallNow();
      const c0 = dutCpu(ctx.dut);
      let tPrev = t0;
      let cPrev = c0;
      for (let w = 1; w <= windows; w++) {
        await until(ctx, () => (wallNow() >= t0 + w * windowMs ? true : undefined), windowMs + 5_000, () => 'idle window');
        const t = wallNow();
        const c = dutCpu(ctx.dut);
        windowValues.push((100 * (c - cPrev)) / ((t - tPrev) / 1000));
        tPrev = t;
        cPrev = c;
      }
      values.idle = (100 * (cPrev - c0)) / ((tPrev - t0) / 1000);
    }
    values.rss = dutRssMiB(ctx.dut);
    return { kind: 'ok', values, ...(idleS > 0 ? { windows: { idle: windowValues } } : {}) };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Kernel: learned routes → the DUT namespace's FIB

async function kernelRun(env: Env, driver: DutDriver, count: number): Promise<RunResult> {
  const setup: DutSetup = {
    routerId: ADDR.dutRouterId,
    asn: AS.dut,
    kernel: true,
    peers: [{ name: 'sender', address: ADDR.snd4, asn: AS.sender }],
  };
  try {
    return await withDut(env, driver, setup, async (ctx) => {
      const fib = await ctx.start(env.ns.dut, 'fibwatch', [], 'fibwatch');
      await waitEvent(ctx, fib, 'ready', 0, 30_000, 'fibwatch');
      const snd = await ctx.start(env.ns.snd, 'sender', senderArgs('ipv4', false), 'sender');
      await established(ctx, snd);
      await settle(ctx, [snd]);
      await snd.call('prepare', { count, attrSets: 1 });
      await fib.call('baseline');
      const send = (what: string): (() => void) => () => void snd.call(what).catch(() => undefined);
      const f1 = snd.events().length;
      const all = await timeTo(ctx, fib, count, send('announce'), 'the first UPDATE');
      const sentA = await waitEvent(ctx, snd, 'sending', f1, 10_000, 'the sender');
      // Not timed: a full dump to check that the routes counted are the benchmark's, from the daemon.
      const check = await fib.call('verify', {}, 60_000);
      if (check.ours !== count) {
        throw new NoResult('no-result', `the FIB gained ${count} prefixes but ${String(check.ours)} are benchmark routes from the daemon`);
      }
      const f2 = snd.events().length;
      const none = await timeTo(ctx, fib, 0, send('withdraw'), 'the first withdrawal');
      const sentW = await waitEvent(ctx, snd, 'sending', f2, 10_000, 'the sender');
      return {
        kind: 'ok',
        values: { all: (all.reached - Number(sentA.first)) / 1000, none: (none.reached - Number(sentW.first)) / 1000 },
      };
    });
  } finally {
    // A daemon killed before it removed its routes would leave them for the next DUT: flush ours.
    for (const proto of ['bird', 'bgp']) {
      await env.lab.exec(env.ns.dut, 'ip', ['-4', 'route', 'flush', 'proto', proto]).catch(() => undefined);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Churn: prefixes flapping at a fixed rate through the DUT; DUT CPU and receiver-observed latency

interface ChurnParams {
  readonly count: number;
  readonly changesPerSecond: number;
  readonly durationS: number;
  readonly windows: number;
}

interface SenderLog {
  readonly t0: number;
  readonly log: readonly { t: number; w: number[]; a: number[] }[];
}

/**
 * Matches every change the sender made with the receiver's observation of it: per prefix and kind, the
 * first receiver event at or after the send and before the sender's next change of the same kind to that
 * prefix. Unmatched sends (the DUT merged a withdraw with the re-announce, or lost it) are counted.
 */
export function matchChurn(sender: SenderLog, events: readonly number[], durationMs: number, windows: number): {
  latencies: number[][];
  all: number[];
  sent: number;
  missed: number;
} {
  const recv = new Map<number, [number[], number[]]>(); // prefix → [withdraw times, announce times]
  for (let j = 0; j + 2 < events.length; j += 3) {
    const i = events[j]!;
    let entry = recv.get(i);
    if (!entry) recv.set(i, (entry = [[], []]));
    entry[events[j + 1] === 1 ? 1 : 0].push(events[j + 2]!);
  }
  const sends = new Map<number, [number, number][]>(); // prefix → [kind, t] in order
  for (const tick of sender.log) {
    for (const [list, kind] of [[tick.w, 0], [tick.a, 1]] as const) {
      for (let r = 0; r + 1 < list.length; r += 2) {
        for (let i = list[r]!; i < list[r]! + list[r + 1]!; i++) {
          let s = sends.get(i);
          if (!s) sends.set(i, (s = []));
          s.push([kind, tick.t]);
        }
      }
    }
  }
  const latencies: number[][] = Array.from({ length: windows }, () => []);
  const all: number[] = [];
  let sent = 0;
  let missed = 0;
  const windowMs = durationMs / windows;
  for (const [i, list] of sends) {
    const seen = recv.get(i) ?? [[], []];
    const ptr = [0, 0];
    for (let n = 0; n < list.length; n++) {
      const [kind, t] = list[n]!;
      sent++;
      let next = Infinity;
      for (let m = n + 1; m < list.length; m++) {
        if (list[m]![0] === kind) {
          next = list[m]![1];
          break;
        }
      }
      const times = kind === 1 ? seen[1] : seen[0];
      let p = ptr[kind]!;
      while (p < times.length && times[p]! < t) p++;
      if (p < times.length && times[p]! < next) {
        const lat = times[p]! - t;
        all.push(lat);
        latencies[Math.min(windows - 1, Math.max(0, Math.floor((t - sender.t0) / windowMs)))]!.push(lat);
        ptr[kind] = p + 1;
      } else {
        ptr[kind] = p;
        missed++;
      }
    }
  }
  return { latencies, all, sent, missed };
}

async function churnRun(env: Env, driver: DutDriver, p: ChurnParams, runIndex: number): Promise<RunResult> {
  return withDut(env, driver, passThroughSetup(env, 'ipv4'), async (ctx) => {
    const [rcv, snd] = await passThroughTools(ctx, 'ipv4');
    await established(ctx, rcv);
    await established(ctx, snd);
    await settle(ctx, [rcv]);
    await snd.call('prepare', { count: p.count, attrSets: 1 });
    await timeTo(ctx, rcv, p.count, () => void snd.call('announce').catch(() => undefined), 'the first UPDATE');
    await pause(ctx, 100);
    await rcv.call('log', { on: true });
    const senderFile = path.join(env.tmp, `churn-sender-${driver.id}-${runIndex}.json`);
    const receiverFile = path.join(env.tmp, `churn-receiver-${driver.id}-${runIndex}.json`);
    const durationMs = p.durationS * 1000;
    const windowMs = durationMs / p.windows;
    const from = snd.events().length;
    const t0 = wallNow();
    const c0 = dutCpu(ctx.dut);
    await snd.call('churn', { changesPerSecond: p.changesPerSecond, tickMs: 100, downMs: 1000, durationMs, file: senderFile });
    const cpuWindows: number[] = [];
    let tPrev = t0;
    let cPrev = c0;
    for (let w = 1; w <= p.windows; w++) {
      await until(ctx, () => (wallNow() >= t0 + w * windowMs ? true : undefined), windowMs + 5_000, () => 'churn window');
      const t = wallNow();
      const c = dutCpu(ctx.dut);
      cpuWindows.push((100 * (c - cPrev)) / ((t - tPrev) / 1000));
      tPrev = t;
      cPrev = c;
    }
    const cpu = (100 * (cPrev - c0)) / ((tPrev - t0) / 1000);
    await waitEvent(ctx, snd, 'churn-done', from, 30_000, 'the end of the churn');
    // Give the DUT time to deliver the last re-announcements before the receiver's log is read.
    await until(ctx, async () => {
      const s = await rcv.call('status');
      return Array.isArray(s.held) && s.held[0] === p.count ? true : undefined;
    }, 30_000, async () => `after the churn, ${await status(rcv)} (expected ${p.count})`);
    await pause(ctx, 200);
    await rcv.call('dump', { file: receiverFile });
    await rcv.call('log', { on: false });
    const sender = JSON.parse(readFileSync(senderFile, 'utf8')) as SenderLog;
    const received = JSON.parse(readFileSync(receiverFile, 'utf8')) as { events: number[] };
    const m = matchChurn(sender, received.events, durationMs, p.windows);
    const notes = [`${m.all.length} latency samples of ${m.sent} changes sent`];
    if (m.missed > 0) notes.push(`${m.missed} changes never observed separately (merged or lost)`);
    if (m.all.length === 0) throw new NoResult('no-result', 'the receiver observed none of the churn');
    return {
      kind: 'ok',
      values: { cpu, p50: percentile(m.all, 50), p99: percentile(m.all, 99) },
      windows: {
        cpu: cpuWindows,
        p50: m.latencies.filter((l) => l.length > 0).map((l) => percentile(l, 50)),
        p99: m.latencies.filter((l) => l.length > 0).map((l) => percentile(l, 99)),
      },
      notes,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// The list

export interface Sizes {
  readonly v4: number;
  readonly v4Large: number;
  readonly v6: number;
  readonly attrPrefixes: number;
  readonly attrSets: number;
  readonly rrPrefixes: number;
  readonly rrClients: number;
  readonly manySessions: number;
  readonly idleS: number;
  readonly kernel: number;
  readonly churnPrefixes: number;
  readonly churnRate: number;
  readonly churnS: number;
  /** Windows of the idle and churn measurements (their min–max). */
  readonly windows: number;
}

export const FULL_SIZES: Sizes = {
  v4: 100_000, v4Large: 1_000_000, v6: 100_000, attrPrefixes: 100_000, attrSets: 1000, rrPrefixes: 10_000, rrClients: 100,
  manySessions: 1000, idleS: 60, kernel: 100_000, churnPrefixes: 10_000, churnRate: 1000, churnS: 60, windows: 3,
};

export const QUICK_SIZES: Sizes = {
  v4: 10_000, v4Large: 50_000, v6: 10_000, attrPrefixes: 10_000, attrSets: 100, rrPrefixes: 2_000, rrClients: 10,
  manySessions: 20, idleS: 3, kernel: 10_000, churnPrefixes: 10_000, churnRate: 1000, churnS: 3, windows: 1,
};

export function scenarios(sizes: Sizes, runs: number): Scenario[] {
  const s = sizes;
  const pass = (id: string, title: string, p: PassThroughParams, defer?: Scenario['deferFor']): Scenario => ({
    id,
    group: 'pass-through',
    title,
    size: `${k(p.count)} ${p.family === 'ipv4' ? 'IPv4' : 'IPv6'}${p.attrSets > 1 ? `, ${p.attrSets} attribute sets` : ''}`,
    needs: ['bgp'],
    metrics: PASS_METRICS,
    runs,
    ...(defer ? { deferFor: defer } : {}),
    run: (env, dut) => passThroughRun(env, dut, p),
  });
  const idleLabel = `DUT CPU while idle ${s.idleS} s (% of one core)`;
  return [
    pass('pass-through-v4', 'pass-through', { family: 'ipv4', count: s.v4, attrSets: 1 }),
    pass('pass-through-v4-large', 'pass-through', { family: 'ipv4', count: s.v4Large, attrSets: 1 }, (dut) =>
      dut.id === 'gobgp' && s.v4Large >= 1_000_000 ? 'GoBGP at 1M takes over a minute per direction (issue: 63 s)' : undefined),
    pass('pass-through-v6', 'pass-through', { family: 'ipv6', count: s.v6, attrSets: 1 }),
    pass('pass-through-attrs', 'pass-through', { family: 'ipv4', count: s.attrPrefixes, attrSets: s.attrSets }),
    {
      id: 'route-reflection',
      group: 'route-reflection',
      title: 'route reflection',
      size: `${k(s.rrPrefixes)} IPv4 × ${s.rrClients} clients`,
      needs: ['bgp', 'route-reflection'],
      metrics: [
        { key: 'all', label: 'first UPDATE → every client holds all', unit: 's' },
        { key: 'rss', label: 'DUT peak RSS (VmHWM)', unit: 'MiB' },
        { key: 'cpu', label: 'DUT CPU', unit: 'cpu-s' },
      ],
      runs,
      run: (env, dut) => rrRun(env, dut, s.rrPrefixes, s.rrClients),
    },
    {
      id: 'many-peers',
      group: 'many-peers',
      title: 'many peers',
      size: `${s.manySessions} iBGP sessions`,
      needs: ['bgp'],
      metrics: [
        { key: 'establish', label: 'first connect → all established', unit: 's' },
        { key: 'idle', label: idleLabel, unit: '%', windows: `${s.windows} windows of ${s.idleS / s.windows} s` },
        { key: 'rss', label: 'DUT peak RSS (VmHWM)', unit: 'MiB' },
      ],
      runs,
      repeatWhenSlow: true,
      // The idle period is measured in the first run only (the others only time the establishment).
      run: (env, dut, runIndex) => manyPeersRun(env, dut, s.manySessions, runIndex === 0 ? s.idleS : 0, s.windows),
    },
    {
      id: 'kernel',
      group: 'kernel',
      title: 'kernel FIB',
      size: `${k(s.kernel)} IPv4`,
      needs: ['bgp', 'kernel-fib'],
      metrics: [
        { key: 'all', label: 'first UPDATE → all in the FIB', unit: 's' },
        { key: 'none', label: 'first withdrawal → none in the FIB', unit: 's' },
      ],
      runs,
      run: (env, dut) => kernelRun(env, dut, s.kernel),
    },
    {
      id: 'churn',
      group: 'churn',
      title: 'churn',
      size: `${k(s.churnPrefixes)} IPv4, ${s.churnRate} changes/s, ${s.churnS} s`,
      needs: ['bgp'],
      metrics: [
        { key: 'cpu', label: 'DUT CPU during churn (% of one core)', unit: '%', windows: `${s.windows} windows of ${s.churnS / s.windows} s` },
        { key: 'p50', label: 'change → receiver, p50', unit: 'ms', windows: `${s.windows} windows` },
        { key: 'p99', label: 'change → receiver, p99', unit: 'ms', windows: `${s.windows} windows` },
      ],
      runs: 1,
      run: (env, dut, runIndex) =>
        churnRun(env, dut, { count: s.churnPrefixes, changesPerSecond: s.churnRate, durationS: s.churnS, windows: s.windows }, runIndex),
    },
    {
      id: 'ipam',
      group: 'ipam',
      title: 'IPAM allocations',
      size: 'allocations/s',
      needs: ['ipam'],
      metrics: [{ key: 'rate', label: 'allocations per second', unit: '/s' }],
      runs: 1,
      run: () => Promise.reject(new Error('unreachable: no DUT supports IPAM')),
    },
  ];
}
