/** Helpers the DUT drivers share. */
import { spawnSync } from 'node:child_process';
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

/** First line of a command's output (stdout, else stderr), or 'unknown'. */
export function versionOf(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  const text = `${r.stdout ?? ''}`.trim() || `${r.stderr ?? ''}`.trim();
  return text.split('\n')[0]?.trim() || 'unknown';
}
