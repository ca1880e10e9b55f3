// Shapes shared by the interop tests: a star with ternd in the middle, and errors that carry the lab's logs.
import type { Lab } from './lab.js';

/** Re-throws with every daemon's output attached, so a red test says why. */
export async function explained<T>(lab: Lab, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error) err.message += `\n\n=== lab diagnostics ===\n${lab.diagnostics().slice(-20_000)}`;
    throw err;
  }
}

export interface Star {
  readonly tern: string;
  /** Namespace of each spoke, by name. */
  readonly spokes: Readonly<Record<string, string>>;
}

/**
 * ternd's namespace `tern` linked to one namespace per spoke: spoke i (from 1) gets link 10.77.i.0/24 and
 * fd77:i::/64, ternd .1 / ::1 on interface `to-<name>`, the spoke .2 / ::2 on `eth0`.
 */
export async function star(lab: Lab, spokeNames: readonly string[]): Promise<Star> {
  const tern = await lab.namespace('tern');
  const spokes: Record<string, string> = {};
  for (const [i, name] of spokeNames.entries()) {
    const n = i + 1;
    const ns = await lab.namespace(name);
    spokes[name] = ns;
    await lab.connect(
      { ns: tern, ifname: `to-${name}`, addrs: [`10.77.${n}.1/24`, `fd77:${n}::1/64`] },
      { ns, ifname: 'eth0', addrs: [`10.77.${n}.2/24`, `fd77:${n}::2/64`] },
    );
  }
  return { tern, spokes };
}
