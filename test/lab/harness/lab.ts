// The lab: network namespaces, veth pairs, bridges and processes for interop tests against real BGP daemons.
//
// Rules this file enforces (see README.md next to this file, and test/lab/harness.test.ts):
// - every namespace is named `tern-<pid>-<rand4>-<short>`, so parallel runs and other tools never collide;
// - everything the lab creates is recorded *before* it is created, so `destroy()` can undo a setup that failed
//   halfway; `destroy()` is idempotent and also runs (synchronously, best effort) when the Node process exits;
// - processes are only ever signalled by the PIDs this lab spawned (never by name);
// - links and addresses are only created inside lab namespaces (`ip -n <ns> …`), never in the root namespace,
//   and interface addresses must lie in 10.77.0.0/16, fd77::/16 or fe80::/10.
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, constants as fsConstants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { tmpdir as osTmpdir } from 'node:os';
import path from 'node:path';
import { execa, execaSync } from 'execa';
import { describeValue, sleep } from './wait.js';

// ---------------------------------------------------------------------------------------------------------
// Public types

export interface ExecOptions {
  /** Kill the command and fail after this many milliseconds (default 30 000). */
  timeoutMs?: number;
  /** Written to the command's stdin. */
  input?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  cwd?: string;
}

export interface SpawnOptions {
  /** Label used in diagnostics (default: the command's basename). */
  name?: string;
  env?: Record<string, string>;
  cwd?: string;
  /** How long `stop()` waits after SIGTERM before sending SIGKILL (default 5 000 ms). */
  graceMs?: number;
  /** Keep at most this many bytes of combined stdout/stderr; older output is dropped (default 4 MiB). */
  maxOutputBytes?: number;
  /** Runs after the process has exited and before `exited` resolves (e.g. removing files it left behind). */
  afterExit?: (info: ExitInfo, pid: number) => Promise<void> | void;
}

