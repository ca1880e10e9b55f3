/**
 * Polls `fn` every 20 ms until it gives a value (anything but undefined, null or false) and returns it; throws
 * naming `what` after `ms`. Tests wait for conditions this way, never for fixed times.
 */
export async function until<T>(what: string, fn: () => T | undefined | null | false, ms = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
