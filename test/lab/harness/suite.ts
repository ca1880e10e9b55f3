// The preamble of every lab test file: which daemons it needs, a title that says why it is skipped, and the
// daemon built once before the file runs. Not exported from index.ts: bench/ and demo/ use the harness
// outside vitest.
import { beforeAll } from 'vitest';
import { labAvailable, reapStaleNamespaces, type LabDaemon } from './lab.js';
import { ensureBuilt } from './ternd.js';

export interface LabSuite {
  /** Root and every daemon asked for are there: the file's describe blocks run. */
  readonly ok: boolean;
  /** The describe title, with the reason appended when the lab is not available. */
  title(name: string): string;
}

export function labSuite(daemons: readonly LabDaemon[], opts: { build?: boolean } = {}): LabSuite {
  const avail = labAvailable({ daemons });
  beforeAll(async () => {
    if (!avail.ok) return;
    // Namespaces of an earlier run that was killed (SIGKILL leaves no chance to clean up) and has no process left.
    await reapStaleNamespaces();
    if (opts.build ?? true) ensureBuilt();
  });
  return { ok: avail.ok, title: (name) => (avail.ok ? name : `${name} (skipped: ${avail.why ?? '?'})`) };
}
