// ternd installs its best routes into the kernel of its namespace over netlink, read back with `ip -json
// route`: routes from BIRD and FRR (IPv4 and IPv6), an ECMP route when both announce a prefix, a blackhole
// for the block it owns, a route another protocol holds left alone, a route deleted behind its back put back,
// withdrawals removed, and a restart (SIGKILL) that changes nothing in the kernel.
import { afterAll, describe, expect, it } from 'vitest';
import { createLab, explained, linkLocalsReady, star, startBird, startCapture, startFrr, startTernd, waitFor, notYet, type BirdInstance, type FrrInstance, type Lab, type TerndInstance } from './harness/index.js';
import { labSuite } from './harness/suite.js';

const suite = labSuite(['bird', 'frr']);
const title = suite.title;

interface IpRoute {
  dst: string;
  type?: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  metric?: number;
  flags?: string[];
  nexthops?: { gateway?: string; dev?: string; flags?: string[] }[];
}

async function routes(lab: Lab, ns: string, family: '-4' | '-6' = '-4'): Promise<Map<string, IpRoute>> {
  const out = await lab.exec(ns, 'ip', ['-json', family, 'route', 'show', 'table', 'main']);
  return new Map((JSON.parse(out) as IpRoute[]).map((r) => [r.dst, r]));
}

const TERN_CONFIG = `
routerId: 10.77.0.1
localAs: 65001
ebgpRequiresPolicy: false   # routes over eBGP without policy (RFC 8212 relaxed): this test is about the FIB
holdTime: 9
connectRetryTime: 1
gracefulRestart: { restartTime: 30 }
decision: { maxPaths: 4, multipathRelax: true }
kernel: { enabled: true, antiEntropy: 5 }
staticRoutes:
  - { prefix: 10.77.50.0/24 }
peers:
  - { address: 10.77.1.2, remoteAs: 65002 }
  - { address: fd77:2::2, remoteAs: 65003 }
`;

