// Polling helper for lab tests: daemons converge on their own schedule, so tests wait for a condition
// instead of sleeping for a guessed time.

export interface WaitOptions {
  /** Give up after this many milliseconds (default 30 000). */
  timeoutMs?: number;
  /** Pause between attempts (default 250). */
  intervalMs?: number;
  /** What is being waited for, used in the timeout message ("timed out waiting for <what>"). */
  what: string;
  /**
   * Checked before every attempt; returning a string aborts the wait at once with that message (for example
   * "bird exited with code 1" plus its output), instead of waiting out the timeout.
   */
  failIf?: () => string | undefined;
}

const NOT_YET: unique symbol = Symbol('notYet');

/** "Not done yet, and here is what I saw": lets a probe report its last observation for the timeout message. */
export interface NotYet {
  readonly [NOT_YET]: true;
  readonly value: unknown;
}

export function notYet(value: unknown): NotYet {
  return { [NOT_YET]: true, value };
}

function isNotYet(value: unknown): value is NotYet {
  return typeof value === 'object' && value !== null && NOT_YET in value;
}

type Probe<T> = T | NotYet | undefined | null | false;

/**
 * Calls `fn` until it returns something other than `undefined`, `null`, `false` or {@link notYet}(…), and
 * returns that value.
 * An exception thrown by `fn` counts as "not yet" (its message is kept as the last value), so probes such
 * as `birdc` before the control socket exists do not need their own try/catch. On timeout throws
 * `timed out waiting for <what> after <n> ms; last value: <…>`.
 */
export async function waitFor<T>(
  fn: () => Probe<T> | Promise<Probe<T>>,
  opts: WaitOptions,
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 250;
  const started = Date.now();
  let last: unknown = undefined;
  for (;;) {
    const fatal = opts.failIf?.();
    if (fatal !== undefined) throw new Error(`gave up waiting for ${opts.what}: ${fatal}`);
    try {
      const value = await fn();
      if (isNotYet(value)) last = value.value;
      else if (value !== undefined && value !== null && value !== false) return value;
      else last = value;
    } catch (err) {
      last = err instanceof Error ? `error: ${err.message}` : err;
    }
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) {
      throw new Error(`timed out waiting for ${opts.what} after ${elapsed} ms; last value: ${describeValue(last)}`);
    }
    await sleep(Math.min(intervalMs, Math.max(0, timeoutMs - elapsed)));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Renders a value for an error message, clipped so a whole RIB dump does not flood the report. */
export function describeValue(value: unknown, max = 2000): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more chars)` : text;
}
