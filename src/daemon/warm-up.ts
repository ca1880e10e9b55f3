/**
 * Primes the hot paths before the first session comes up. V8 runs new code in its interpreter and compiles
 * it to machine code only once it has run for a while, so the first table a freshly started ternd receives
 * paid for the compilation: measured in-process, the Loc-RIB and an update group took 130 ms of CPU for the
 * first 100,000 prefixes and 25 ms for the next 100,000. Here the daemon's own pipeline — framing, UPDATE
 * decoding, RouteExchange into a scratch Loc-RIB, the update groups, UPDATE packing — runs over a
 * synthetic table between two scratch sessions (scratch-exchange.ts), announced and withdrawn, IPv4 and
 * IPv6, before any real session starts. Nothing of it reaches a socket, the kernel or the real RIB; it is
 * garbage afterwards.
 *
 * The input comes as a socket gives it, Node Buffers 64 KiB at a time, and a quarter of the table is
 * replaced by routes of another set before the withdrawal: code compiled for other input shapes or never
 * taken branches was thrown away again at the first real table ("wrong map", "insufficient type feedback"
 * in `--trace-deopt`).
 *
 * Last comes a table of many small UPDATEs, each with an attribute set of its own (`sets`, new ones each
 * round). V8 compiles a function once it has run enough, counted in bytecode run: code run per prefix gets
 * there within the big tables, but code run once per UPDATE or per new set (attribute decoding, interning,
 * export, attribute encoding, dropping a set) runs a few dozen times in them and stayed in the interpreter:
 * the first real table of 1000 sets paid 30–75 µs a set for it where compiled code takes 10–15. In the
 * benchmark's 100k-prefixes-under-1000-sets cell (tern alone, alternating runs, 6 each) the table then
 * arrived in 125–182 ms (median 143) instead of 154–224 (207), DUT CPU 0.25 s instead of 0.33; the 1M cell
 * did not move (median 669 against 655 ms, CPU 0.83 against 0.85 s). It costs about 50 ms of start-up and
 * no resident memory that shows (a process that only warms up: 81–85 MB with it or without, 3 runs each).
 * That was two rounds. Four, once every round ends with a prune (below), got the functions run per UPDATE
 * and per set (`decodeUpdate`, `exportRoute`, `prependAs`, `wireAttributes`…: `--log-code` showed them
 * compiled only during the first real table) hot before it: in the bench, tern alone, 6–7 alternating
 * runs, the 1000-set table 162–167 → 126–137 ms (medians), DUT CPU 0.21–0.23 → 0.14–0.17 s, 100k
 * prefixes of one set 77 → 60 ms, the 1M table 809 → 747 ms; IPv6 did not move. Resident after start
 * +7 MB (V8's young generation grows in it); the 1M peak by 0 to 8 MB (medians of two batches: 161–164
 * against 164–170 MB, 177 against 169), under the 2× BIRD target still. Three rounds gained less than half
 * of that and six no more than four. An earlier version ran this table first, before the one-set tables,
 * and measured slower than none; run last it pays.
 *
 * After every withdrawal the scratch exchange's clock is moved on past its prune delay, so the timer that
 * prunes the Loc-RIB and lets the update groups forget dropped sets runs as it does in the daemon, and the
 * next round's announcements take the freed slots. Without it the first table after a real prune ran cold
 * code: a second table of 1000 new sets, announced after the first was withdrawn and pruned, took as long
 * as the first (in-process, `--trace-deopt`: the prefix table's free list, `prune` and `remove` compiled or
 * thrown away again, "insufficient type feedback"). The clock is the warm-up's own, started at the daemon's
 * time: nothing it starts is left on the daemon's event loop.
 *
 * The daemon runs it after building its own RIB and sessions and before starting them (daemon.ts): run
 * earlier, building those objects threw part of the compiled code away again (`--trace-deopt`: "code
 * dependencies").
 *
 * Costs about 0.5 s of start-up on this machine (logged as `daemon.warm-up`); `--no-warm-up` skips it.
 */
import type { Clock } from '../common/clock.js';
import {
  appendAnnouncements, attribute, encodeAttributesForPacking, IPV4_UNICAST, IPV6_UNICAST, packAnnouncements, packWithdrawals,
  UpdateBuffer, parseAddress, type CodecContext, type PrefixBatch,
} from '../bgp/wire/index.js';
import { scratchExchange } from './scratch-exchange.js';

/** `count` distinct prefixes spread over the space (i × an odd constant is a bijection), as a full table is. */
function batch(family: 'ipv4' | 'ipv6', count: number): PrefixBatch {
  const width = family === 'ipv4' ? 1 : 4;
  const words = new Uint32Array(count * width);
  for (let i = 0; i < count; i++) {
    const x = Math.imul(i, 0x9e3779b1) >>> 0;
    if (family === 'ipv4') words[i] = ((x & 0xffffff) << 8) >>> 0;
    else {
      words[i * 4] = (0x2a000000 | (x >>> 16)) >>> 0;
      words[i * 4 + 1] = ((x & 0xffff) << 16) >>> 0;
    }
  }
  const lengths = new Uint8Array(count).fill(family === 'ipv4' ? 24 : 48);
  return { family: family === 'ipv4' ? IPV4_UNICAST : IPV6_UNICAST, count, words, lengths };
}

/**
 * The prefixes of `b` announced under `sets` attribute sets, one UPDATE each, back to back. The sets differ by
 * a private 4-octet AS (RFC 6996) in the AS path and by a community, numbers above 2^31 as real ones are
 * (V8 stores those unlike small integers); `round` gives every round sets of its own.
 */
