/**
 * What the benchmark entry points (run.ts, codec.ts) share on the command line: a commander program that
 * answers a bad option with its message and exit code 2 (help and version exit 0), and typed value parsers
 * whose errors commander prints as "option '--runs <n>' argument 'x' is invalid. …".
 */
import { Command, InvalidArgumentError } from 'commander';

/** Exit status for a command line the program cannot run with (as bgpctl does). */
export const EXIT_USAGE = 2;

export function benchProgram(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .showHelpAfterError('(--help lists the options)')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE));
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('A positive integer is expected.');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('A positive number is expected.');
  return n;
}

/** `a,b,c` → its non-empty items; each must pass `check` (which returns why not, or undefined). */
export function listOf(check: (item: string) => string | undefined): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => {
    const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (items.length === 0) throw new InvalidArgumentError('A comma-separated list is expected.');
    for (const item of items) {
      const why = check(item);
      if (why) throw new InvalidArgumentError(why);
    }
    return [...new Set([...(previous ?? []), ...items])];
  };
}
