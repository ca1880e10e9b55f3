// Runs the built ternd (dist/src/main.js) inside a lab namespace with a YAML config, and reads its JSON log.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab, LabProcess } from './lab.js';
import { notYet, waitFor } from './wait.js';

/** The checkout: three levels up from this file, or four when it runs compiled under dist/ (bench, demo). */
function findRepoRoot(): string {
  let dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  if (path.basename(dir) === 'dist' && existsSync(path.join(dir, '..', 'package.json'))) dir = path.dirname(dir);
  return dir;
}
const repoRoot = findRepoRoot();
export const TERND = path.join(repoRoot, 'dist', 'src', 'main.js');
export const BGPCTL = path.join(repoRoot, 'dist', 'src', 'cli', 'bgpctl.js');

/**
 * Compile the daemon once per test file. A type error elsewhere (reported by `npm test`'s type-check step)
 * must not stop the lab from running the daemon tsc still emitted; a missing daemon must.
 */
export function ensureBuilt(): void {
  try {
    execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'ignore' });
  } catch (err) {
    if (!existsSync(TERND)) throw err;
  }
}

export interface LogEntry {
  readonly event: string;
  readonly level: string;
  readonly [key: string]: unknown;
}

export interface TerndInstance {
  readonly ns: string;
  readonly process: LabProcess;
  readonly configPath: string;
  /** Where this instance keeps its restart marker. */
  readonly stateDir: string;
  /** Runs bgpctl against this instance's control socket (a file: no namespace needed); stdout, or throws. */
  bgpctl(args: readonly string[]): string;
  /** Parsed JSON log lines so far. */
  logs(): LogEntry[];
  /** Waits for a log entry with this event name matching `match`; returns it. */
  waitLog(event: string, match?: (e: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
  stop(): Promise<void>;
}

/** Start ternd; pass the same `stateDir` to a second start to make it a restart of the first. */
export interface TerndOptions {
  /** Capabilities to drop before ternd starts (capsh), e.g. ['cap_net_admin'] to run it without route rights. */
  readonly dropCapabilities?: readonly string[];
}

export async function startTernd(lab: Lab, ns: string, yaml: string, args: readonly string[] = [], stateDir?: string, opts: TerndOptions = {}): Promise<TerndInstance> {
  if (!existsSync(TERND)) throw new Error(`${TERND} is missing: run npm run build first`);
  const dir = await lab.tmpdir('ternd');
  const configPath = path.join(dir, 'tern.yaml');
  writeFileSync(configPath, yaml);
  const state = stateDir ?? path.join(dir, 'state');
  const socket = path.join(dir, 'ternd.sock');
  const argv = [TERND, '--config', configPath, '--log-level', 'debug', '--state-dir', state, '--control-socket', socket, ...args];
  // capsh runs the daemon with `exec`, so the PID the lab tracks is ternd's own.
  const proc = opts.dropCapabilities?.length
    ? lab.spawn(ns, 'capsh', [`--drop=${opts.dropCapabilities.join(',')}`, '--', '-c', `exec ${[process.execPath, ...argv].map((a) => `'${a}'`).join(' ')}`])
    : lab.spawn(ns, process.execPath, argv);
  const logs = (): LogEntry[] =>
    proc.output().split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
      try {
        return [JSON.parse(l) as LogEntry];
      } catch {
        return [];
      }
    });
  return {
    ns,
    process: proc,
    configPath,
    stateDir: state,
    bgpctl: (args) => execFileSync(process.execPath, [BGPCTL, '--socket', socket, ...args], { encoding: 'utf8' }),
    logs,
    waitLog: (event, match = () => true, timeoutMs = 30_000) =>
      waitFor(() => logs().find((e) => e.event === event && match(e)) ?? notYet(logs().slice(-5)), {
        what: `ternd log event ${event}`,
        timeoutMs,
        failIf: () => (proc.running() ? undefined : `ternd exited: ${proc.output().slice(-2000)}`),
      }),
    stop: () => proc.stop(),
  };
}
