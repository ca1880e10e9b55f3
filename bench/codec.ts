/**
 * Codec throughput benchmark: `npm run bench:codec` (builds, then runs dist/bench/codec.js).
 *
 *   node dist/bench/codec.js [--quick] [--json FILE] [--prefixes N] [--runs N] [--only ID-PART]  (--help)
 *
 * Decode: one buffer of back-to-back UPDATEs → Framer.push → decodeMessage each → forEachIPv4 / forEachPrefix
 * over every prefix (the RIB's receive path). Encode: packAnnouncements / packWithdrawals of a PrefixBatch with
 * the attributes encoded once. Each scenario is warmed up, then timed several times; the median, min and max
 * are printed. Allocation on the decode path is measured in child processes with a fixed young generation:
 * one large enough that no GC runs (heap growth = bytes allocated), one small (count of scavenges).
 *
 * This is not a test: it prints figures and exits 0 whatever they are. It exits non-zero only when the codec
 * returns wrong results (count or checksum of the decoded prefixes), since then the figures mean nothing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { constants as perfConstants, performance, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { InvalidArgumentError, Option } from 'commander';
import {
  IPV4_UNICAST, IPV6_UNICAST, makeContext, packAnnouncements, packWithdrawals, type CodecContext, type Family,
  type PackedUpdates, type PrefixBatch,
} from '../src/bgp/wire/index.js';
import { benchProgram, positiveInt } from './command-line.js';
import { bytes, millions, renderTable, summarize, type Summary } from './stats.js';
import {
  acc, decodeStream, encodedAttributes, expectedChecksum, ipv4Batch, ipv6Batch, IPV6_NEXT_HOP, makeVisitorCallSitesMegamorphic, type Walk,
} from './workload.js';

// ---------------------------------------------------------------------------------------------------------
// Options

interface Options {
  readonly quick: boolean;
  readonly json: string | undefined;
  readonly prefixes: number;
  readonly runs: number;
  /** Warm-up runs per scenario: at least this many, and for at least `warmupMillis`. */
  readonly warmups: number;
  readonly warmupMillis: number;
  /** Run only the scenarios whose id contains this text (e.g. decode-ipv4, announce, megamorphic). */
  readonly only: string | undefined;
  /** Internal: run as an allocation-measuring child for this scenario id. */
  readonly allocChild: string | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  const program = benchProgram('npm run bench:codec --', 'throughput and allocation of the wire codec alone (no network); prints figures, exits 0 whatever they are')
    .option('--quick', 'fewer prefixes (200k), runs and warm-ups; allocation of the headline scenario only')
    .option('--json <file>', 'also write the figures as JSON')
    .option('--prefixes <n>', 'distinct prefixes per run (default 1,000,000, quick 200,000)', positiveInt)
    .option('--runs <n>', 'timed runs per scenario (default 11, quick 5)', positiveInt)
    .option('--only <text>', `the scenarios whose id contains the text (${SCENARIOS.map((s) => s.id).join(', ')})`, (text: string) => {
      if (!SCENARIOS.some((s) => s.id.includes(text))) throw new InvalidArgumentError(`No scenario id contains "${text}".`);
      return text;
    })
    .addOption(new Option('--alloc-child <id>', 'internal: measure the allocation of one scenario in this process').hideHelp());
  program.parse([...argv], { from: 'user' });
  const o = program.opts<{ quick?: true; json?: string; prefixes?: number; runs?: number; only?: string; allocChild?: string }>();
  const quick = o.quick === true;
  return {
    quick,
    json: o.json,
    prefixes: o.prefixes ?? (quick ? 200_000 : 1_000_000),
    // At least 5 timed runs even in quick mode: the machine is shared and noisy, the median needs them.
    runs: o.runs ?? (quick ? 5 : 11),
    warmups: quick ? 1 : 3,
    warmupMillis: quick ? 100 : 500,
    only: o.only,
    allocChild: o.allocChild,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios

const DECODE_TARGET = 10_000_000;
const ENCODE_TARGET = 5_000_000;

interface Prepared {
  readonly messages: number;
  readonly octets: number;
  /** One timed iteration. */
  run(): void;
  /** Verify the iteration just run (not timed). Throws when the results are wrong. */
  check(): void;
}

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly op: 'decode' | 'encode';
  /** The project target in prefixes/s (decode IPv4 ≥ 10 M, encode ≥ 5 M); undefined where none is set. */
  readonly target: number | undefined;
  prepare(prefixes: number): Prepared;
}

