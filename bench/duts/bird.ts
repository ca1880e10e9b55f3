/**
 * BIRD 2 as DUT, through the lab harness's startBird (config from birdConfig: `import all; export all;`
 * channels, `passive on` peers, `rr client` for reflector clients). BGP scenarios: no kernel protocol, so
 * BIRD never touches the FIB. Kernel scenario: `protocol kernel { ipv4 { export all; }; }` with BIRD's
 * defaults (no learn, no persist: BIRD removes its routes on shutdown).
 */
import { birdConfig, findExecutable, startBird, type Lab } from '../../test/lab/harness/index.js';
import { harnessSpec, versionOf, waitListening } from './common.js';
import type { Capability, DutDriver, DutInstance, DutSetup } from './types.js';

const KERNEL = 'protocol kernel {\n  ipv4 { export all; };\n}';

function spec(setup: DutSetup) {
  return harnessSpec(setup, setup.kernel ? KERNEL : undefined);
}

export const bird: DutDriver = {
  id: 'bird',
  name: 'BIRD',
  settlesWithEndOfRib: true,
  packages: ['bird2'],
  unavailable: () => (findExecutable('bird') && findExecutable('birdc') ? undefined : 'bird/birdc not installed'),
  // `bird --version` prints "BIRD version 2.0.12" on stderr.
  version: () => Promise.resolve(versionOf('bird', ['--version'])),
  unsupported: (_c: Capability) => (_c === 'ipam' ? 'n/a: no IPAM in BIRD' : undefined),
  configure: (setup) => ({ 'bird.conf': birdConfig(spec(setup)) }),
  async start(lab: Lab, ns: string, setup: DutSetup): Promise<DutInstance> {
    const inst = await startBird(lab, ns, spec(setup));
    const died = (): string | undefined => {
      const info = inst.process.exitInfo();
      return info ? `bird exited (code ${info.code}, signal ${info.signal}): ${inst.output().slice(-1500)}` : undefined;
    };
    return {
      configs: { 'bird.conf': inst.config },
      ready: () => waitListening(lab, ns, 179, died),
      pids: () => [inst.process.pid],
      died,
      output: () => inst.output().slice(-3000),
      stop: () => inst.stop(),
    };
  },
};
