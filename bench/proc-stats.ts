/**
 * Resource figures of the DUT's processes from /proc: CPU time (utime + stime of /proc/<pid>/stat, which
 * covers all of a process's threads) and peak resident set size (VmHWM of /proc/<pid>/status). The DUT
 * runs in another network namespace but the same PID namespace, so its PIDs are ours to read.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clkTck: number | undefined;

/** Clock ticks per second of the stat times (getconf CLK_TCK, 100 on Linux). */
export function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** CPU seconds (user + system) a process has used so far; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of the whole line are utime and stime: indexes 11 and 12 after the name.
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Peak resident set size in bytes (VmHWM); undefined once the process is gone. */
export function peakRssBytes(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Sum over processes (undefined if any of them is gone: a partial sum would mislead). */
export function sumOver(pids: readonly number[], f: (pid: number) => number | undefined): number | undefined {
  let total = 0;
  for (const pid of pids) {
    const v = f(pid);
    if (v === undefined) return undefined;
    total += v;
  }
  return total;
}
