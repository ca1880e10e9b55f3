/** Helpers the DUT drivers share. */
import { execFileSync } from 'node:child_process';
import type { Lab } from '../../test/lab/harness/index.js';
import { waitFor } from '../../test/lab/harness/index.js';
import type { DutPeer, DutSetup } from './types.js';
import type { DaemonSpec, PeerSpec } from '../../test/lab/harness/index.js';

/** Waits until something in `ns` listens on TCP `port` (`ss -Hltn`), failing early when the DUT died. */
export async function waitListening(lab: Lab, ns: string, port: number, died: () => string | undefined, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await lab.exec(ns, 'ss', ['-Hltn', `sport = :${port}`])).trim() !== '', {
    what: `a listener on TCP port ${port} in ${ns}`,
    timeoutMs,
    intervalMs: 50,
    failIf: died,
  });
}

/** The harness's daemon-neutral spec for a setup: every peer passive, families from the address. */
export function harnessSpec(setup: DutSetup, extraConfig?: string): DaemonSpec {
  return {
    routerId: setup.routerId,
    asn: setup.asn,
    peers: setup.peers.map(
      (p: DutPeer): PeerSpec => ({
        name: p.name,
        address: p.address,
        asn: p.asn,
        passive: true,
        ...(p.rrClient ? { routeReflectorClient: true } : {}),
      }),
    ),
    ...(extraConfig !== undefined ? { extraConfig } : {}),
  };
}

/** First line of a command's combined output, or a note that it failed. */
export function versionOf(cmd: string, args: readonly string[]): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n')[0]!.trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    const text = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
    return text.split('\n')[0] ?? 'unknown';
  }
}
