/**
 * The one clock the daemon passes to every part that needs time. Pure parts (codec, FSM, RIB) take time as
 * arguments instead; drivers take a Clock so tests can run them on fake time.
 */
export interface TimerHandle {
  readonly id: unknown;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /**
   * Start a pending timer over with the delay it was set with, as Node's `Timeout.refresh` does: much cheaper
   * than clearing it and setting a new one, which the hold timer otherwise did for every UPDATE received.
   */
  refresh(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { id: t };
  },
  clearTimeout: (h) => clearTimeout(h.id as ReturnType<typeof setTimeout>),
  refresh: (h) => void (h.id as ReturnType<typeof setTimeout>).refresh(),
};
