/**
 * Benchmark receiver: N BGP sessions to the DUT from N consecutive source addresses, each holding the
 * benchmark prefixes it was sent in a set of prefix indexes (routes.ts), so the count is right under
 * announce, withdraw, re-announce (an implicit replace adds nothing) and withdraw-of-unknown. ADD-PATH is
 * off: one path per prefix. Prefixes outside the benchmark ranges are counted apart, never in that set.
 *
 * The set is a bitmap, not a JS Set: the receiver is part of what a pass-through cell times, and with a Set
 * it was the slowest part of the 1M withdrawal (its handler busy 265–454 ms while the DUT had written its
 * last withdrawal 120–130 ms before the receiver held none; a Set's add and delete of a million indexes
 * took 104–130 and 88–99 ms, a bitmap's 4–5 and 3–4).
 *
 *   node dist/bench/receiver.js --ctl SOCK --remote ADDR --local ADDR --sessions N --asn N --family ipv4|ipv6
 *                               [--ibgp] [--hold 90] [--router-id-base A.B.C.D]
 *
 * Control: expect {count} (emit `reached` once every session holds exactly `count`), log {on} (record
 * membership changes of session 0 for the churn latency), dump {file}, status.
 * Events: connecting, established {sessions, first, last}, eor (every session got End-of-RIB), first {…}
 * (first change after an expect), reached {count}, down {session, why}.
 */
import { writeFileSync } from 'node:fs';
import { decodeMessage, endOfRib, forEachIPv4, forEachPrefix, type NlriList, type UpdateMessage } from '../src/bgp/wire/index.js';
import { LiteSession } from './bgp-lite.js';
import { v4Index, v6Index, type BenchFamily } from './routes.js';
import { emit, intArg, ipv4Plus, parseArgs, required, serveControl, toolMain, wallNow } from './tool-kit.js';

/** A growable log of (prefix index, kind, time): kind 1 = announced, 0 = withdrawn (while held). */
class ChangeLog {
  private buf = new Float64Array(3 * 65536);
  length = 0;
  push(index: number, kind: number, t: number): void {
    if (this.length * 3 + 3 > this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length * 3] = index;
    this.buf[this.length * 3 + 1] = kind;
    this.buf[this.length * 3 + 2] = t;
    this.length++;
  }
  toJSON(): number[] {
    return Array.from(this.buf.subarray(0, this.length * 3));
  }
}

/** Prefix indexes held: one octet each, grown to the highest index seen. */
class IndexSet {
  private bits = new Uint8Array(1024);
  size = 0;
  add(i: number): void {
    if (i >= this.bits.length) {
      let n = this.bits.length;
      while (n <= i) n *= 2;
      const grown = new Uint8Array(n);
      grown.set(this.bits);
      this.bits = grown;
    }
    if (this.bits[i] === 0) {
      this.bits[i] = 1;
      this.size++;
    }
  }
  /** Whether `i` was held (and now is not). */
  delete(i: number): boolean {
    if (i >= this.bits.length || this.bits[i] === 0) return false;
    this.bits[i] = 0;
    this.size--;
    return true;
  }
}

class Table {
  /** Changes over all tables, for the `first` event. */
  static total = 0;
  readonly held = new IndexSet();
  readonly foreign = new Set<string>();
  reached = false;
  /** End-of-RIB received: the DUT's initial update to this session is complete. */
  eor = false;
  log: ChangeLog | undefined;
  /** Arrival time of the TCP read being processed (for the change log). */
  now = 0;
  changes = 0;

  readonly add4 = (address: number, length: number): void => {
    const i = v4Index(address, length);
    if (i < 0) this.foreign.add(`${address}/${length}`);
    else this.addIndex(i);
  };
  readonly del4 = (address: number, length: number): void => {
    const i = v4Index(address, length);
    if (i < 0) this.foreign.delete(`${address}/${length}`);
    else this.delIndex(i);
  };
  readonly add6 = (bytes: Uint8Array, offset: number, length: number): void => {
    const i = v6Index(bytes, offset, length);
    if (i < 0) this.foreign.add(`${Buffer.from(bytes.subarray(offset, offset + ((length + 7) >>> 3))).toString('hex')}/${length}`);
    else this.addIndex(i);
  };
  readonly del6 = (bytes: Uint8Array, offset: number, length: number): void => {
    const i = v6Index(bytes, offset, length);
    if (i < 0) this.foreign.delete(`${Buffer.from(bytes.subarray(offset, offset + ((length + 7) >>> 3))).toString('hex')}/${length}`);
    else this.delIndex(i);
  };

  private addIndex(i: number): void {
    this.held.add(i);
    this.changes++;
    Table.total++;
    this.log?.push(i, 1, this.now);
  }
  private delIndex(i: number): void {
    if (this.held.delete(i)) {
      this.changes++;
      Table.total++;
      this.log?.push(i, 0, this.now);
    }
  }

  apply(u: UpdateMessage, withdrawOnly: readonly NlriList[] | undefined): void {
    // Withdrawals first, as RFC 4271 §9 orders them within one UPDATE.
    if (u.withdrawn.count > 0) forEachIPv4(u.withdrawn, this.del4);
    for (const a of u.attributes) {
      if (a.type === 'mp-unreach' && a.withdrawn.family) this.walk(a.withdrawn, false);
    }
    if (withdrawOnly) {
      for (const list of withdrawOnly) this.walk(list, false);
      return;
    }
    for (const a of u.attributes) {
      if (a.type === 'mp-reach' && a.nlri.family) this.walk(a.nlri, true);
    }
    if (u.nlri.count > 0) forEachIPv4(u.nlri, this.add4);
  }