describe.skipIf(!suite.ok)(title('kernel routes from BIRD and FRR'), () => {
  const lab = createLab();
  let tern!: TerndInstance;
  let bird!: BirdInstance;
  let frr!: FrrInstance;
  let t!: string;
  afterAll(() => lab.destroy());

  it('installs learned routes, an ECMP route and the owned blackhole, and leaves another protocol\'s route alone', () => explained(lab, async () => {
    const s = await star(lab, ['bird', 'frr']);
    t = s.tern;
    // Another protocol's route on a prefix BIRD will announce, with tern's metric: tern must not replace it.
    await lab.exec(t, 'ip', ['route', 'add', '10.77.160.0/24', 'via', '10.77.1.2', 'metric', '20', 'proto', 'static']);
    tern = await startTernd(lab, t, TERN_CONFIG);
    bird = await startBird(lab, s.spokes.bird!, {
      routerId: '10.77.0.2', asn: 65002,
      peers: [{ name: 'tern', address: '10.77.1.1', asn: 65001, ipv4: true }],
      staticRoutes: [{ prefix: '10.77.100.0/24' }, { prefix: '10.77.150.0/24' }, { prefix: '10.77.160.0/24' }],
    });
    frr = await startFrr(lab, s.spokes.frr!, {
      routerId: '10.77.0.3', asn: 65003,
      peers: [{ name: 'tern', address: 'fd77:2::1', asn: 65001, ipv4: true, ipv6: true, gracefulRestart: true }],
      staticRoutes: [{ prefix: '10.77.200.0/24' }, { prefix: '10.77.150.0/24' }, { prefix: 'fd77:200::/48' }],
    });

    const v4 = await waitFor(async () => {
      const r = await routes(lab, t);
      const ecmp = r.get('10.77.150.0/24');
      return r.get('10.77.100.0/24') && r.get('10.77.200.0/24') && ecmp?.nexthops?.length === 2 && r.get('10.77.50.0/24') ? r : notYet([...r.values()]);
    }, { what: 'BIRD and FRR routes and the ECMP route in the kernel', timeoutMs: 40_000 });
    expect(v4.get('10.77.100.0/24')).toMatchObject({ gateway: '10.77.1.2', dev: 'to-bird', protocol: 'bgp', metric: 20 });
    expect(v4.get('10.77.200.0/24')).toMatchObject({ gateway: '10.77.2.2', dev: 'to-frr', protocol: 'bgp', metric: 20 });
    const ecmp = v4.get('10.77.150.0/24')!;
    expect(ecmp.protocol).toBe('bgp');
    expect(ecmp.nexthops!.map((n) => `${n.gateway} ${n.dev}`).sort()).toEqual(['10.77.1.2 to-bird', '10.77.2.2 to-frr']);
    expect(v4.get('10.77.50.0/24')).toMatchObject({ type: 'blackhole', protocol: 'bgp', metric: 20 });
    // The static route is still the static one, and tern says why it could not install its own.
    expect(v4.get('10.77.160.0/24')).toMatchObject({ protocol: 'static', gateway: '10.77.1.2' });
    const failed = await tern.waitLog('kernel.fib.failed', (e) => (e.sample as string[]).includes('10.77.160.0/24'), 10_000);
    expect(String(failed.error)).toMatch(/EEXIST.*another protocol/);
    // bgpctl shows it with the kernel's error.
    const view = JSON.parse(tern.bgpctl(['show', 'kernel', '--json'])) as { problems: { prefix: string; state: string; error: string }[]; routes: { installed: number } };
    expect(view.problems).toContainEqual(expect.objectContaining({ prefix: '10.77.160.0/24', state: 'failed', error: expect.stringMatching(/^EEXIST/) }));
    expect(view.routes.installed).toBeGreaterThanOrEqual(4);
    expect(tern.bgpctl(['show', 'kernel'])).toMatch(/10\.77\.160\.0\/24\s+failed\s+EEXIST/);

    // bgpctl: the table, and the ECMP prefix explained from an address inside it (longest match).
    const table = tern.bgpctl(['show', 'routes']);
    expect(table, table).toMatch(/10\.77\.100\.0\/24\s+10\.77\.1\.2\s+10\.77\.1\.2\s+65002\s+bgp/);
    // FRR sends BIRD's route back through tern's own AS: kept, shown, never selected (RFC 4271 §9.1.2).
    const echo = tern.bgpctl(['explain', '10.77.100.0/24']);
    expect(echo, echo).toMatch(/from fd77:2::2 .*ineligible: as-loop/);
    expect(echo).toMatch(/\* from 10\.77\.1\.2 \(bgp, AS 65002\).*best/);
    const explained150 = JSON.parse(tern.bgpctl(['explain', '10.77.150.9', '--json'])) as { prefix: string; explanation: { candidates: { from: string; status: string }[] }; kernel: { state: string; nexthops: unknown[] } };
    expect(explained150.prefix).toBe('10.77.150.0/24');
    expect(explained150.explanation.candidates.map((c) => c.status).sort()).toEqual(['best', 'multipath']);
    expect(explained150.kernel).toMatchObject({ state: 'installed' });
    expect(explained150.kernel.nexthops).toHaveLength(2);
    expect(tern.bgpctl(['explain', '10.77.160.0/24'])).toMatch(/kernel: failed.*EEXIST/);

    const v6 = await waitFor(async () => (await routes(lab, t, '-6')).get('fd77:200::/48') ?? notYet('none'), { what: 'IPv6 route from FRR', timeoutMs: 30_000 });
    expect(v6).toMatchObject({ gateway: 'fd77:2::2', dev: 'to-frr', protocol: 'bgp', metric: 20 });
  }), 120_000);

  it('puts back a route deleted behind its back (the periodic re-read, every 5 s here)', () => explained(lab, async () => {
    await lab.exec(t, 'ip', ['route', 'del', '10.77.100.0/24', 'proto', 'bgp']);
    await tern.waitLog('kernel.fib.repair', (e) => e.route === '10.77.100.0/24' && e.found === 'missing', 15_000);
    await waitFor(async () => (await routes(lab, t)).get('10.77.100.0/24') ?? notYet('not back'), { what: 'route reinstalled', timeoutMs: 10_000 });
  }), 30_000);

  it('keeps every route through a SIGKILL restart, then changes nothing that is still wanted', () => explained(lab, async () => {
    const before = await routes(lab, t);
    const monitor = lab.spawn(t, 'ip', ['-t', 'monitor', 'route'], { name: 'ip-monitor' });
    await new Promise((r) => setTimeout(r, 300));
    tern.process.kill('SIGKILL');
    await waitFor(() => (tern.process.running() ? notYet('running') : true), { what: 'ternd gone', timeoutMs: 5000 });
    const after = await routes(lab, t);
    for (const p of ['10.77.100.0/24', '10.77.200.0/24', '10.77.150.0/24', '10.77.50.0/24']) expect(after.get(p)).toEqual(before.get(p));

    tern = await startTernd(lab, t, TERN_CONFIG, [], tern.stateDir);
    const adopted = await tern.waitLog('kernel.fib.adopted', undefined, 15_000);
    expect(adopted.routes).toBeGreaterThanOrEqual(5);
    await tern.waitLog('kernel.fib.startup-done', undefined, 40_000);
    await new Promise((r) => setTimeout(r, 500));
    monitor.kill('SIGTERM');
    // Not one of the wanted routes was deleted or re-added across the restart.
    const changes = monitor.output();
    for (const p of ['10.77.100.0/24', '10.77.200.0/24', '10.77.150.0/24', '10.77.50.0/24']) expect(changes).not.toContain(p);
    const settled = await routes(lab, t);
    for (const p of ['10.77.100.0/24', '10.77.200.0/24', '10.77.150.0/24', '10.77.50.0/24']) expect(settled.get(p)).toEqual(before.get(p));
  }), 90_000);

  it('removes the routes of a peer that goes away, and the ECMP route shrinks to one next hop', () => explained(lab, async () => {
    await bird.stop();
    const r = await waitFor(async () => {
      const now = await routes(lab, t);
      return !now.has('10.77.100.0/24') && now.get('10.77.150.0/24')?.gateway === '10.77.2.2' ? now : notYet([...now.values()]);
    }, { what: "BIRD's routes gone from the kernel", timeoutMs: 30_000 });
    expect(r.get('10.77.150.0/24')).toMatchObject({ gateway: '10.77.2.2', dev: 'to-frr', protocol: 'bgp' });
    expect(r.get('10.77.200.0/24')).toBeDefined();
    await frr.stop();
  }), 60_000);
});

