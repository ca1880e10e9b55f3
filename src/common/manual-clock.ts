/**
 * A Clock whose time moves only when its owner says so: timers fire in order inside `advance`. Tests run
 * drivers on it; the warm-up (daemon/warm-up.ts) runs its scratch RouteExchange on one, so the exchange's
 * timers (the prune after a burst) fire when the warm-up wants them to and none is left on the event loop.
 */
import type { Clock, TimerHandle } from './clock.js';

export interface ManualClock extends Clock {
  advance(ms: number): void;
  pending(): number;
}

export function manualClock(start = 0): ManualClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; ms: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, ms, fn });
      return { id };
    },
    clearTimeout(h: TimerHandle) {
      timers.delete(h.id as number);
    },
    refresh(h: TimerHandle) {
      const t = timers.get(h.id as number);
      if (t) t.at = now + t.ms;
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
    pending: () => timers.size,
  };
}
