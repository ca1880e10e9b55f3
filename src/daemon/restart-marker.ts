/**
 * How ternd knows it is restarting (RFC 4724 §4.1: the restarting speaker sets the R bit, and the F bit for
 * families whose forwarding state it kept). A marker file is written when the daemon starts and removed only
 * when it stops for good (admin stop, SIGINT). If the marker is there at start, the previous instance was
 * killed or stopped for a graceful restart (SIGTERM with graceful restart on), so this start is a restart.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface RestartMarker {
  /** The previous run ended without a clean stop. */
  readonly restarting: boolean;
  readonly previous?: { readonly pid: number; readonly startedAt: number };
  /** Forget the marker: the daemon stops for good. */
  clear(): void;
}

export function takeRestartMarker(stateDir: string, now: number): RestartMarker {
  const file = path.join(stateDir, 'ternd.running');
  let previous: { pid: number; startedAt: number } | undefined;
  try {
    previous = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; startedAt: number };
  } catch {
    previous = undefined;
  }
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, JSON.stringify({ pid: process.pid, startedAt: now }));
  return {
    restarting: previous !== undefined,
    ...(previous ? { previous } : {}),
    clear: () => rmSync(file, { force: true }),
  };
}