/** ternd with FIB sync and one eBGP peer, no policy (RFC 8212 relaxed): the small kernel cases below. */
function kernelConfig(peer: string): string {
  return `
routerId: 10.77.0.1
localAs: 65001
holdTime: 9
connectRetryTime: 1
ebgpRequiresPolicy: false
kernel: { enabled: true }
peers:
  - ${peer}
`;
}

describe.skipIf(!suite.ok)(title('kernel routes over an IPv6 next hop (RFC 8950)'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('installs an IPv4 route learned with an IPv6 next hop as `via inet6`', () => explained(lab, async () => {
    const s = await star(lab, ['frr']);
    // FRR puts eth0's link-local address beside the global one in the IPv6 next hop it sends; started while
    // that address is still tentative it finds none ("eth0 does not have a v6 LL address").
    await linkLocalsReady(lab, [[s.tern, 'to-frr'], [s.spokes.frr!, 'eth0']]);
    const tern = await startTernd(lab, s.tern, kernelConfig('{ address: fd77:1::2, remoteAs: 65003, extendedNextHop: true }'));
    await startFrr(lab, s.spokes.frr!, {
      routerId: '10.77.0.3', asn: 65003,
      peers: [{ name: 'tern', address: 'fd77:1::1', asn: 65001, ipv4: true, ipv6: true, extendedNextHop: true }],
      staticRoutes: [{ prefix: '10.77.210.0/24' }],
    });
    const out = await waitFor(async () => {
      const all = JSON.parse(await lab.exec(s.tern, 'ip', ['-json', '-4', 'route', 'show', 'proto', 'bgp'])) as { dst: string; via?: { family: string; host: string }; gateway?: string; dev?: string }[];
      return all.find((r) => r.dst === '10.77.210.0/24') ?? notYet(all);
    }, { what: "FRR's IPv4 route with an IPv6 next hop in the kernel", timeoutMs: 40_000 });
    expect(out.via?.family).toBe('inet6');
    expect(out.via?.host === 'fd77:1::2' || /^fe80:/.test(out.via?.host ?? '')).toBe(true);
    expect(out.dev).toBe('to-frr');
    expect(JSON.parse(tern.bgpctl(['show', 'kernel', '--json'])).problems).toEqual([]);
  }), 90_000);
});

