/**
 * Benchmark sender: one BGP session to the DUT that announces and withdraws the benchmark's prefixes as fast
 * as TCP takes them (every UPDATE packed full by packAnnouncements / packWithdrawals, prepared before the
 * clock starts, written with one socket write), or flaps them at a fixed rate.
 *
 *   node dist/bench/sender.js --ctl SOCK --remote ADDR --local ADDR --asn N --router-id ID --family ipv4|ipv6
 *                             [--ibgp] [--hold 90] [--next-hop ADDR]
 *
 * Control commands (see tool-kit.ts): prepare {count, attrSets}, announce, withdraw, churn {...}, status.
 * Events on stdout: established, eor, sending {what, first}, sent {what, first, last, messages, bytes},
 * churn-done {file, ticks}, down. `first` (and the `sending` event's `t`) is taken right before the first
 * UPDATE byte is written: the start of every measured interval.
 */
import { writeFileSync } from 'node:fs';
import {
  decodeMessage, endOfRib, packAnnouncements, packWithdrawals, parseAddress, type PackedUpdates, type PrefixBatch,
} from '../src/bgp/wire/index.js';
import { LiteSession } from './bgp-lite.js';
import { encodedAttributeSet, prefixBatch, slice, type BenchFamily } from './routes.js';
import { emit, intArg, parseArgs, required, serveControl, toolMain, wallNow } from './tool-kit.js';

interface Prepared {
  readonly batch: PrefixBatch;
  readonly announce: PackedUpdates;
  readonly withdraw: PackedUpdates;
}

function concat(parts: readonly PackedUpdates[]): PackedUpdates {
  const total = parts.reduce((n, p) => n + p.bytes.length, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p.bytes, at);
    at += p.bytes.length;
  }
  return { bytes, messages: parts.reduce((n, p) => n + p.messages, 0) };
}

