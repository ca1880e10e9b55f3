/**
 * The README's main job: the three-worker lab of ../shared/LAB.md, run by ternd. FRR is the leaf (AS 65000);
 * each worker runs ternd, which advertises its pod subnet (br0) and installs what it learns; worker1 and
 * worker2 share a subnet and route to each other directly, worker3 is off-subnet and is reached through
 * VXLAN. Pods ping across; a pass/fail table is printed and everything is torn down, also on failure or
 * Ctrl-C. Missing Debian packages (frr, iproute2, iputils-ping) are installed first. Needs root.
 *
 *   npm run demo                # build, run the lab, print the table; exit 1 if a check failed
 *   npm run demo -- --keep      # leave the namespaces and daemons running for a look around (Ctrl-C ends)
 */
import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { buildWorkerLab, checkWorkerLab, createLab, reapStaleNamespaces, renderChecks, type WorkerLab } from '../test/lab/harness/index.js';

const PACKAGES: Record<string, string> = { '/usr/lib/frr/bgpd': 'frr', '/usr/bin/ping': 'iputils-ping', '/usr/sbin/ip': 'iproute2', '/usr/sbin/bridge': 'iproute2' };

function installMissing(): void {
  const missing = [...new Set(Object.entries(PACKAGES).filter(([file]) => {
    try {
      execFileSync('test', ['-x', file]);
      return false;
    } catch {
      return true;
    }
  }).map(([, pkg]) => pkg))];
  if (!missing.length) return;
  console.log(`installing ${missing.join(', ')} …`);
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function describeLab(wl: WorkerLab): string {
  const rows = wl.workers.map((w) => `  ${w.name}  uplink ${w.uplink}/24 (segment ${w.segment})  AS ${w.asn}  pod ${w.podAddress} in ${w.podSubnet}`);
  return ['leaf      FRR, AS 65000, 10.77.210.254 (segment 210) and 10.77.230.254 (segment 230)', ...rows].join('\n');
}

async function main(): Promise<number> {
  const opts = new Command('demo').option('--keep', 'keep the lab running until Ctrl-C').parse().opts<{ keep?: boolean }>();
  if (process.getuid?.() !== 0) {
    console.error('demo: run as root (network namespaces and apt-get need it)');
    return 2;
  }
  installMissing();
  await reapStaleNamespaces(); // left by an earlier run that was killed outright
  const lab = createLab();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('\ntearing down …');
    void lab.destroy().then(() => process.exit(130));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    console.log('building the lab: leaf, worker1, worker2 (same subnet), worker3 (other subnet), one pod each …');
    const wl = await buildWorkerLab(lab);
    console.log(describeLab(wl));
    console.log('\nwaiting for BGP and the kernel routes, then pinging …\n');
    const checks = await checkWorkerLab(lab, wl);
    console.log(renderChecks(checks));
    const w2 = wl.workers[1]!;
    console.log(`worker2's kernel routes from ternd (ip route show proto bgp):\n${await lab.exec(w2.ns, 'ip', ['route', 'show', 'proto', 'bgp'])}`);
    if (opts.keep) {
      console.log(`namespaces: ${lab.namespaces.join(' ')}\nCtrl-C tears everything down.`);
      await new Promise(() => undefined);
    }
    return checks.every((c) => c.ok) ? 0 : 1;
  } catch (e) {
    console.error(`demo failed: ${(e as Error).message}\n${lab.diagnostics().slice(-5000)}`);
    return 1;
  } finally {
    if (!stopping) await lab.destroy();
  }
}

process.exitCode = await main();