interface Shape {
  readonly family: Family;
  readonly addPath: boolean;
  readonly extended: boolean;
  /** Walk with the visitor call sites made megamorphic first (see makeVisitorCallSitesMegamorphic). */
  readonly megamorphic?: boolean;
}

function contextFor(s: Shape): CodecContext {
  return makeContext({ extendedMessage: s.extended, addPath: new Set(s.addPath ? [s.family.name] : []) });
}

function batchFor(s: Shape, prefixes: number): PrefixBatch {
  return s.family === IPV4_UNICAST ? ipv4Batch(prefixes, s.addPath) : ipv6Batch(prefixes);
}

const isV4 = (s: Shape): boolean => s.family === IPV4_UNICAST;

function announce(s: Shape, batch: PrefixBatch, attributes: Uint8Array, ctx: CodecContext): PackedUpdates {
  return isV4(s) ? packAnnouncements(batch, attributes, ctx) : packAnnouncements(batch, attributes, ctx, { nextHop: IPV6_NEXT_HOP });
}

function verify(what: string, prefixes: number, expected: number): void {
  if (acc[1] !== prefixes) throw new Error(`${what}: visited ${acc[1]} prefixes, expected ${prefixes}`);
  if (acc[0] !== expected) throw new Error(`${what}: checksum ${acc[0]}, expected ${expected}`);
}

function describe(s: Shape): string {
  const fam = isV4(s) ? 'IPv4 /24' : 'IPv6 /48';
  return `${fam}${s.addPath ? ' add-path' : ''}, ${s.extended ? '65535' : '4096'}-octet`;
}

function decodeScenario(s: Shape): Scenario {
  const id = `decode-${isV4(s) ? 'ipv4' : 'ipv6'}${s.addPath ? '-addpath' : ''}-${s.extended ? 65535 : 4096}${s.megamorphic ? '-megamorphic' : ''}`;
  return {
    id,
    title: `decode ${describe(s)}${isV4(s) ? '' : ' MP_REACH'}${s.megamorphic ? ', visitor not inlined' : ''}`,
    op: 'decode',
    target: isV4(s) ? DECODE_TARGET : undefined,
    prepare(prefixes) {
      if (s.megamorphic) makeVisitorCallSitesMegamorphic();
      const ctx = contextFor(s);
      const batch = batchFor(s, prefixes);
      const packed = announce(s, batch, encodedAttributes(ctx, isV4(s)), ctx);
      const expected = expectedChecksum(batch, s.addPath);
      const walk: Walk = isV4(s) ? 'ipv4-nlri' : 'mp-reach';
      let messages = 0;
      return {
        messages: packed.messages,
        octets: packed.bytes.length,
        run: () => {
          messages = decodeStream(packed.bytes, ctx, walk);
        },
        check: () => {
          if (messages !== packed.messages) throw new Error(`${id}: ${messages} messages framed, ${packed.messages} packed`);
          verify(id, prefixes, expected);
        },
      };
    },
  };
}

function encodeScenario(s: Shape, kind: 'announce' | 'withdraw'): Scenario {
  const id = `${kind}-${isV4(s) ? 'ipv4' : 'ipv6'}${s.addPath ? '-addpath' : ''}-${s.extended ? 65535 : 4096}`;
  const fn = kind === 'announce' ? 'packAnnouncements' : 'packWithdrawals';
  return {
    id,
    title: `${fn} ${describe(s)}`,
    op: 'encode',
    target: ENCODE_TARGET,
    prepare(prefixes) {
      const ctx = contextFor(s);
      const batch = batchFor(s, prefixes);
      const attributes = encodedAttributes(ctx, isV4(s));
      const expected = expectedChecksum(batch, s.addPath);
      const walk: Walk = kind === 'announce' ? (isV4(s) ? 'ipv4-nlri' : 'mp-reach') : (isV4(s) ? 'ipv4-withdrawn' : 'mp-unreach');
      const pack = (): PackedUpdates => (kind === 'announce' ? announce(s, batch, attributes, ctx) : packWithdrawals(batch, ctx));
      let out = pack();
      return {
        messages: out.messages,
        octets: out.bytes.length,
        run: () => {
          out = pack();
        },
        check: () => {
          // Decode what was packed: every prefix must come back (untimed).
          const messages = decodeStream(out.bytes, ctx, walk);
          if (messages !== out.messages) throw new Error(`${id}: ${messages} messages framed, ${out.messages} packed`);
          verify(id, prefixes, expected);
        },
      };
    },
  };
}

