/**
 * What the benchmark's tools (sender, receiver, fibwatch: Node processes the runner starts inside lab
 * namespaces) share: one clock, JSON-line events on stdout, a JSON-line control socket and argv parsing.
 *
 * Clock: every namespace of the lab runs on the same kernel, and network namespaces do not virtualise time,
 * so CLOCK_REALTIME is one clock for all of them. `performance.timeOrigin` is taken from it when the process
 * starts and `performance.now()` is monotonic from there, so `wallNow()` in the sender, in a receiver and in
 * the runner are comparable (to well under a millisecond) and a duration can be one process's timestamp
 * minus another's.
 *
 * Control: the runner cannot write to a tool's stdin (lab.spawn ignores it), but namespaces share the file
 * system, so each tool listens on a Unix socket in the lab's temp dir (a pathname socket, which is not
 * bound to a network namespace). Requests and replies are single JSON lines: {id, cmd, ...} → {id, ok, ...}.
 */
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/** Milliseconds since the epoch on CLOCK_REALTIME, sub-millisecond resolution; see the file comment. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** One event line on stdout: `{"ev": name, "t": wallNow(), ...fields}`. */
export function emit(ev: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ ev, t: wallNow(), ...fields })}\n`);
}

export type Request = { readonly id: number; readonly cmd: string } & Record<string, unknown>;
export type Handler = (req: Request) => Promise<Record<string, unknown>> | Record<string, unknown>;

/** Serves the control socket at `path`; a handler's exception becomes `{ok: false, error}`. */
export function serveControl(path: string, handler: Handler): net.Server {
  if (existsSync(path)) rmSync(path);
  const server = net.createServer((sock) => {
    sock.setEncoding('utf8');
    let buf = '';
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        void answer(line);
      }
    });
    sock.on('error', () => undefined);
    async function answer(line: string): Promise<void> {
      let id = -1;
      try {
        const req = JSON.parse(line) as Request;
        id = req.id;
        const reply = await handler(req);
        sock.write(`${JSON.stringify({ id, ok: true, ...reply })}\n`);
      } catch (err) {
        sock.write(`${JSON.stringify({ id, ok: false, error: err instanceof Error ? err.message : String(err) })}\n`);
      }
    }
  });
  server.listen(path);
  return server;
}

/** `--name value` pairs and bare `--flag`s. */
export function parseArgs(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out.set(a.slice(2), 'true');
    else {
      out.set(a.slice(2), next);
      i++;
    }
  }
  return out;
}

export function required(args: Map<string, string>, name: string): string {
  const v = args.get(name);
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

export function intArg(args: Map<string, string>, name: string, fallback?: number): number {
  const v = args.get(name);
  if (v === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`--${name}: not an integer: ${v}`);
  return n;
}

/** A tool's main: reports a crash as an event and exits 1; exits 0 on SIGTERM/SIGINT. */
export function toolMain(main: () => Promise<void>): void {
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  main().catch((err: unknown) => {
    emit('fatal', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  });
}

/** The IPv4 address `n` places after `base` (dotted quads only). */
export function ipv4Plus(base: string, n: number): string {
  const parts = base.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${base}`);
  const v = (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0) + n;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}