toolMain(async () => {
  const args = parseArgs(process.argv.slice(2));
  const family = required(args, 'family') as BenchFamily;
  if (family !== 'ipv4' && family !== 'ipv6') throw new Error(`--family must be ipv4 or ipv6`);
  const asn = intArg(args, 'asn');
  const ibgp = args.has('ibgp');
  const local = required(args, 'local');
  const nextHop = args.get('next-hop') ?? local;
  const session = new LiteSession({
    remote: required(args, 'remote'),
    local,
    asn,
    routerId: required(args, 'router-id'),
    holdTime: intArg(args, 'hold', 90),
    family: family === 'ipv4' ? 'ipv4-unicast' : 'ipv6-unicast',
    ebgp: !ibgp,
    onDown: (why) => emit('down', { why }),
    // End-of-RIB from the DUT: its initial update to us is done (the runner's "settled" signal).
    onUpdate: (m, s) => {
      if (eor) return;
      const r = decodeMessage(m, s.ctx);
      if (r.action !== 'session-reset' && r.message.type === 'UPDATE' && endOfRib(r.message) !== undefined) {
        eor = true;
        emit('eor', {});
      }
    },
  });
  let eor = false;
  const attrOpts = { asn, ibgp, ...(family === 'ipv4' ? { nextHop } : {}) };
  const mp = family === 'ipv6' ? { nextHop: parseAddress(nextHop) } : undefined;

  let prepared: Prepared | undefined;
  let churning = false;

  const pack = (batch: PrefixBatch, attrSet: number): PackedUpdates =>
    packAnnouncements(batch, encodedAttributeSet(attrSet, attrOpts), session.ctx, mp);

  const send = async (what: string, packed: PackedUpdates): Promise<Record<string, unknown>> => {
    const first = wallNow();
    emit('sending', { what, first });
    await session.write(packed.bytes);
    const last = wallNow();
    const fields = { what, first, last, messages: packed.messages, bytes: packed.bytes.length };
    emit('sent', fields);
    return fields;
  };

  serveControl(required(args, 'ctl'), async (req) => {
    switch (req.cmd) {
      case 'status':
        return { established: session.established, attempts: session.attempts };
      case 'prepare': {
        const count = Number(req.count);
        const attrSets = Math.max(1, Number(req.attrSets ?? 1));
        const batch = prefixBatch(family, count);
        // Attribute set k owns a contiguous block of prefixes: one packing run (full UPDATEs) per set.
        const parts: PackedUpdates[] = [];
        for (let k = 0; k < attrSets; k++) {
          const start = Math.floor((k * count) / attrSets);
          const end = Math.floor(((k + 1) * count) / attrSets);
          if (end > start) parts.push(pack(slice(batch, start, end - start), k));
        }
        prepared = { batch, announce: concat(parts), withdraw: packWithdrawals(batch, session.ctx) };
        return { messages: prepared.announce.messages, bytes: prepared.announce.bytes.length };
      }
      case 'announce':
        if (!prepared) throw new Error('prepare first');
        return send('announce', prepared.announce);
      case 'withdraw':
        if (!prepared) throw new Error('prepare first');
        return send('withdraw', prepared.withdraw);
      case 'churn': {
        if (!prepared) throw new Error('prepare (and announce) first');
        if (churning) throw new Error('already churning');
        churning = true;
        void churn(prepared.batch, {
          changesPerSecond: Number(req.changesPerSecond),
          tickMs: Number(req.tickMs ?? 100),
          downMs: Number(req.downMs ?? 1000),
          durationMs: Number(req.durationMs),
          file: String(req.file),
        }).finally(() => {
          churning = false;
        });
        return {};
      }
      default:
        throw new Error(`unknown command ${req.cmd}`);
    }
  });

  interface ChurnOptions {
    readonly changesPerSecond: number;
    readonly tickMs: number;
    readonly downMs: number;
    readonly durationMs: number;
    readonly file: string;
  }

  /**
   * Every tick, withdraw the next `perTick` prefixes (round robin over the batch) and re-announce the ones
   * withdrawn `downMs` earlier: changesPerSecond prefix changes per second, half withdrawals, half
   * announcements, each prefix down for downMs once per cycle. Ticks are scheduled against the start time,
   * so a slow tick does not slow the rate. Withdrawals stop `downMs` before the end, so that at the end of
   * `durationMs` every prefix is announced again. The log (one entry
   * per tick: time written and the slices withdrawn/announced) goes to `file` for the runner to match with
   * the receiver's log.
   */
  async function churn(batch: PrefixBatch, o: ChurnOptions): Promise<void> {
    const perTick = Math.max(1, Math.round((o.changesPerSecond * o.tickMs) / 1000 / 2));
    const downTicks = Math.max(1, Math.round(o.downMs / o.tickMs));
    const ticks = Math.floor(o.durationMs / o.tickMs) - downTicks;
    const n = batch.count;
    if (perTick * (downTicks + 1) > n || ticks < 1) throw new Error('churn rate too high for the prefix count, or duration too short');
    const down: { start: number; count: number }[] = [];
    const log: { t: number; w: number[]; a: number[] }[] = [];
    const attrs = encodedAttributeSet(0, attrOpts);
    // [start, count] pairs of a wrapped range.
    const ranges = (start: number, count: number): number[] =>
      start + count <= n ? [start, count] : [start, n - start, 0, count - (n - start)];
    const packRanges = (r: number[], withdraw: boolean): PackedUpdates[] => {
      const out: PackedUpdates[] = [];
      for (let j = 0; j < r.length; j += 2) {
        const b = slice(batch, r[j]!, r[j + 1]!);
        out.push(withdraw ? packWithdrawals(b, session.ctx) : packAnnouncements(b, attrs, session.ctx, mp));
      }
      return out;
    };
    let cursor = 0;
    const t0 = wallNow();
    for (let k = 0; k <= ticks + downTicks; k++) {
      const due = t0 + k * o.tickMs;
      const wait = due - wallNow();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!session.established) break;
      const parts: PackedUpdates[] = [];
      const w = k < ticks ? ranges(cursor, perTick) : [];
      if (k < ticks) {
        parts.push(...packRanges(w, true));
        down.push({ start: cursor, count: perTick });
        cursor = (cursor + perTick) % n;
      }
      let a: number[] = [];
      if (k >= downTicks && down.length > 0) {
        const back = down.shift()!;
        a = ranges(back.start, back.count);
        parts.push(...packRanges(a, false));
      }
      if (parts.length === 0) continue;
      const t = wallNow();
      void session.write(concat(parts).bytes).catch(() => undefined);
      log.push({ t, w, a });
    }
    writeFileSync(o.file, JSON.stringify({ t0, tickMs: o.tickMs, log }));
    emit('churn-done', { file: o.file, ticks: log.length });
  }

  await session.establish(Date.now() + intArg(args, 'connect-timeout', 60) * 1000);
  emit('established', { attempts: session.attempts });
});
