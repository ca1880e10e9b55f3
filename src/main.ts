#!/usr/bin/env node
/**
 * ternd: the daemon's composition root. Sessions, the RIB, the kernel and IPAM are wired here as they land;
 * today it only knows its version (the BGP sessions arrive with the sessions issue).
 */
import { TERN_VERSION } from './version.js';

const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-V')) {
  process.stdout.write(`${TERN_VERSION}\n`);
} else {
  process.stderr.write(
    `ternd ${TERN_VERSION}: the daemon is not built yet; this release ships the BGP codec and \`bgpctl decode\`.\n`,
  );
  process.exitCode = args.includes('--help') || args.includes('-h') ? 0 : 64;
}
