/**
 * Benchmark FIB watcher, run inside the DUT's namespace: reports when the kernel's main IPv4 table holds
 * the number of routes the runner expects.
 *
 *   node dist/bench/fibwatch.js --ctl SOCK [--interval-ms 10]
 *
 * How it counts: /proc/net/fib_triestat (of the reader's network namespace) gives the number of prefixes
 * in the main table; the kernel computes it by walking its trie, about a millisecond for 100k routes, so a
 * read every 10 ms while a measurement is armed costs ~10 % of a core and gives 10 ms resolution. Only
 * our sender feeds the DUT in the kernel scenario, so the count is the baseline (connected routes, taken
 * at `expect` time when nothing of ours is installed) plus the routes the daemon installed; a full
 * `ip -4 route show` afterwards (`verify`) checks that they are ours (protocol bird or bgp, benchmark
 * prefixes).
 *
 * Why not `ip monitor route`: at BIRD's rate (~250k routes/s) the notifications overflow ip's netlink socket
 * (ENOBUFS: its receive buffer is capped by net.core.rmem_max, and ip asks without SO_RCVBUFFORCE), and
 * a lost notification makes a count that never arrives. The trie statistics cannot lose anything.
 *
 * Control: baseline, expect {count}, verify, status. Events: ready {prefixes}, first, reached {count, at}.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { v4Index } from './routes.js';
import { emit, intArg, parseArgs, required, serveControl, toolMain, wallNow } from './tool-kit.js';

const ROUTING_PROTOS = /\bproto (bird|bgp|12|186)\b/;

/** Prefixes in the main IPv4 table, from the trie statistics. */
function mainPrefixes(): number {
  const text = readFileSync('/proc/net/fib_triestat', 'utf8');
  const main = text.indexOf('Main:');
  const m = /Prefixes:\s+(\d+)/.exec(text.slice(main));
  if (main < 0 || !m) throw new Error('no main table in /proc/net/fib_triestat');
  return Number(m[1]);
}

/** Benchmark routes a routing daemon installed, from a full dump (slow: for checks, not for timing). */
function ourRoutes(): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['-4', 'route', 'show', 'table', 'main'], { maxBuffer: 1 << 28 }, (err, stdout) => {
      if (err) return reject(err);
      let n = 0;
      for (const line of stdout.split('\n')) {
        if (!ROUTING_PROTOS.test(line)) continue;
        const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+) /.exec(line);
        if (!m) continue;
        const address = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
        if (v4Index(address, Number(m[5])) >= 0) n++;
      }
      resolve(n);
    });
  });
}

toolMain(async () => {
  const args = parseArgs(process.argv.slice(2));
  const interval = intArg(args, 'interval-ms', 10);
  let baseline = mainPrefixes();
  let timer: NodeJS.Timeout | undefined;

  const watch = (count: number): void => {
    clearTimeout(timer);
    const target = baseline + count;
    let start: number | undefined;
    let firstSeen = false;
    const poll = (): void => {
      const at = wallNow();
      const n = mainPrefixes();
      start ??= n;
      if (!firstSeen && n !== start) {
        firstSeen = true;
        emit('first', { count: n - baseline, at });
      }
      if (n === target) {
        emit('reached', { count, at });
        return;
      }
      timer = setTimeout(poll, interval);
    };
    poll();
  };

  serveControl(required(args, 'ctl'), async (req) => {
    switch (req.cmd) {
      case 'status':
        return { prefixes: mainPrefixes(), baseline };
      case 'baseline':
        baseline = mainPrefixes();
        return { baseline };
      case 'expect':
        watch(Number(req.count));
        return { prefixes: mainPrefixes(), baseline };
      case 'verify':
        return { ours: await ourRoutes(), prefixes: mainPrefixes(), baseline };
      default:
        throw new Error(`unknown command ${req.cmd}`);
    }
  });
  emit('ready', { prefixes: baseline });
});
