// The lab of ../shared/LAB.md in namespaces: a leaf (FRR, AS 65000) with two segments, worker1 and worker2
// on one ("vlan210"), worker3 alone on the other ("vlan230"); ternd on every worker with a pod behind br0.
// Addresses keep LAB.md's shape inside the lab range: 192.168.210.0/24 → 10.77.210.0/24, pod subnet
// 192.168.N0.0/24 → 10.77.N0.0/24. Used by the README's main job (demo/lab.ts) and by test/lab/workers.test.ts.
import type { Lab } from './lab.js';
import { startFrr, type FrrInstance } from './frr.js';
import { startTernd, type TerndInstance } from './ternd.js';
import { notYet, waitFor } from './wait.js';

export interface Worker {
  readonly name: string;
  readonly ns: string;
  readonly podNs: string;
  readonly uplink: string;
  readonly asn: number;
  readonly podSubnet: string;
  readonly podAddress: string;
  readonly segment: 210 | 230;
  tern: TerndInstance;
}

export interface WorkerLab {
  readonly leaf: FrrInstance;
  readonly leafNs: string;
  readonly workers: readonly Worker[];
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const WORKERS = [
  { name: 'worker1', n: 1, segment: 210 as const, host: 21 },
  { name: 'worker2', n: 2, segment: 210 as const, host: 22 },
  { name: 'worker3', n: 3, segment: 230 as const, host: 23 },
];

export function workerConfig(w: Pick<Worker, 'uplink' | 'asn' | 'segment'>): string {
  return `# ternd on ${w.uplink}: advertises its pod subnet (br0), installs what it learns, VXLAN when off-subnet
routerId: ${w.uplink}
localAs: ${w.asn}
holdTime: 9
connectRetryTime: 1
gracefulRestart: { restartTime: 30 }
connectedRoutes: { interfaces: [br0] }
kernel:
  enabled: true
  overlay: { encapsulation: vxlan, crossSubnet: true }
# BIRD in the lab: export where source = RTS_DEVICE. eBGP needs policy both ways (RFC 8212).
policies:
  from-leaf:
    - action: accept
  pod-subnet:
    - match: { source: [connected], interface: [br0] }
      action: accept
peers:
  - { address: 10.77.${w.segment}.254, remoteAs: 65000, description: leaf, import: [from-leaf], export: [pod-subnet] }
`;
}

async function sysctl(lab: Lab, ns: string, ...settings: string[]): Promise<void> {
  for (const s of settings) await lab.exec(ns, 'sysctl', ['-qw', s]);
}

/** Builds the topology, starts FRR on the leaf and ternd on each worker. */
export async function buildWorkerLab(lab: Lab): Promise<WorkerLab> {
  const leafNs = await lab.namespace('leaf');
  await sysctl(lab, leafNs, 'net.ipv4.ip_forward=1');
  await lab.bridge(leafNs, 'vlan210');
  await lab.addr(leafNs, 'vlan210', '10.77.210.254/24');
  const workers: Worker[] = [];
  for (const spec of WORKERS) {
    const ns = await lab.namespace(spec.name);
    const podNs = await lab.namespace(`pod${spec.n}`);
    const uplink = `10.77.${spec.segment}.${spec.host}`;
    if (spec.segment === 210) {
      await lab.veth(leafNs, `p-${spec.name}`, ns, 'eth0');
      await lab.attach(leafNs, `p-${spec.name}`, 'vlan210');
      await lab.up(leafNs, `p-${spec.name}`);
    } else {
      await lab.veth(leafNs, 'vlan230', ns, 'eth0');
      await lab.addr(leafNs, 'vlan230', '10.77.230.254/24');
      await lab.up(leafNs, 'vlan230');
    }
    await lab.addr(ns, 'eth0', `${uplink}/24`);
    await lab.up(ns, 'eth0');
    await lab.exec(ns, 'ip', ['route', 'add', 'default', 'via', `10.77.${spec.segment}.254`]);
    // The pod: a namespace with a veth to br0, its gateway br0's address (LAB.md step 1).
    const podSubnet = `10.77.${spec.n}0.0/24`;
    await lab.bridge(ns, 'br0');
    await lab.addr(ns, 'br0', `10.77.${spec.n}0.254/24`);
    await lab.veth(ns, 'veth-pod', podNs, 'eth0');
    await lab.attach(ns, 'veth-pod', 'br0');
    await lab.up(ns, 'veth-pod');
    await lab.addr(podNs, 'eth0', `10.77.${spec.n}0.1/24`);
    await lab.up(podNs, 'eth0');
    await lab.exec(podNs, 'ip', ['route', 'add', 'default', 'via', `10.77.${spec.n}0.254`]);
    await sysctl(lab, ns, 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0');
    workers.push({ name: spec.name, ns, podNs, uplink, asn: 65000 + spec.n, podSubnet, podAddress: `10.77.${spec.n}0.1`, segment: spec.segment, tern: undefined as unknown as TerndInstance });
  }
  // The leaf passes next hops on unchanged, so a worker learns the other workers' own addresses and can tell
  // on-subnet (route directly) from off-subnet (VXLAN), as with a route reflector.
  const unchanged = workers.map((w) => `  neighbor ${w.uplink} attribute-unchanged next-hop`).join('\n');
  const leaf = await startFrr(lab, leafNs, {
    routerId: '10.77.0.254', asn: 65000,
    peers: workers.map((w) => ({ name: w.name, address: w.uplink, asn: w.asn, ipv4: true, holdTime: 9, gracefulRestart: true })),
    extraConfig: `router bgp 65000\n address-family ipv4 unicast\n${unchanged}\n exit-address-family\nexit\n`,
  });
  for (const w of workers) w.tern = await startTernd(lab, w.ns, workerConfig(w));
  return { leaf, leafNs, workers };
}

interface IpRoute { dst: string; gateway?: string; dev?: string; metric?: number; flags?: string[] }

async function route(lab: Lab, ns: string, dst: string): Promise<IpRoute | undefined> {
  const all = JSON.parse(await lab.exec(ns, 'ip', ['-json', '-4', 'route', 'show', 'proto', 'bgp'])) as IpRoute[];
  return all.find((r) => r.dst === dst);
}

async function txPackets(lab: Lab, ns: string, dev: string): Promise<number> {
  const [l] = JSON.parse(await lab.exec(ns, 'ip', ['-json', '-s', 'link', 'show', dev])) as { stats64?: { tx?: { packets?: number } } }[];
  return l?.stats64?.tx?.packets ?? 0;
}

async function ping(lab: Lab, from: Worker, to: Worker): Promise<Check> {
  try {
    const out = await lab.exec(from.podNs, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', to.podAddress]);
    const m = /(\d+) received/.exec(out);
    return { name: `ping ${from.name} pod → ${to.name} pod (${to.podAddress})`, ok: Number(m?.[1] ?? 0) >= 2, detail: m ? `${m[1]}/3 replies` : out.trim().split('\n').pop() ?? '' };
  } catch (e) {
    return { name: `ping ${from.name} pod → ${to.name} pod (${to.podAddress})`, ok: false, detail: (e as Error).message.split('\n')[0] ?? '' };
  }
}

/** Waits until the routes are in, then checks sessions, kernel routes, overlay entries and pod reachability. */
export async function checkWorkerLab(lab: Lab, wl: WorkerLab, timeoutMs = 60_000): Promise<Check[]> {
  const [w1, w2, w3] = wl.workers as [Worker, Worker, Worker];
  const checks: Check[] = [];
  const expectRoute = async (w: Worker, peer: Worker, want: { gateway: string; dev: string; onlink: boolean }): Promise<void> => {
    const name = `${w.name}: ${peer.podSubnet} via ${want.gateway} dev ${want.dev}${want.onlink ? ' onlink' : ''}`;
    try {
      const r = await waitFor(async () => {
        const got = await route(lab, w.ns, peer.podSubnet);
        return got && got.gateway === want.gateway && got.dev === want.dev ? got : notYet(got ?? 'no route');
      }, { what: name, timeoutMs });
      const onlink = (r.flags ?? []).includes('onlink');
      checks.push({ name, ok: onlink === want.onlink, detail: `proto bgp, metric ${r.metric ?? 0}${onlink ? ', onlink' : ''}` });
    } catch (e) {
      checks.push({ name, ok: false, detail: (e as Error).message.split('\n')[0] ?? '' });
    }
  };
  for (const w of wl.workers) {
    try {
      await w.tern.waitLog('bgp.session.established', () => true, timeoutMs);
      checks.push({ name: `${w.name}: BGP session with the leaf`, ok: true, detail: `AS ${w.asn} ↔ AS 65000` });
    } catch (e) {
      checks.push({ name: `${w.name}: BGP session with the leaf`, ok: false, detail: (e as Error).message.split('\n')[0] ?? '' });
    }
  }
  // Same subnet: routed directly on the uplink (LAB.md step 2).
  await expectRoute(w1, w2, { gateway: w2.uplink, dev: 'eth0', onlink: false });
  await expectRoute(w2, w1, { gateway: w1.uplink, dev: 'eth0', onlink: false });
  // Off subnet: through VXLAN (LAB.md step 4), both ways.
  await expectRoute(w2, w3, { gateway: w3.uplink, dev: 'vxlan.tern', onlink: true });
  await expectRoute(w1, w3, { gateway: w3.uplink, dev: 'vxlan.tern', onlink: true });
  await expectRoute(w3, w1, { gateway: w1.uplink, dev: 'vxlan.tern', onlink: true });
  await expectRoute(w3, w2, { gateway: w2.uplink, dev: 'vxlan.tern', onlink: true });
  // The neighbour and FDB entries for worker3's VTEP on worker2.
  const neigh = await lab.exec(w2.ns, 'ip', ['neigh', 'show', 'dev', 'vxlan.tern']).catch((e: Error) => e.message);
  const fdb = await lab.exec(w2.ns, 'bridge', ['fdb', 'show', 'dev', 'vxlan.tern']).catch((e: Error) => e.message);
  const mac3 = `02:74:${w3.uplink.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':')}`;
  checks.push({ name: `worker2: neighbour ${w3.uplink} → ${mac3} on vxlan.tern`, ok: neigh.includes(`${w3.uplink} lladdr ${mac3} PERMANENT`), detail: neigh.trim().split('\n')[0] ?? '' });
  checks.push({ name: `worker2: FDB ${mac3} → dst ${w3.uplink}`, ok: fdb.includes(`${mac3} dst ${w3.uplink}`), detail: fdb.trim().split('\n').find((l) => l.includes(mac3)) ?? fdb.trim() });
  // Pods ping across; the off-subnet pair's packets go out through the VXLAN device.
  checks.push(await ping(lab, w1, w2));
  const before = await txPackets(lab, w2.ns, 'vxlan.tern').catch(() => 0);
  const p23 = await ping(lab, w2, w3);
  const sent = (await txPackets(lab, w2.ns, 'vxlan.tern').catch(() => 0)) - before;
  checks.push({ ...p23, ok: p23.ok && sent >= 3, detail: `${p23.detail}, ${sent} packets out of vxlan.tern` });
  checks.push(await ping(lab, w3, w1));
  return checks;
}

export function renderChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `${c.ok ? 'PASS' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}`);
  const passed = checks.filter((c) => c.ok).length;
  return `${lines.join('\n')}\n\n${passed}/${checks.length} checks passed\n`;
}
