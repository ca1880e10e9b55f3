// The three-worker lab of ../shared/LAB.md, automated by ternd: FRR as the leaf, ternd on every worker,
// pods pinging across. worker1 and worker2 share a subnet and route directly; worker3 is off-subnet and is
// reached through VXLAN (route onlink via the VXLAN device, neighbour and FDB entries for its derived MAC).
import { afterAll, describe, expect, it } from 'vitest';
import { buildWorkerLab, checkWorkerLab, createLab, explained, renderChecks, startTernd, workerConfig, type WorkerLab } from './harness/index.js';
import { labSuite } from './harness/suite.js';

const suite = labSuite(['frr']);
const title = suite.title;

describe.skipIf(!suite.ok)(title('three workers behind a leaf'), () => {
  const lab = createLab();
  let wl!: WorkerLab;
  afterAll(() => lab.destroy());

  it('routes pods on the same subnet directly and the off-subnet worker through VXLAN', () => explained(lab, async () => {
    wl = await buildWorkerLab(lab);
    const checks = await checkWorkerLab(lab, wl);
    const failed = checks.filter((c) => !c.ok);
    expect(failed, renderChecks(checks)).toEqual([]);
    expect(checks.map((c) => c.name)).toHaveLength(14);
  }), 150_000);

  // RFC 4724: the daemon goes, its kernel routes stay, the leaf keeps its routes as a graceful-restart helper;
  // the new daemon adopts the routes and changes nothing that is still right. A ping every 100 ms from
  // worker2's pod to worker3's (through VXLAN) runs across each restart and loses at most one probe.
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`keeps pods reachable while worker2's ternd restarts after ${signal}`, () => explained(lab, async () => {
      const [, w2, w3] = wl.workers;
      // -O reports every probe without an answer, so losses show up line by line.
      const ping = lab.spawn(w2!.podNs, 'ping', ['-O', '-i', '0.1', '-W', '1', w3!.podAddress], { name: `ping-${signal}` });
      await new Promise((r) => setTimeout(r, 1000));
      const old = w2!.tern;
      if (signal === 'SIGTERM') await old.stop();
      else {
        old.process.kill('SIGKILL');
        await old.process.stop();
      }
      await new Promise((r) => setTimeout(r, 1000)); // the daemon is away a while
      w2!.tern = await startTernd(lab, w2!.ns, workerConfig(w2!), [], old.stateDir);
      await w2!.tern.waitLog('kernel.fib.startup-done', undefined, 40_000);
      await new Promise((r) => setTimeout(r, 1000));
      await ping.stop();
      const out = ping.output();
      const replies = new Set([...out.matchAll(/bytes from .*icmp_seq=(\d+)/g)].map((m) => Number(m[1])));
      const lastSeq = Math.max(...[...out.matchAll(/icmp_seq=(\d+)/g)].map((m) => Number(m[1])));
      const lost = [...Array(lastSeq).keys()].map((i) => i + 1).filter((seq) => !replies.has(seq));
      expect(lastSeq).toBeGreaterThan(20);
      expect(lost.length, `lost probes ${lost.join(', ')} of ${lastSeq}`).toBeLessThanOrEqual(1);
      // The adopted routes were kept, not re-added.
      const adopted = await w2!.tern.waitLog('kernel.fib.adopted', undefined, 1000);
      expect(adopted.routes).toBeGreaterThanOrEqual(2);
    }), 90_000);
  }

  // This kernel has no ipip module: asking for IPIP must say so once, clearly, and break nothing else.
  it('reports a missing tunnel type clearly and keeps every route that needs no tunnel', () => explained(lab, async () => {
    const [w1, w2, w3] = wl.workers;
    const old = w1!.tern;
    await old.stop();
    const config = workerConfig(w1!).replace('encapsulation: vxlan', 'encapsulation: ipip');
    w1!.tern = await startTernd(lab, w1!.ns, config, [], old.stateDir);
    const report = await w1!.tern.waitLog('kernel.overlay.unavailable', undefined, 15_000);
    expect(report).toMatchObject({ level: 'error', type: 'ipip', device: 'tunl0' });
    expect(String(report.error)).toMatch(/kernel has no ipip tunnels.*modprobe ipip.*encapsulation/);
    await w1!.tern.waitLog('kernel.fib.startup-done', undefined, 40_000);
    // The same-subnet route is there, pods on worker2 answer; the route to off-subnet worker3 is not
    // installed through a tunnel that does not exist.
    const routes = JSON.parse(await lab.exec(w1!.ns, 'ip', ['-json', 'route', 'show', 'proto', 'bgp'])) as { dst: string; gateway?: string; dev?: string }[];
    expect(routes.find((r) => r.dst === w2!.podSubnet)).toMatchObject({ gateway: w2!.uplink, dev: 'eth0' });
    expect(routes.find((r) => r.dst === w3!.podSubnet && r.dev === 'tunl0')).toBeUndefined();
    expect(await lab.exec(w1!.podNs, 'ping', ['-c', '2', '-i', '0.2', '-W', '2', w2!.podAddress])).toMatch(/2 received/);
    expect(w1!.tern.logs().filter((e) => e.event === 'kernel.overlay.unavailable')).toHaveLength(1);
    // bgpctl says the same, and which route waits for the tunnel.
    const shown = w1!.tern.bgpctl(['show', 'kernel']);
    expect(shown).toMatch(/tunnel unavailable: the kernel has no ipip tunnels/);
    expect(shown).toMatch(new RegExp(`${w3!.podSubnet.replace(/\./g, '\\.')}\\s+unresolved\\s+${w3!.uplink.replace(/\./g, '\\.')}: the kernel has no ipip`));
  }), 90_000);
});