const V4 = IPV4_UNICAST;
const V6 = IPV6_UNICAST;
const SCENARIOS: readonly Scenario[] = [
  decodeScenario({ family: V4, addPath: false, extended: false }),
  decodeScenario({ family: V4, addPath: false, extended: true }),
  decodeScenario({ family: V4, addPath: true, extended: false }),
  decodeScenario({ family: V4, addPath: true, extended: true }),
  decodeScenario({ family: V6, addPath: false, extended: false }),
  decodeScenario({ family: V6, addPath: false, extended: true }),
  encodeScenario({ family: V4, addPath: false, extended: false }, 'announce'),
  encodeScenario({ family: V4, addPath: false, extended: true }, 'announce'),
  encodeScenario({ family: V4, addPath: true, extended: false }, 'announce'),
  encodeScenario({ family: V6, addPath: false, extended: false }, 'announce'),
  encodeScenario({ family: V6, addPath: false, extended: true }, 'announce'),
  encodeScenario({ family: V4, addPath: false, extended: false }, 'withdraw'),
  encodeScenario({ family: V6, addPath: false, extended: false }, 'withdraw'),
  // Last: they change the JIT feedback of the walks for the rest of the process.
  decodeScenario({ family: V4, addPath: false, extended: false, megamorphic: true }),
  decodeScenario({ family: V4, addPath: false, extended: true, megamorphic: true }),
  decodeScenario({ family: V6, addPath: false, extended: false, megamorphic: true }),
];

// ---------------------------------------------------------------------------------------------------------
// GC observation. Entries arrive asynchronously; they are matched to timed runs by start time afterwards.

interface GcEntry {
  readonly start: number;
  readonly minor: boolean;
}

const gcEntries: GcEntry[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const detail = (e as { detail?: { kind?: number } }).detail;
    gcEntries.push({ start: e.startTime, minor: detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR });
  }
});
gcObserver.observe({ entryTypes: ['gc'] });

/** Let queued GC entries reach the observer. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

function gcsIn(from: number, to: number): { minor: number; major: number } {
  let minor = 0;
  let major = 0;
  for (const e of gcEntries) {
    if (e.start < from || e.start > to) continue;
    if (e.minor) minor++;
    else major++;
  }
  return { minor, major };
}

// ---------------------------------------------------------------------------------------------------------
// Timing

interface Measured {
  readonly scenario: Scenario;
  readonly prefixes: number;
  readonly messages: number;
  readonly octets: number;
  /** Prefixes per second, one sample per timed run. */
  readonly rate: Summary;
  readonly millisPerRun: Summary;
  /** Minor (scavenge) and major GCs that started during each timed run. */
  readonly minorGcs: Summary;
  readonly majorGcs: Summary;
}