  private walk(list: NlriList, add: boolean): void {
    if (list.afi === 1) forEachIPv4(list, add ? this.add4 : this.del4);
    else forEachPrefix(list, add ? this.add6 : this.del6);
  }
}

toolMain(async () => {
  const args = parseArgs(process.argv.slice(2));
  const family = required(args, 'family') as BenchFamily;
  const n = intArg(args, 'sessions', 1);
  const local = required(args, 'local');
  const ibgp = args.has('ibgp');
  const routerIdBase = args.get('router-id-base') ?? (family === 'ipv4' ? local : '10.77.200.1');
  const tables: Table[] = [];
  const sessions: LiteSession[] = [];
  let target: number | undefined;
  let reachedCount = 0;
  let firstSeen = false;
  let changesAtArm = 0;
  let errors = 0;
  let eorCount = 0;
  let drops = 0;
  let onDownDuringSetup: ((s: LiteSession) => void) | undefined;

  const check = (table: Table): void => {
    if (target === undefined) return;
    if (!firstSeen && Table.total > changesAtArm) {
      firstSeen = true;
      emit('first', { count: table.held.size });
    }
    if (!table.reached && table.held.size === target) {
      table.reached = true;
      if (++reachedCount === tables.length) emit('reached', { count: target });
    }
  };

  for (let i = 0; i < n; i++) {
    const table = new Table();
    tables.push(table);
    const address = family === 'ipv4' ? ipv4Plus(local, i) : local;
    if (family === 'ipv6' && n > 1) throw new Error('several IPv6 sessions are not supported (one source address)');
    sessions.push(
      new LiteSession({
        remote: required(args, 'remote'),
        local: address,
        asn: intArg(args, 'asn'),
        routerId: ipv4Plus(routerIdBase, i),
        holdTime: intArg(args, 'hold', 90),
        family: family === 'ipv4' ? 'ipv4-unicast' : 'ipv6-unicast',
        ebgp: !ibgp,
        onUpdate: (m, s) => {
          table.now = table.log ? wallNow() : 0;
          const r = decodeMessage(m, s.ctx);
          if (r.action === 'session-reset') {
            if (errors++ < 5) emit('decode-error', { session: i, errors: r.errors.map((e) => e.reason) });
            return;
          }
          const u = r.message as UpdateMessage;
          if (!table.eor && endOfRib(u) !== undefined) {
            table.eor = true;
            if (++eorCount === n) emit('eor', { sessions: n });
          }
          table.apply(u, r.action === 'treat-as-withdraw' ? r.withdraw : undefined);
        },
        afterData: () => check(table),
        onDown: (why, s) => (onDownDuringSetup ? onDownDuringSetup(s) : emit('down', { session: i, address, why })),
      }),
    );
  }

  serveControl(required(args, 'ctl'), (req) => {
    switch (req.cmd) {
      case 'status':
        return {
          established: sessions.filter((s) => s.established).length,
          held: tables.map((t) => t.held.size),
          foreign: tables.reduce((s, t) => s + t.foreign.size, 0),
        };
      case 'expect': {
        target = Number(req.count);
        reachedCount = 0;
        firstSeen = false;
        changesAtArm = Table.total;
        for (const t of tables) t.reached = false;
        for (const t of tables) check(t);
        return { held: tables.map((t) => t.held.size).slice(0, 5) };
      }
      case 'log':
        tables[0]!.log = req.on ? new ChangeLog() : undefined;
        return {};
      case 'dump': {
        const log = tables[0]!.log;
        writeFileSync(String(req.file), JSON.stringify({ events: log ? log.toJSON() : [] }));
        return { events: log?.length ?? 0 };
      }
      default:
        throw new Error(`unknown command ${req.cmd}`);
    }
  });

  // Until every session is up at the same time, a session the DUT closes is simply brought up again (as a
  // real speaker would reconnect) and counted; once all are up, a lost session is an event (`down`).
  const deadline = Date.now() + intArg(args, 'connect-timeout', 60) * 1000;
  emit('connecting', { sessions: n });
  const first = wallNow();
  let last = first;
  const failures: string[] = [];
  const bringUp = async (s: LiteSession): Promise<void> => {
    try {
      await s.establish(deadline);
      last = Math.max(last, wallNow());
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  };
  let pending: Promise<void>[] = sessions.map(bringUp);
  onDownDuringSetup = (s) => {
    drops++;
    pending.push(bringUp(s));
  };
  while (pending.length > 0) {
    const batch = pending;
    pending = [];
    await Promise.all(batch);
  }
  onDownDuringSetup = undefined;
  const attempts = sessions.reduce((a, s) => a + s.attempts, 0);
  const up = sessions.filter((s) => s.established).length;
  if (up < n) {
    emit('establish-failed', { sessions: n, established: up, attempts, drops, why: failures[0] ?? 'a session went down' });
    return;
  }
  emit('established', { sessions: n, first, last, attempts, drops });
});
