/**
 * FRR (zebra + bgpd) as DUT. The configuration is the lab harness's frrConfig (`frr defaults traditional`,
 * `no bgp ebgp-requires-policy`, explicit `activate`, `passive` peers, `advertisement-interval 0`,
 * `route-reflector-client` for reflector clients); the start is the harness's startFrr recipe (private
 * dir, daemons as frr:frr, logs on stdout) with one difference the harness does not offer: bgpd's `-n`
 * (BGP_OPT_NO_FIB: bgpd hands no routes to zebra) is only passed in the BGP scenarios. In the kernel
 * scenario bgpd runs without it and zebra installs the routes (proto bgp).
 *
 * zebra runs in every scenario, as FRR is deployed (bgpd learns interfaces and resolves next hops through
 * it); its CPU and memory count as the DUT's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FRR_DIR, findExecutable, frrConfig, waitFor, type Lab, type LabProcess } from '../../test/lab/harness/index.js';
import { harnessSpec, versionOf, waitListening } from './common.js';
import type { Capability, DutDriver, DutInstance, DutSetup } from './types.js';

function ids(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`cannot resolve user ${user}`);
  return { uid, gid };
}

const ZEBRA_CONF = (routerId: string): string => `hostname tern-zebra-${routerId}\nlog stdout informational\n`;

export const frr: DutDriver = {
  id: 'frr',
  name: 'FRR',
  settlesWithEndOfRib: true,
  packages: ['frr'],
  unavailable: () =>
    [path.join(FRR_DIR, 'zebra'), path.join(FRR_DIR, 'bgpd'), 'vtysh'].every((b) => findExecutable(b)) ? undefined : 'FRR (zebra, bgpd, vtysh) not installed',
  version: () => Promise.resolve(versionOf(path.join(FRR_DIR, 'bgpd'), ['--version'])),
  unsupported: (c: Capability) => (c === 'ipam' ? 'n/a: no IPAM in FRR' : undefined),
  configure: (setup) => ({ 'bgpd.conf': frrConfig(harnessSpec(setup)), 'zebra.conf': ZEBRA_CONF(setup.routerId) }),
  async start(lab: Lab, ns: string, setup: DutSetup): Promise<DutInstance> {
    const configs = frr.configure(setup);
    const dir = await lab.tmpdir('frr');
    const { uid, gid } = ids('frr');
    for (const [name, text] of Object.entries(configs)) {
      await writeFile(path.join(dir, name), text);
      await chown(path.join(dir, name), uid, gid);
    }
    await writeFile(path.join(dir, 'vtysh.conf'), '');
    await chown(dir, uid, gid);
    const zserv = path.join(dir, 'zserv.api');
    const common = (daemon: string): string[] => [
      '-f', path.join(dir, `${daemon}.conf`),
      '-i', path.join(dir, `${daemon}.pid`),
      '--vty_socket', dir,
      '-u', 'frr', '-g', 'frr',
      '-P', '0',
      '--log', 'stdout',
    ];
    const removeCrashDir = (daemon: string) => (_info: unknown, pid: number) => rm(`/var/tmp/frr/${daemon}.${pid}`, { recursive: true, force: true });
    const procs: LabProcess[] = [];
    const died = (): string | undefined => {
      for (const p of procs) {
        const info = p.exitInfo();
        if (info) return `${p.name} exited (code ${info.code}, signal ${info.signal}): ${p.output().slice(-1500)}`;
      }
      return undefined;
    };
    const zebra = lab.spawn(ns, path.join(FRR_DIR, 'zebra'), [...common('zebra'), '-z', zserv], {
      name: `zebra(${ns})`,
      afterExit: removeCrashDir('zebra'),
    });
    procs.push(zebra);
    await waitFor(() => existsSync(zserv), { what: `zebra in ${ns} to create ${zserv}`, timeoutMs: 15_000, intervalMs: 50, failIf: died });
    const bgpArgs = [...common('bgpd'), '-z', zserv, ...(setup.kernel ? [] : ['-n'])];
    const bgpd = lab.spawn(ns, path.join(FRR_DIR, 'bgpd'), bgpArgs, { name: `bgpd(${ns})`, afterExit: removeCrashDir('bgpd') });
    procs.push(bgpd);
    const vtysh = (cmd: string): Promise<string> =>
      lab.exec(ns, 'vtysh', ['--vty_socket', dir, '--config_dir', dir, '-c', cmd], { timeoutMs: 20_000 });
    return {
      configs: { ...configs, 'command lines': `zebra ${common('zebra').join(' ')} -z ${zserv}\nbgpd ${bgpArgs.join(' ')}` },
      async ready() {
        await waitFor(async () => JSON.parse(await vtysh('show bgp summary json')) as unknown, {
          what: `bgpd in ${ns} to answer vtysh`,
          timeoutMs: 30_000,
          intervalMs: 100,
          failIf: died,
        });
        await waitListening(lab, ns, 179, died);
      },
      pids: () => procs.map((p) => p.pid),
      died,
      output: () => `--- bgpd\n${bgpd.output().slice(-2000)}\n--- zebra\n${zebra.output().slice(-1000)}`,
      async stop() {
        await bgpd.stop();
        await zebra.stop();
      },
    };
  },
};