async function measure(s: Scenario, opts: Options): Promise<Measured> {
  const p = s.prepare(opts.prefixes);
  // Warm up for a number of runs and a minimum time: TurboFan compiles in the background, and the first runs
  // after the minimum count are still visibly slower on this machine.
  const warmUntil = performance.now() + opts.warmupMillis;
  for (let i = 0; i < opts.warmups || performance.now() < warmUntil; i++) {
    p.run();
    p.check();
  }
  const windows: [number, number][] = [];
  for (let i = 0; i < opts.runs; i++) {
    const t0 = performance.now();
    p.run();
    const t1 = performance.now();
    windows.push([t0, t1]);
    p.check();
  }
  await settle();
  const gcs = windows.map(([a, b]) => gcsIn(a, b));
  return {
    scenario: s,
    prefixes: opts.prefixes,
    messages: p.messages,
    octets: p.octets,
    rate: summarize(windows.map(([a, b]) => opts.prefixes / ((b - a) / 1000))),
    millisPerRun: summarize(windows.map(([a, b]) => b - a)),
    minorGcs: summarize(gcs.map((g) => g.minor)),
    majorGcs: summarize(gcs.map((g) => g.major)),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Allocation: child processes with a fixed young generation

/** Heap in use outside the code spaces (JIT output is not the decoder's allocation). */
function heapUsed(): number {
  let n = 0;
  for (const s of v8.getHeapSpaceStatistics()) if (!s.space_name.startsWith('code')) n += s.space_used_size;
  return n;
}

interface ChildRun {
  readonly bytes: number;
  readonly minor: number;
  readonly major: number;
}

interface ChildReport {
  readonly id: string;
  readonly prefixes: number;
  readonly messages: number;
  readonly semiSpaceMiB: number;
  readonly runs: readonly ChildRun[];
}

async function allocChild(opts: Options): Promise<void> {
  const s = SCENARIOS.find((x) => x.id === opts.allocChild);
  if (!s) throw new Error(`no scenario ${opts.allocChild}`);
  const p = s.prepare(opts.prefixes);
  const warmUntil = performance.now() + 500;
  for (let i = 0; i < 3 || performance.now() < warmUntil; i++) {
    p.run();
    p.check();
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  // What reading the heap statistics itself allocates, subtracted from each figure.
  const c0 = heapUsed();
  const c1 = heapUsed();
  const overhead = c1 - c0;
  const runs: ChildRun[] = [];
  for (let i = 0; i < opts.runs; i++) {
    gc?.();
    await settle();
    const t0 = performance.now();
    const h0 = heapUsed();
    p.run();
    const h1 = heapUsed();
    const t1 = performance.now();
    p.check();
    await settle();
    const { minor, major } = gcsIn(t0, t1);
    runs.push({ bytes: h1 - h0 - overhead, minor, major });
  }
  const semi = process.execArgv.find((a) => a.startsWith('--max-semi-space-size='));
  const report: ChildReport = {
    id: s.id, prefixes: opts.prefixes, messages: p.messages, semiSpaceMiB: semi ? Number(semi.split('=')[1]) : 0, runs,
  };
  console.log(JSON.stringify(report));
}

function runChild(id: string, semiSpaceMiB: number, prefixes: number, runs: number): ChildReport {
  const script = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [
    '--expose-gc', `--min-semi-space-size=${semiSpaceMiB}`, `--max-semi-space-size=${semiSpaceMiB}`,
    script, '--alloc-child', id, '--prefixes', String(prefixes), '--runs', String(runs),
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildReport;
}

interface Allocation {
  readonly id: string;
  readonly title: string;
  readonly prefixes: number;
  readonly messages: number;
  /** Large young generation: runs with no GC at all, so heap growth is what was allocated. */
  readonly bigSemiSpaceMiB: number;
  readonly cleanRuns: number;
  readonly bytesPerRun: number | undefined;
  readonly bytesPerPrefix: number | undefined;
  readonly bytesPerMessage: number | undefined;
  /** Small young generation: scavenges during one decode of all the prefixes. */
  readonly smallSemiSpaceMiB: number;
  readonly scavengesPerRun: number;
}

const BIG_SEMI_SPACE_MIB = 64;
const SMALL_SEMI_SPACE_MIB = 1;

function measureAllocation(s: Scenario, prefixes: number): Allocation {
  const big = runChild(s.id, BIG_SEMI_SPACE_MIB, prefixes, 5);
  const clean = big.runs.filter((r) => r.minor === 0 && r.major === 0).map((r) => r.bytes);
  const perRun = clean.length > 0 ? summarize(clean).median : undefined;
  const small = runChild(s.id, SMALL_SEMI_SPACE_MIB, prefixes, 5);
  return {
    id: s.id,
    title: s.title,
    prefixes,
    messages: big.messages,
    bigSemiSpaceMiB: BIG_SEMI_SPACE_MIB,
    cleanRuns: clean.length,
    bytesPerRun: perRun,
    bytesPerPrefix: perRun === undefined ? undefined : perRun / prefixes,
    bytesPerMessage: perRun === undefined ? undefined : perRun / big.messages,
    smallSemiSpaceMiB: SMALL_SEMI_SPACE_MIB,
    scavengesPerRun: summarize(small.runs.map((r) => r.minor)).median,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Report

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

const range = (s: Summary): string => `${(s.min / 1e6).toFixed(2)}–${(s.max / 1e6).toFixed(2)} M`;

function printAllocations(allocations: readonly Allocation[], results: readonly Measured[], prefixes: number): void {
  const timedGcs = new Map(results.map((r) => [r.scenario.id, r.minorGcs.median]));
  console.log('');
  console.log('Allocation on the decode path (child processes; young generation fixed with --min/--max-semi-space-size):');
  console.log(renderTable(
    ['scenario', 'bytes/run', 'bytes/prefix', 'bytes/message', `scavenges/run @${SMALL_SEMI_SPACE_MIB} MiB`, 'minor GCs/run (timed)'],
    allocations.map((a) => [
      a.title,
      a.bytesPerRun === undefined ? 'n/a (GC ran)' : bytes(a.bytesPerRun),
      a.bytesPerPrefix === undefined ? 'n/a' : a.bytesPerPrefix.toFixed(3),
      a.bytesPerMessage === undefined ? 'n/a' : a.bytesPerMessage.toFixed(0),
      String(a.scavengesPerRun),
      String(timedGcs.get(a.id) ?? 'n/a'),
    ]),
    [false, true, true, true, true, true],
  ));
  console.log(`  bytes: heap growth over one decode of ${prefixes.toLocaleString('en-US')} prefixes with a ${BIG_SEMI_SPACE_MIB} MiB `
    + 'semi-space (median of the runs in which no GC ran; code spaces excluded). scavenges: same decode with a '
    + `${SMALL_SEMI_SPACE_MIB} MiB semi-space. minor GCs (timed): during the timed runs above, default heap.`);
  console.log('  For scale: one small object per prefix would cost >= 40 bytes/prefix on this VM.');
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.allocChild) {
    await allocChild(opts);
    return;
  }
  const machine = {
    node: process.version,
    v8: process.versions.v8,
    cpu: cpuModel(),
    cores: os.cpus().length,
    memoryMiB: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
  console.log('tern codec benchmark');
  console.log(`  node ${machine.node} (V8 ${machine.v8}), ${machine.platform}`);
  console.log(`  cpu  ${machine.cpu}, ${machine.cores} cores, ${machine.memoryMiB} MiB`);
  console.log(`  date ${machine.date}`);
  console.log(`  ${opts.prefixes.toLocaleString('en-US')} distinct prefixes per run, ≥ ${opts.warmups} warm-up runs and ≥ ${opts.warmupMillis} ms, then ${opts.runs} timed runs per scenario${opts.quick ? ' (--quick)' : ''}`);
  console.log('');

  const selected = SCENARIOS.filter((s) => opts.only === undefined || s.id.includes(opts.only));
  const results: Measured[] = [];
  const titleWidth = Math.max(...selected.map((s) => s.title.length));
  for (const s of selected) {
    const m = await measure(s, opts);
    results.push(m);
    console.log(`${s.title.padEnd(titleWidth)}  ${millions(m.rate.median).padStart(9)} prefixes/s  (${range(m.rate)}; `
      + `${m.messages} msgs, ${bytes(m.octets)}, ${m.millisPerRun.median.toFixed(1)} ms/run, minor GCs/run ${m.minorGcs.median})`);
  }

  // --quick measures allocation for the headline scenario only (each child process costs a few seconds).
  const allocScenarios = selected.filter((s) => s.op === 'decode' && (!opts.quick || s.id === 'decode-ipv4-4096'));
  const allocations: Allocation[] = [];
  for (const s of allocScenarios) allocations.push(measureAllocation(s, opts.prefixes));
  if (allocations.length > 0) printAllocations(allocations, results, opts.prefixes);

  console.log('');
  const rows = results.map((m) => {
    const t = m.scenario.target;
    return [
      m.scenario.title,
      millions(m.rate.median),
      range(m.rate),
      t === undefined ? '—' : `≥ ${millions(t, 0)}`,
      t === undefined ? 'n/a' : m.rate.median >= t ? 'met' : 'MISSED',
    ];
  });
  console.log(renderTable(['scenario', 'median prefixes/s', 'min–max', 'target', 'status'], rows, [false, true, true, true, false]));
  if (selected.some((s) => s.id.endsWith('-megamorphic'))) {
    console.log('"visitor not inlined": the walk\'s visitor call site made megamorphic first, as with several RIB callers.');
  }

  if (opts.json) {
    const doc = {
      machine,
      options: { quick: opts.quick, prefixes: opts.prefixes, runs: opts.runs, warmups: opts.warmups, warmupMillis: opts.warmupMillis },
      scenarios: results.map((m) => ({
        id: m.scenario.id,
        title: m.scenario.title,
        op: m.scenario.op,
        prefixes: m.prefixes,
        messages: m.messages,
        octets: m.octets,
        prefixesPerSecond: m.rate,
        millisPerRun: m.millisPerRun,
        minorGcsPerRun: m.minorGcs,
        majorGcsPerRun: m.majorGcs,
        target: m.scenario.target ?? null,
        met: m.scenario.target === undefined ? null : m.rate.median >= m.scenario.target,
      })),
      allocation: allocations,
    };
    writeFileSync(opts.json, JSON.stringify(doc, null, 2) + '\n');
    console.log(`\nfigures written to ${opts.json}`);
  }
  gcObserver.disconnect();
}

await main();
