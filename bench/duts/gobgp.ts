/**
 * GoBGP as DUT, through the lab harness's startGobgp (TOML from gobgpConfig: passive-mode peers,
 * route-reflector-client with the router ID as cluster ID, default policies, i.e. accept everything).
 * GoBGP has no FIB programming of its own (it would need FRR's zebra), so the kernel scenario is n/a.
 */
import { findExecutable, gobgpConfig, startGobgp, type Lab } from '../../test/lab/harness/index.js';
import { harnessSpec, versionOf, waitListening } from './common.js';
import type { Capability, DutDriver, DutInstance, DutSetup } from './types.js';

export const gobgp: DutDriver = {
  id: 'gobgp',
  name: 'GoBGP',
  settlesWithEndOfRib: false,
  packages: ['gobgpd'],
  unavailable: () => (findExecutable('gobgpd') && findExecutable('gobgp') ? undefined : 'gobgpd/gobgp not installed'),
  version: () => Promise.resolve(versionOf('gobgpd', ['--version'])),
  unsupported: (c: Capability) =>
    c === 'kernel-fib' ? 'n/a: GoBGP has no FIB programming of its own (only through FRR zebra)' : c === 'ipam' ? 'n/a: no IPAM in GoBGP' : undefined,
  configure: (setup) => ({ 'gobgpd.toml': gobgpConfig(harnessSpec(setup)) }),
  async start(lab: Lab, ns: string, setup: DutSetup): Promise<DutInstance> {
    const inst = await startGobgp(lab, ns, harnessSpec(setup));
    const died = (): string | undefined => {
      const info = inst.process.exitInfo();
      return info ? `gobgpd exited (code ${info.code}, signal ${info.signal}): ${inst.output().slice(-1500)}` : undefined;
    };
    return {
      configs: { 'gobgpd.toml': inst.config },
      ready: () => waitListening(lab, ns, 179, died),
      pids: () => [inst.process.pid],
      died,
      output: () => inst.output().slice(-3000),
      stop: () => inst.stop(),
    };
  },
};