export interface ExitInfo {
  /** Exit code, or null when the process died from a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LabProcess {
  readonly pid: number;
  readonly name: string;
  readonly ns: string;
  /** The full command line, for diagnostics. */
  readonly command: string;
  /** Resolves (never rejects) when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  /** Exit information once the process is gone, undefined while it runs. */
  exitInfo(): ExitInfo | undefined;
  running(): boolean;
  /** Combined stdout+stderr captured so far (tail, bounded by maxOutputBytes). */
  output(): string;
  /** Sends a signal to this PID (no-op if it already exited). */
  kill(signal?: NodeJS.Signals | number): void;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface Endpoint {
  ns: string;
  ifname: string;
  /** CIDRs to add once the link exists (IPv6 ones with nodad). */
  addrs?: string[];
}

export interface Lab {
  /** `<pid>-<rand4>`: the part of every namespace name that identifies this lab. */
  readonly id: string;
  /** Namespaces created so far (full names). */
  readonly namespaces: readonly string[];
  /** Processes spawned so far (running or not). */
  readonly processes: readonly LabProcess[];
  /** Creates `tern-<pid>-<rand4>-<short>`, brings its loopback up and returns the full name. */
  namespace(short: string): Promise<string>;
  /** Creates a veth pair with one end in each namespace (both ends start down). */
  veth(nsA: string, ifA: string, nsB: string, ifB: string): Promise<void>;
  /** veth + addresses + up on both ends. */
  connect(a: Endpoint, b: Endpoint): Promise<void>;
  /** Adds an IPv4 or IPv6 address (IPv6 with nodad, so it is usable at once). */
  addr(ns: string, ifname: string, cidr: string): Promise<void>;
  up(ns: string, ifname: string): Promise<void>;
  /** Creates a bridge in `ns` and brings it up. */
  bridge(ns: string, name: string): Promise<void>;
  /** Enslaves `ifname` to `bridge` (both in `ns`). */
  attach(ns: string, ifname: string, bridge: string): Promise<void>;
  /** Runs `cmd args` inside `ns` and returns its stdout; throws with stderr (and stdout) on failure. */
  exec(ns: string, cmd: string, args: readonly string[], opts?: ExecOptions): Promise<string>;
  /** Starts a long-running process inside `ns` via `ip netns exec`; the lab owns and tracks its PID. */
  spawn(ns: string, cmd: string, args: readonly string[], opts?: SpawnOptions): LabProcess;
  /** A fresh directory under this lab's private temp root (removed by destroy unless TERN_LAB_KEEP=1). */
  tmpdir(name?: string): Promise<string>;
  /** Output of every process, for a failing test's message. */
  diagnostics(): string;
  /** Stops every spawned process, deletes every namespace and the temp root. Safe to call repeatedly. */
  destroy(): Promise<void>;
}

export class LabCommandError extends Error {
  constructor(
    message: string,
    readonly stdout: string,
    readonly stderr: string,
    readonly exitCode: number | undefined,
  ) {
    super(message);
    this.name = 'LabCommandError';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Availability

export interface LabAvailability {
  ok: boolean;
  why?: string;
}

export type LabDaemon = 'bird' | 'frr' | 'gobgp';

/** Where FRR's daemons live (Debian: /usr/lib/frr); override with TERN_FRR_DIR. */
export const FRR_DIR = process.env.TERN_FRR_DIR ?? '/usr/lib/frr';

const DAEMON_BINARIES: Record<LabDaemon, string[]> = {
  bird: ['bird', 'birdc'],
  frr: [path.join(FRR_DIR, 'zebra'), path.join(FRR_DIR, 'bgpd'), 'vtysh'],
  gobgp: ['gobgpd', 'gobgp'],
};

let cachedBase: LabAvailability | undefined;

/**
 * Whether lab tests can run here: Linux, root, a working `ip netns` (probed by adding and deleting a
 * namespace), and the requested daemons' binaries. Use as `describe.skipIf(!avail.ok)` with `avail.why`.
 */
export function labAvailable(opts: { daemons?: readonly LabDaemon[] } = {}): LabAvailability {
  cachedBase ??= probeBase();
  if (!cachedBase.ok) return cachedBase;
  const missing: string[] = [];
  for (const daemon of opts.daemons ?? []) {
    for (const bin of DAEMON_BINARIES[daemon]) if (!findExecutable(bin)) missing.push(bin);
  }
  if (missing.length > 0) return { ok: false, why: `missing daemon binaries: ${missing.join(', ')}` };
  return { ok: true };
}

/** Throws (with the reason) unless {@link labAvailable} says yes. */
export function requireRoot(opts: { daemons?: readonly LabDaemon[] } = {}): void {
  const avail = labAvailable(opts);
  if (!avail.ok) throw new Error(`lab unavailable: ${avail.why ?? 'unknown reason'}`);
}

function probeBase(): LabAvailability {
  if (process.platform !== 'linux') return { ok: false, why: `lab tests need Linux (this is ${process.platform})` };
  const uid = process.getuid?.();
  if (uid !== 0) return { ok: false, why: `lab tests need root for ip netns (running as uid ${uid ?? '?'})` };
  if (!findExecutable('ip')) return { ok: false, why: 'iproute2 `ip` not found in PATH' };
  const probe = `tern-${process.pid}-${rand4()}-probe`;
  try {
    execaSync('ip', ['netns', 'add', probe], { timeout: 10_000 });
  } catch (err) {
    return { ok: false, why: `\`ip netns add\` does not work here: ${errorText(err)}` };
  }
  try {
    execaSync('ip', ['netns', 'del', probe], { timeout: 10_000 });
  } catch (err) {
    return { ok: false, why: `\`ip netns del\` failed for the probe namespace ${probe}: ${errorText(err)}` };
  }
  return { ok: true };
}

/** Absolute path of an executable (absolute names are checked as is; others searched in PATH and sbin). */
export function findExecutable(name: string): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin']
        .filter((dir) => dir !== '')
        .map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Address rules

const ALLOWED = new BlockList();
ALLOWED.addSubnet('10.77.0.0', 16, 'ipv4');
ALLOWED.addSubnet('fd77::', 16, 'ipv6');
ALLOWED.addSubnet('fe80::', 10, 'ipv6');

/** Throws unless `address` (no prefix length) is inside 10.77.0.0/16, fd77::/16 or fe80::/10. */
export function assertLabAddress(address: string): void {
  const family = isIP(address);
  if (family === 0) throw new Error(`not an IP address: ${JSON.stringify(address)}`);
  if (!ALLOWED.check(address, family === 4 ? 'ipv4' : 'ipv6')) {
    throw new Error(`address ${address} is outside the lab ranges 10.77.0.0/16, fd77::/16, fe80::/10`);
  }
}

/**
 * Parses and checks a CIDR: the address must be a lab address and the prefix no shorter than the lab range
 * it falls in (so a connected route can never cover anything outside the lab ranges).
 */
export function parseLabCidr(cidr: string): { address: string; length: number; family: 4 | 6 } {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!match) throw new Error(`not a CIDR (address/length): ${JSON.stringify(cidr)}`);
  const address = match[1] ?? '';
  const length = Number(match[2]);
  assertLabAddress(address);
  const family = isIP(address) === 4 ? 4 : 6;
  const min = family === 4 ? 16 : address.toLowerCase().startsWith('fe') ? 10 : 16;
  const max = family === 4 ? 32 : 128;
  if (length < min || length > max) throw new Error(`prefix length of ${cidr} must be within ${min}..${max}`);
  return { address, length, family };
}

// ---------------------------------------------------------------------------------------------------------
// Implementation

const NS_SHORT = /^[a-z0-9][a-z0-9_-]{0,23}$/i;
const IFNAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/;

/** Labs not yet destroyed, for the synchronous last-resort cleanup on process exit. */
const liveLabs = new Set<LabImpl>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lab of liveLabs) lab.destroySync();
  });
}