function manySetUpdates(b: PrefixBatch, sets: number, ctx: CodecContext, round: number): Uint8Array {
  // One buffer for all (packAnnouncements per set would leave a 4 KiB buffer each, resident after warm-up).
  const out = new UpdateBuffer(sets * 128 + b.count * 5);
  for (let k = 0; k < sets; k++) {
    const from = Math.floor((k * b.count) / sets);
    const to = Math.floor(((k + 1) * b.count) / sets);
    const part = { family: b.family, count: to - from, words: b.words.subarray(from, to), lengths: b.lengths.subarray(from, to) };
    const n = round * sets + k;
    const attrs = encodeAttributesForPacking([
      attribute({ type: 'origin', origin: 'igp' }),
      attribute({ type: 'as-path', segments: [{ type: 'sequence', asns: [64501, 4_200_000_000 + n] }] }),
      attribute({ type: 'next-hop', nextHop: '192.0.2.2' }),
      attribute({ type: 'communities', communities: [(0xfde9_0000 | (n & 0xffff)) >>> 0] }),
    ], ctx);
    appendAnnouncements(out, part, attrs, ctx);
  }
  return out.done().bytes;
}

export interface WarmUpResult {
  /** Octets the scratch receiving session was sent (announcements, withdrawals, End-of-RIB). */
  readonly sent: number;
  /** Routes the scratch Loc-RIB held after the first announcements, per family. */
  readonly routes: { readonly ipv4: number; readonly ipv6: number };
  /** Attribute sets the first many-sets table added to the scratch store (received and exported ones). */
  readonly sets: number;
  /** Loc-RIB slots still waiting for a prune at the end (0: every withdrawal was pruned, as the daemon does). */
  readonly retired: number;
}

export interface WarmUpOptions {
  /** IPv4 prefixes (IPv6: a quarter as many). */
  readonly prefixes?: number;
  /** Times the tables are announced and withdrawn. */
  readonly rounds?: number;
  /** Attribute sets of the many-sets table (one UPDATE each, new ones each round); 0: no such table. */
  readonly sets?: number;
  /** IPv4 prefixes of the many-sets table, spread evenly over its sets. */
  readonly setPrefixes?: number;
  /** Times the many-sets table is announced and withdrawn. */
  readonly setRounds?: number;
}

/** Run the pipeline over the tables, `rounds` times. */
export function warmUp(clock: Clock, options: WarmUpOptions = {}): WarmUpResult {
  const { prefixes = 32_768, rounds = 2, sets = 512, setPrefixes = 1024, setRounds = 4 } = options;
  // Time starts at the daemon's: receive times of epoch size are doubles, and code compiled on small
  // integers was thrown away at the first real table ("not a Smi" in `--trace-deopt`).
  const scratch = scratchExchange(clock.now());
  const { rib, exchange, ctx, deliver } = scratch;
  // The quiet time after a burst, after which the exchange prunes (RouteExchange.schedulePrune).
  const quiet = (): void => scratch.clock.advance(1_000);
  const v4 = batch('ipv4', prefixes);
  const v6 = batch('ipv6', Math.max(1, prefixes >>> 2));
  const common = [
    attribute({ type: 'origin', origin: 'igp' }),
    attribute({ type: 'as-path', segments: [{ type: 'sequence', asns: [64501, 64510] }] }),
    attribute({ type: 'med', med: 10 }),
  ];
  const v4Attrs = encodeAttributesForPacking([...common, attribute({ type: 'next-hop', nextHop: '192.0.2.2' })], ctx);
  // A quarter of the table again under another set: the path of a route replaced by a new one.
  const v4Part = { ...v4, count: v4.count >>> 2 };
  const v4Other = encodeAttributesForPacking([
    attribute({ type: 'origin', origin: 'igp' }),
    attribute({ type: 'as-path', segments: [{ type: 'sequence', asns: [64501, 64520, 64510] }] }),
    attribute({ type: 'next-hop', nextHop: '192.0.2.2' }),
  ], ctx);
  const v6Attrs = encodeAttributesForPacking(common, ctx);
  const v6NextHop = { nextHop: Uint8Array.from(parseAddress('2001:db8::2')) };
  let routes = { ipv4: 0, ipv6: 0 };
  for (let r = 0; r < rounds; r++) {
    deliver(packAnnouncements(v4, v4Attrs, ctx).bytes);
    deliver(packAnnouncements(v6, v6Attrs, ctx, v6NextHop).bytes);
    deliver(packAnnouncements(v4Part, v4Other, ctx).bytes);
    if (r === 0) routes = { ipv4: rib.size('ipv4-unicast'), ipv6: rib.size('ipv6-unicast') };
    deliver(packWithdrawals(v4, ctx).bytes);
    deliver(packWithdrawals(v6, ctx).bytes);
    quiet();
  }
  const many = batch('ipv4', setPrefixes);
  let setsHeld = 0;
  for (let r = 0; r < setRounds && sets > 0; r++) {
    const before = exchange.store.size;
    deliver(manySetUpdates(many, sets, ctx, r));
    if (r === 0) setsHeld = exchange.store.size - before;
    deliver(packWithdrawals(many, ctx).bytes);
    quiet();
  }
  scratch.close();
  return { sent: scratch.sent().octets, routes, sets: setsHeld, retired: rib.retired };
}