describe.skipIf(!suite.ok)(title('kernel routes without permission'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('says once that it lacks CAP_NET_ADMIN, keeps the session, and shows the refused routes', () => explained(lab, async () => {
    const s = await star(lab, ['bird']);
    const tern = await startTernd(lab, s.tern, kernelConfig('{ address: 10.77.1.2, remoteAs: 65002 }'), [], undefined, { dropCapabilities: ['cap_net_admin'] });
    await startBird(lab, s.spokes.bird!, {
      routerId: '10.77.0.2', asn: 65002,
      peers: [{ name: 'tern', address: '10.77.1.1', asn: 65001, ipv4: true }],
      staticRoutes: Array.from({ length: 50 }, (_, i) => ({ prefix: `10.77.${100 + i}.0/24` })),
    });
    const report = await tern.waitLog('kernel.fib.failed', undefined, 40_000);
    expect(report).toMatchObject({ level: 'warn', error: expect.stringMatching(/^EPERM: ternd needs CAP_NET_ADMIN/) });
    const view = await waitFor(() => {
      const v = JSON.parse(tern.bgpctl(['show', 'kernel', '--json'])) as { routes: { failed: number; installed: number } };
      return v.routes.failed === 50 ? v : notYet(v);
    }, { what: 'all 50 routes failed in bgpctl show kernel', timeoutMs: 20_000 });
    expect(view.routes.installed).toBe(0);
    // One report for the fifty, and the BGP side is unharmed.
    expect(tern.logs().filter((e) => e.event === 'kernel.fib.failed')).toHaveLength(1);
    expect(JSON.parse(tern.bgpctl(['show', 'neighbors', '--json']))[0]).toMatchObject({ state: 'Established', prefixesReceived: 50 });
    expect(JSON.parse(await lab.exec(s.tern, 'ip', ['-json', 'route', 'show', 'proto', 'bgp']))).toEqual([]);
  }), 90_000);
});

describe.skipIf(!suite.ok)(title('kernel routes over a link-local next hop (RFC 2545)'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('installs a route whose only next hop is link-local on the interface of its session', () => explained(lab, async () => {
    const t = await lab.namespace('tern');
    const b = await lab.namespace('bird');
    // Link-local addresses only: BIRD has nothing else to put in the next hop.
    await lab.connect({ ns: t, ifname: 'to-bird', addrs: ['fe80::1/64'] }, { ns: b, ifname: 'eth0', addrs: ['fe80::2/64'] });
    // Under load the kernel's own link-local addresses of the veths finish duplicate address detection before
    // the sessions start, and the kernel may then pick one of them as the source of a connection. Wait for
    // that here, so the case is met every time rather than now and then.
    await linkLocalsReady(lab, [[t, 'to-bird'], [b, 'eth0']]);
    const capture = await startCapture(lab, t, 'to-bird');
    // Both ends therefore bind to the configured addresses: tern's sourceAddress (with its zone) and BIRD's
    // `source address`.
    const tern = await startTernd(lab, t, kernelConfig('{ address: "fe80::2%to-bird", sourceAddress: "fe80::1%to-bird", remoteAs: 65002, families: [ipv6-unicast] }'));
    await startBird(lab, b, {
      routerId: '10.77.0.2', asn: 65002, peers: [],
      extraConfig: 'protocol static s6 { ipv6; route fd77:300::/48 blackhole; }\n'
        + 'protocol bgp tern { local as 65002; source address fe80::2; neighbor fe80::1%eth0 as 65001; connect delay time 1; connect retry time 2; ipv6 { import all; export all; }; }',
    });
    const route = await waitFor(async () => {
      const all = JSON.parse(await lab.exec(t, 'ip', ['-json', '-6', 'route', 'show', 'proto', 'bgp'])) as { dst: string; gateway?: string; dev?: string }[];
      return all.find((r) => r.dst === 'fd77:300::/48') ?? notYet(all);
    }, { what: "BIRD's route via its link-local address in the kernel", timeoutMs: 40_000 });
    expect(route).toMatchObject({ gateway: 'fe80::2', dev: 'to-bird' });
    expect(JSON.parse(tern.bgpctl(['show', 'kernel', '--json'])).problems).toEqual([]);
    // The veths also have the kernel's own link-local addresses: a connection from one of those is refused by
    // the other side as from an unknown address. Every connection ran between the configured ones.
    const ends = (await capture.connections()).map((c) => [c.initiator, c.responder].sort().join(' '));
    expect(ends.length).toBeGreaterThan(0);
    expect(new Set(ends)).toEqual(new Set(['fe80::1 fe80::2']));
  }), 90_000);
});