/** Creates an empty lab. Nothing is created on the system until a method is called. */
export function createLab(): Lab {
  const lab = new LabImpl();
  liveLabs.add(lab);
  installExitHook();
  return lab;
}

class LabImpl implements Lab {
  readonly id = `${process.pid}-${rand4()}`;
  private readonly nsList: string[] = [];
  private readonly procList: ProcessImpl[] = [];
  private root: string | undefined;
  private dirCounter = 0;
  private destroying: Promise<void> | undefined;
  /** Short-lived commands (ip, birdc, vtysh, gobgp …) still running; destroy() kills them by PID. */
  private readonly inflight = new Set<Inflight>();

  private run(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<string> {
    this.assertLive();
    return run(cmd, args, opts, this.inflight);
  }

  get namespaces(): readonly string[] {
    return [...this.nsList];
  }

  get processes(): readonly LabProcess[] {
    return [...this.procList];
  }

  async namespace(short: string): Promise<string> {
    this.assertLive();
    if (!NS_SHORT.test(short)) throw new Error(`namespace short name must match ${NS_SHORT}: ${short}`);
    const name = `tern-${this.id}-${short}`;
    if (this.nsList.includes(name)) throw new Error(`namespace ${name} already exists in this lab`);
    this.nsList.push(name); // recorded first: destroy() must delete it even if the next step half-fails
    await this.run('ip', ['netns', 'add', name]);
    await this.run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  async veth(nsA: string, ifA: string, nsB: string, ifB: string): Promise<void> {
    this.assertNs(nsA);
    this.assertNs(nsB);
    assertIfname(ifA);
    assertIfname(ifB);
    // Created by an `ip` running inside nsA, with the peer moved straight to nsB: nothing ever appears in
    // the root namespace. Both ends vanish when their namespaces are deleted.
    await this.run('ip', ['-n', nsA, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB]);
  }

  async connect(a: Endpoint, b: Endpoint): Promise<void> {
    await this.veth(a.ns, a.ifname, b.ns, b.ifname);
    for (const end of [a, b]) {
      for (const cidr of end.addrs ?? []) await this.addr(end.ns, end.ifname, cidr);
      await this.up(end.ns, end.ifname);
    }
  }

  async addr(ns: string, ifname: string, cidr: string): Promise<void> {
    this.assertNs(ns);
    assertIfname(ifname);
    const { family } = parseLabCidr(cidr);
    const args = ['-n', ns, family === 4 ? '-4' : '-6', 'addr', 'add', cidr, 'dev', ifname];
    if (family === 6) args.push('nodad');
    await this.run('ip', args);
  }

  async up(ns: string, ifname: string): Promise<void> {
    this.assertNs(ns);
    assertIfname(ifname);
    await this.run('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
  }

  async bridge(ns: string, name: string): Promise<void> {
    this.assertNs(ns);
    assertIfname(name);
    await this.run('ip', ['-n', ns, 'link', 'add', name, 'type', 'bridge']);
    await this.run('ip', ['-n', ns, 'link', 'set', name, 'up']);
  }

  async attach(ns: string, ifname: string, bridge: string): Promise<void> {
    this.assertNs(ns);
    assertIfname(ifname);
    assertIfname(bridge);
    await this.run('ip', ['-n', ns, 'link', 'set', ifname, 'master', bridge]);
  }

  async exec(ns: string, cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<string> {
    this.assertNs(ns);
    return this.run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
  }

  spawn(ns: string, cmd: string, args: readonly string[], opts: SpawnOptions = {}): LabProcess {
    this.assertNs(ns);
    const proc = new ProcessImpl(ns, cmd, args, opts);
    this.procList.push(proc);
    return proc;
  }

  async tmpdir(name = 'd'): Promise<string> {
    this.assertLive();
    if (!/^[a-zA-Z0-9_.-]{1,32}$/.test(name)) throw new Error(`bad tmpdir name: ${name}`);
    // Kept short: FRR and BIRD put unix sockets in here, and sun_path is limited to 108 bytes.
    if (this.root === undefined) {
      this.root = mkdtempSync(path.join(osTmpdir(), `tern-lab-${process.pid}-`));
      chmodSync(this.root, 0o711); // daemons that drop privileges (FRR runs as `frr`) must traverse it
    }
    const dir = path.join(this.root, `${name}-${++this.dirCounter}`);
    mkdirSync(dir, { mode: 0o755 });
    return dir;
  }

  diagnostics(): string {
    return this.procList
      .map((p) => {
        const info = p.exitInfo();
        const state = info ? `exited code=${info.code} signal=${info.signal}` : 'running';
        return `--- ${p.name} pid ${p.pid} in ${p.ns} (${state}): ${p.command}\n${p.output()}`;
      })
      .join('\n');
  }

  destroy(): Promise<void> {
    this.destroying ??= this.doDestroy();
    return this.destroying;
  }

  private async doDestroy(): Promise<void> {
    const problems: string[] = [];
    // 0. Commands still in flight (e.g. a readiness probe of a start that lost a Promise.all race).
    for (const cmd of this.inflight) cmd.kill('SIGKILL');
    await Promise.all([...this.inflight].map((cmd) => cmd.settled));
    // 1. Our processes, by the PIDs we spawned: SIGTERM, then SIGKILL after each one's grace period.
    await Promise.all(
      this.procList.map(async (p) => {
        try {
          await p.stop();
        } catch (err) {
          problems.push(`stopping ${p.name} (pid ${p.pid}): ${errorText(err)}`);
        }
      }),
    );
    // 2. Namespaces. Anything still running inside one was not started by us (we never kill those): report it.
    const existing = await listNamespaces().catch(() => undefined);
    for (const ns of this.nsList) {
      if (existing && !existing.has(ns)) continue; // setup failed before `ip netns add` succeeded
      try {
        const pids = (await run('ip', ['netns', 'pids', ns])).split('\n').filter((l) => l.trim() !== '');
        if (pids.length > 0) problems.push(`namespace ${ns} still had processes we did not start: ${pids.join(' ')}`);
      } catch {
        // reporting only
      }
      try {
        await run('ip', ['netns', 'del', ns]);
      } catch (err) {
        problems.push(`deleting namespace ${ns}: ${errorText(err)}`);
      }
    }
    // 3. Temp files (daemon configs, sockets, pid files), unless kept for debugging.
    this.removeRoot(problems);
    liveLabs.delete(this);
    if (problems.length > 0) throw new Error(`lab ${this.id} cleanup problems:\n- ${problems.join('\n- ')}`);
  }

  /** Last resort from process.on('exit'): synchronous, best effort, never throws. */
  destroySync(): void {
    for (const cmd of this.inflight) cmd.kill('SIGKILL');
    for (const p of this.procList) if (p.running()) p.kill('SIGKILL');
    for (const ns of this.nsList) {
      try {
        execaSync('ip', ['netns', 'del', ns], { timeout: 5_000, reject: false });
      } catch {
        // best effort
      }
    }
    this.removeRoot([]);
    liveLabs.delete(this);
  }

  private removeRoot(problems: string[]): void {
    if (!this.root || process.env.TERN_LAB_KEEP === '1') return;
    try {
      rmSync(this.root, { recursive: true, force: true });
      this.root = undefined;
    } catch (err) {
      problems.push(`removing ${this.root}: ${errorText(err)}`);
    }
  }

  private assertLive(): void {
    if (this.destroying) throw new Error(`lab ${this.id} has been destroyed`);
  }

  private assertNs(ns: string): void {
    this.assertLive();
    if (!this.nsList.includes(ns)) throw new Error(`namespace ${ns} was not created by lab ${this.id}`);
  }
}

class ProcessImpl implements LabProcess {
  readonly pid: number;
  readonly name: string;
  readonly command: string;
  readonly exited: Promise<ExitInfo>;
  private readonly graceMs: number;
  private readonly maxOutputBytes: number;
  private chunks: string[] = [];
  private bytes = 0;
  private dropped = 0;
  private info: ExitInfo | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly ns: string,
    cmd: string,
    args: readonly string[],
    opts: SpawnOptions,
  ) {
    this.name = opts.name ?? path.basename(cmd);
    this.command = [cmd, ...args].join(' ');
    this.graceMs = opts.graceMs ?? 5_000;
    this.maxOutputBytes = opts.maxOutputBytes ?? 4 * 1024 * 1024;
    // `ip netns exec` setns()es and then execvp()s the command, so the PID is the daemon itself.
    const sub = execa('ip', ['netns', 'exec', ns, cmd, ...args], {
      reject: false,
      buffer: false,
      stdin: 'ignore',
      forceKillAfterDelay: false,
      cleanup: true, // execa kills it if this Node process dies from a signal
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    if (sub.pid === undefined) {
      throw new Error(`failed to spawn ${this.command} in ${ns}`);
    }
    this.pid = sub.pid;
    sub.stdout?.setEncoding('utf8');
    sub.stderr?.setEncoding('utf8');
    sub.stdout?.on('data', (chunk: string) => this.append(chunk));
    sub.stderr?.on('data', (chunk: string) => this.append(chunk));
    this.exited = sub.then(
      (result) => {
        this.info = {
          code: result.exitCode ?? null,
          signal: (result.signal as NodeJS.Signals | undefined) ?? null,
        };
        return this.info;
      },
      (err: unknown) => {
        this.append(`\n[harness] ${errorText(err)}\n`);
        this.info = { code: null, signal: null };
        return this.info;
      },
    ).then(async (info) => {
      try {
        await opts.afterExit?.(info, this.pid);
      } catch (err) {
        this.append(`\n[harness] afterExit failed: ${errorText(err)}\n`);
      }
      return info;
    });
  }

  exitInfo(): ExitInfo | undefined {
    return this.info;
  }

  running(): boolean {
    return this.info === undefined;
  }

  output(): string {
    const head = this.dropped > 0 ? `[… ${this.dropped} earlier bytes dropped]\n` : '';
    return head + this.chunks.join('');
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): void {
    if (!this.running()) return;
    try {
      process.kill(this.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  stop(graceMs = this.graceMs): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.running()) return;
      this.kill('SIGTERM');
      const done = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!done) {
        this.append(`\n[harness] no exit ${graceMs} ms after SIGTERM, sending SIGKILL\n`);
        this.kill('SIGKILL');
        await this.exited;
      }
    })();
    return this.stopping;
  }

  private append(chunk: string): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes > this.maxOutputBytes && this.chunks.length > 1) {
      const first = this.chunks.shift() ?? '';
      this.bytes -= first.length;
      this.dropped += first.length;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

interface Inflight {
  kill(signal: NodeJS.Signals): void;
  settled: Promise<unknown>;
}

async function run(
  cmd: string,
  args: readonly string[],
  opts: ExecOptions = {},
  inflight?: Set<Inflight>,
): Promise<string> {
  const sub = execa(cmd, args, {
    reject: false,
    timeout: opts.timeoutMs ?? 30_000,
    stripFinalNewline: false,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const entry: Inflight = { kill: (signal) => void sub.kill(signal), settled: sub.catch(() => undefined) };
  inflight?.add(entry);
  const result = await sub.finally(() => inflight?.delete(entry));
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  if (result.failed) {
    const why = result.timedOut
      ? `timed out after ${opts.timeoutMs ?? 30_000} ms`
      : result.exitCode !== undefined
        ? `exit code ${result.exitCode}`
        : (result.signal ?? result.shortMessage);
    const detail = [stderr.trim() && `stderr: ${stderr.trim()}`, stdout.trim() && `stdout: ${describeValue(stdout.trim())}`]
      .filter(Boolean)
      .join('\n');
    throw new LabCommandError(`\`${[cmd, ...args].join(' ')}\` failed (${why})${detail ? `\n${detail}` : ''}`, stdout, stderr, result.exitCode);
  }
  return stdout;
}

async function listNamespaces(): Promise<Set<string>> {
  const out = await run('ip', ['netns', 'list']);
  // Lines look like "name" or "name (id: 3)".
  return new Set(out.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n !== ''));
}

function assertIfname(name: string): void {
  if (!IFNAME.test(name)) throw new Error(`interface name must be 1..15 chars of [A-Za-z0-9_.-]: ${name}`);
}

function rand4(): string {
  return randomBytes(2).toString('hex');
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const stderr = (err as { stderr?: unknown }).stderr;
    return typeof stderr === 'string' && stderr.trim() !== '' && !err.message.includes(stderr.trim())
      ? `${err.message}: ${stderr.trim()}`
      : err.message;
  }
  return String(err);
}

/**
 * Deletes `tern-<pid>-*` namespaces left behind by lab runs whose process is gone (for example a test
 * worker killed by a signal) and that have no processes in them. Never touches a live run's namespaces.
 * Returns the names it deleted.
 */
export async function reapStaleNamespaces(): Promise<string[]> {
  const reaped: string[] = [];
  for (const ns of await listNamespaces()) {
    const match = /^tern-(\d+)-[0-9a-f]{4}-/.exec(ns);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    const pids = (await run('ip', ['netns', 'pids', ns])).trim();
    if (pids !== '') continue;
    await run('ip', ['netns', 'del', ns]);
    reaped.push(ns);
  }
  return reaped;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
