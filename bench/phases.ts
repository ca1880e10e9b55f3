/**
 * Where the side-by-side benchmark's wall time goes: the runner's phases (build, namespaces, one entry per
 * DUT, teardown…) and, inside each DUT's share, its parts (DUT start, tool start, sessions, settling, stop;
 * the rest is the measurement itself). Printed at the end of every run and kept in the JSON results, so a
 * slow quick mode shows at once what made it slow.
 *
 * Parts may run concurrently (two tools started with Promise.all): a part's time is the union of its
 * intervals, never their sum, so it cannot exceed the wall time it covers.
 */

export interface PhaseEntry {
  readonly name: string;
  readonly seconds: number;
  /** Parts of this phase (DUT start, settle…), seconds each, in the order first seen. */
  readonly parts?: Readonly<Record<string, number>>;
}

interface Phase {
  ms: number;
  readonly parts: Map<string, { ms: number; active: number; since: number }>;
}

export class PhaseTimer {
  private readonly phases = new Map<string, Phase>();

  constructor(private readonly now: () => number) {}

  private phase(name: string): Phase {
    let p = this.phases.get(name);
    if (!p) this.phases.set(name, (p = { ms: 0, parts: new Map() }));
    return p;
  }

  /** Adds `ms` to phase `name` (phases measured elsewhere, e.g. before this process started). */
  add(name: string, ms: number): void {
    this.phase(name).ms += ms;
  }

  /** Runs `fn`, adding its wall time to phase `name`. */
  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = this.now();
    try {
      return await fn();
    } finally {
      this.add(name, this.now() - t0);
    }
  }

  /** Runs `fn` as part `part` of phase `name`; overlapping calls for one part count their union once. */
  async part<T>(name: string, part: string, fn: () => Promise<T>): Promise<T> {
    const parts = this.phase(name).parts;
    let p = parts.get(part);
    if (!p) parts.set(part, (p = { ms: 0, active: 0, since: 0 }));
    if (p.active++ === 0) p.since = this.now();
    try {
      return await fn();
    } finally {
      if (--p.active === 0) p.ms += this.now() - p.since;
    }
  }

  entries(): PhaseEntry[] {
    return [...this.phases].map(([name, p]) => ({
      name,
      seconds: p.ms / 1000,
      ...(p.parts.size > 0 ? { parts: Object.fromEntries([...p.parts].map(([k, v]) => [k, v.ms / 1000])) } : {}),
    }));
  }
}

/**
 * The breakdown as text lines: one per phase, its parts and the remainder (`rest` names it: "measuring")
 * after it, and "other" for what no phase covered of `totalS`.
 */
export function renderPhases(entries: readonly PhaseEntry[], totalS: number, rest: string): string[] {
  const width = Math.max(...entries.map((e) => e.name.length), 5);
  const s = (v: number): string => `${v.toFixed(1)} s`;
  const lines = entries.map((e) => {
    const head = `  ${e.name.padEnd(width)}  ${s(e.seconds).padStart(8)}`;
    if (!e.parts) return head;
    const parts = Object.entries(e.parts).map(([k, v]) => `${k} ${s(v)}`);
    const remainder = e.seconds - Object.values(e.parts).reduce((a, b) => a + b, 0);
    return `${head}  (${[...parts, `${rest} ${s(Math.max(0, remainder))}`].join(', ')})`;
  });
  const covered = entries.reduce((a, e) => a + e.seconds, 0);
  if (totalS - covered >= 0.05) lines.push(`  ${'other'.padEnd(width)}  ${s(totalS - covered).padStart(8)}`);
  return lines;
}
