// Routes through ternd between real daemons: BIRD and FRR announce, ternd passes on to every other peer
// (eBGP: its AS prepended, next hop its own address on each link, for IPv4 and IPv6), a withdraw travels
// too, and as a graceful-restart helper ternd keeps a killed FRR's routes (RFC 4724 §4.2); restarted itself,
// ternd sets the R bit only on the OPENs of its restart (§4.1).
import { afterAll, describe, expect, it } from 'vitest';
import { createLab, explained, star, startBird, startCapture, startFrr, startGobgp, startTernd, waitFor, notYet, type BirdInstance, type FrrInstance, type GobgpInstance, type TerndInstance } from './harness/index.js';
import { labSuite } from './harness/suite.js';

const suite = labSuite(['bird', 'frr', 'gobgp']);
const title = suite.title;

interface GobgpPath { nlri?: { prefix?: string }; attrs?: { type?: number; as_paths?: { asns?: number[]; numbers?: number[] }[]; nexthop?: string; mp_reach_nlri?: { next_hops?: string[] } }[] }

function gobgpRoute(rib: unknown, prefix: string): { asPath: number[]; nextHop: string } | undefined {
  const paths = (rib as Record<string, GobgpPath[]>)[prefix];
  const attrs = paths?.[0]?.attrs ?? [];
  const asPath = attrs.flatMap((a) => a.as_paths?.flatMap((s) => s.asns ?? s.numbers ?? []) ?? []);
  const nextHop = attrs.find((a) => a.nexthop)?.nexthop ?? attrs.find((a) => a.mp_reach_nlri)?.mp_reach_nlri?.next_hops?.[0];
  return paths ? { asPath, nextHop: nextHop ?? '' } : undefined;
}

interface FrrPath { path?: string; aspath?: { string?: string }; nexthops?: { ip?: string; scope?: string }[] }

function frrRoute(rib: unknown, prefix: string): { asPath: string; nextHop: string } | undefined {
  const paths = (rib as { routes?: Record<string, FrrPath[]> }).routes?.[prefix];
  if (!paths?.length) return undefined;
  const p = paths[0]!;
  return { asPath: p.path ?? p.aspath?.string ?? '', nextHop: p.nexthops?.find((n) => n.scope !== 'link-local')?.ip ?? p.nexthops?.[0]?.ip ?? '' };
}

const TERN_CONFIG = `
routerId: 10.77.0.1
localAs: 65001
ebgpRequiresPolicy: false   # these tests pass routes over eBGP without policy (RFC 8212 relaxed)
holdTime: 9
connectRetryTime: 1
peers:
  - { address: 10.77.1.2, remoteAs: 65002 }
  - { address: fd77:2::2, remoteAs: 65003 }
  - { address: 10.77.3.2, remoteAs: 65004 }
`;

describe.skipIf(!suite.ok)(title('routes through ternd'), () => {
  const lab = createLab();
  let tern!: TerndInstance;
  let bird!: BirdInstance;
  let frr!: FrrInstance;
  let gobgp!: GobgpInstance;
  afterAll(() => lab.destroy());

  it('passes IPv4 and IPv6 routes between BIRD, FRR and GoBGP with its AS prepended and its own next hops', () => explained(lab, async () => {
    const { tern: t, spokes } = await star(lab, ['bird', 'frr', 'gobgp']);
    const b = spokes.bird!;
    const f = spokes.frr!;
    const g = spokes.gobgp!;
    tern = await startTernd(lab, t, TERN_CONFIG);
    bird = await startBird(lab, b, {
      routerId: '10.77.0.2', asn: 65002,
      peers: [{ name: 'tern', address: '10.77.1.1', asn: 65001, ipv4: true, ipv6: true }],
      staticRoutes: [{ prefix: '10.77.100.0/24' }, { prefix: 'fd77:100::/48' }],
    });
    frr = await startFrr(lab, f, {
      routerId: '10.77.0.3', asn: 65003,
      peers: [{ name: 'tern', address: 'fd77:2::1', asn: 65001, ipv4: true, ipv6: true, gracefulRestart: true }],
      staticRoutes: [{ prefix: '10.77.200.0/24' }, { prefix: 'fd77:200::/48' }],
    });
    gobgp = await startGobgp(lab, g, { routerId: '10.77.0.4', asn: 65004, peers: [{ name: 'tern', address: '10.77.3.1', asn: 65001, ipv4: true, ipv6: true }] });

    // GoBGP sees both announcers' routes through tern: path 65001 <origin AS>, next hop tern's on that link.
    const v4 = await waitFor(async () => {
      const rib = await gobgp.ribJson('ipv4');
      const a = gobgpRoute(rib, '10.77.100.0/24');
      const c = gobgpRoute(rib, '10.77.200.0/24');
      return a && c ? { a, c } : notYet(rib);
    }, { what: 'IPv4 routes of BIRD and FRR in GoBGP', timeoutMs: 30_000 });
    expect(v4.a).toEqual({ asPath: [65001, 65002], nextHop: '10.77.3.1' });
    expect(v4.c).toEqual({ asPath: [65001, 65003], nextHop: '10.77.3.1' });
    const v6 = await waitFor(async () => {
      const rib = await gobgp.ribJson('ipv6');
      const a = gobgpRoute(rib, 'fd77:100::/48');
      const c = gobgpRoute(rib, 'fd77:200::/48');
      return a && c ? { a, c } : notYet(rib);
    }, { what: 'IPv6 routes in GoBGP', timeoutMs: 30_000 });
    expect(v6.a).toEqual({ asPath: [65001, 65002], nextHop: 'fd77:3::1' });
    expect(v6.c.asPath).toEqual([65001, 65003]);

    // FRR (IPv6 session) gets BIRD's routes, IPv4 with tern's IPv4 address on the FRR link.
    const frrV4 = await waitFor(async () => frrRoute(await frr.routesJson('ipv4'), '10.77.100.0/24') ?? notYet('none'), { what: 'BIRD route in FRR', timeoutMs: 30_000 });
    expect(frrV4).toEqual({ asPath: '65001 65002', nextHop: '10.77.2.1' });
    const frrV6 = await waitFor(async () => frrRoute(await frr.routesJson('ipv6'), 'fd77:100::/48') ?? notYet('none'), { what: 'BIRD IPv6 route in FRR', timeoutMs: 30_000 });
    expect(frrV6.asPath).toBe('65001 65002');

    // BIRD gets FRR's routes.
    await waitFor(async () => /10\.77\.200\.0\/24[\s\S]*?BGP\.as_path: 65001 65003/.test(await bird.birdc('show route 10.77.200.0/24 all')) || undefined,
      { what: "FRR's route in BIRD with path 65001 65003", timeoutMs: 30_000 });
    // No route goes back to where it came from.
    expect(await bird.birdc('show route 10.77.100.0/24 all')).not.toMatch(/65001 65002/);
  }), 120_000);

  it('keeps a killed FRR routes as a graceful-restart helper', () => explained(lab, async () => {
    await frr.kill9();
    await tern.waitLog('rib.gr.stale', (e) => e.peer === 'fd77:2::2', 20_000);
    // Still announced to GoBGP a few seconds later: the routes were kept, not withdrawn.
    await new Promise((r) => setTimeout(r, 2000));
    expect(gobgpRoute(await gobgp.ribJson('ipv4'), '10.77.200.0/24')).toBeDefined();
  }), 60_000);

  it('withdraws routes whose announcer shuts down', () => explained(lab, async () => {
    await bird.stop();
    await waitFor(async () => (gobgpRoute(await gobgp.ribJson('ipv4'), '10.77.100.0/24') ? notYet('still there') : true),
      { what: "BIRD's route withdrawn from GoBGP", timeoutMs: 30_000 });
    await waitFor(async () => (gobgpRoute(await gobgp.ribJson('ipv6'), 'fd77:100::/48') ? notYet('still there') : true),
      { what: "BIRD's IPv6 route withdrawn from GoBGP", timeoutMs: 30_000 });
  }), 60_000);
});

describe.skipIf(!suite.ok)(title('prefix limits and route refresh with BIRD'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('answers a route refresh, and ends a session over its prefix limit with Cease/1 (RFC 4486)', () => explained(lab, async () => {
    const t = await lab.namespace('tern');
    const b = await lab.namespace('bird');
    const g = await lab.namespace('gobgp');
    await lab.connect({ ns: t, ifname: 'to-bird', addrs: ['10.77.1.1/24'] }, { ns: b, ifname: 'eth0', addrs: ['10.77.1.2/24'] });
    await lab.connect({ ns: t, ifname: 'to-gobgp', addrs: ['10.77.3.1/24'] }, { ns: g, ifname: 'eth0', addrs: ['10.77.3.2/24'] });
    const tern = await startTernd(lab, t, `
routerId: 10.77.0.1
localAs: 65001
ebgpRequiresPolicy: false   # these tests pass routes over eBGP without policy (RFC 8212 relaxed)
connectRetryTime: 1
families: [ipv4-unicast]
peers:
  - { address: 10.77.1.2, remoteAs: 65002 }
  - { address: 10.77.3.2, remoteAs: 65004, maxPrefix: { limit: 2, restartAfter: 0 } }
`);
    const bird = await startBird(lab, b, { routerId: '10.77.0.2', asn: 65002, peers: [{ name: 'tern', address: '10.77.1.1', asn: 65001 }] });
    const gobgp = await startGobgp(lab, g, { routerId: '10.77.0.4', asn: 65004, peers: [{ name: 'tern', address: '10.77.3.1', asn: 65001 }] });
    await gobgp.waitEstablished('10.77.3.1', 30_000);
    for (const p of ['10.77.50.0/24', '10.77.51.0/24']) await gobgp.gobgp(['global', 'rib', 'add', '-a', 'ipv4', p]);
    await waitFor(async () => (await bird.birdc('show route count')).match(/(\d+) of \d+ routes/)?.[1] === '2' || undefined, { what: 'BIRD holding 2 routes', timeoutMs: 20_000 });

    // BIRD asks for our routes again (`reload in`): ternd answers, and BIRD keeps them.
    await bird.birdc('reload in tern');
    await tern.waitLog('bgp.route-refresh', (e) => e.peer === '10.77.1.2' && e.subtype === 'request');
    expect((await bird.birdc('show route count')).match(/(\d+) of \d+ routes/)?.[1]).toBe('2');

    // A third prefix from GoBGP crosses its limit of 2: Cease/1 with AFI 1, SAFI 1, limit 2; it stays down.
    await gobgp.gobgp(['global', 'rib', 'add', '-a', 'ipv4', '10.77.52.0/24']);
    const down = await tern.waitLog('bgp.fsm.transition', (e) => e.peer === '10.77.3.2' && e.reason === 'max-prefix');
    expect(down.to).toBe('Idle');
    const neighbour = await waitFor(async () => {
      const n = (await gobgp.neighborsJson()) as { state: { session_state: number; messages?: { received?: { notification?: number } } } }[];
      return n[0] && n[0].state.session_state !== 6 ? n[0] : notYet(n[0]?.state.session_state);
    }, { what: 'GoBGP session down', timeoutMs: 20_000 });
    expect(neighbour.state.messages?.received?.notification).toBe(1);
    // Its routes are withdrawn from BIRD.
    await waitFor(async () => (await bird.birdc('show route count')).match(/(\d+) of \d+ routes/)?.[1] === '0' || undefined, { what: 'BIRD holding none', timeoutMs: 20_000 });
  }), 90_000);
});

describe.skipIf(!suite.ok)(title('ternd restarting gracefully with BIRD as helper'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  /** What BIRD lists under "Neighbor capabilities" for ternd's graceful-restart capability. */
  async function grCapability(bird: BirdInstance): Promise<string> {
    const view = await bird.birdc('show protocols all tern');
    const caps = /Neighbor capabilities\n([\s\S]*?)\n\s*Session:/.exec(view)?.[1] ?? '';
    return /Graceful restart\n((?:\s{8,}.*\n?)*)/.exec(caps)?.[1]?.replace(/\s+/g, ' ').trim() ?? `(none in: ${caps})`;
  }

  it('BIRD keeps ternd\'s routes while ternd is dead; ternd comes back with the R bit, and drops it once its restart is over', () => explained(lab, async () => {
    const t = await lab.namespace('tern');
    const b = await lab.namespace('bird');
    await lab.connect({ ns: t, ifname: 'to-bird', addrs: ['10.77.1.1/24'] }, { ns: b, ifname: 'eth0', addrs: ['10.77.1.2/24'] });
    const capture = await startCapture(lab, t, 'to-bird');
    const config = `
routerId: 10.77.0.1
localAs: 65001
ebgpRequiresPolicy: false   # these tests pass routes over eBGP without policy (RFC 8212 relaxed)
connectRetryTime: 1
families: [ipv4-unicast]
gracefulRestart: { enabled: true, restartTime: 60 }
staticRoutes:
  - prefix: 10.77.60.0/24
peers:
  - { address: 10.77.1.2, remoteAs: 65002 }
`;
    const first = await startTernd(lab, t, config);
    const bird = await startBird(lab, b, { routerId: '10.77.0.2', asn: 65002, peers: [{ name: 'tern', address: '10.77.1.1', asn: 65001, gracefulRestart: true }] });
    await waitFor(async () => /10\.77\.60\.0\/24/.test(await bird.birdc('show route')) || undefined, { what: 'the static route in BIRD', timeoutMs: 20_000 });
    expect(first.logs().find((e) => e.event === 'ternd.start')?.restarting).toBe(false);
    // BIRD lists the families with F set after "AF preserved:": none.
    expect(await grCapability(bird)).toBe('Restart time: 60 AF supported: ipv4 AF preserved:');

    const killedAt = Date.now() / 1000;
    first.process.kill('SIGKILL');
    await first.process.exited;
    // BIRD noticed the session is gone yet still holds the route, as a GR helper must (RFC 4724 §4.2).
    await waitFor(async () => !/Established/.test(await bird.birdc('show protocols tern')) || undefined, { what: 'BIRD seeing the session down', timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await bird.birdc('show route 10.77.60.0/24')).toMatch(/10\.77\.60\.0\/24/);

    // The restarted ternd re-establishes with R (BIRD: "Restart recovery") and F ("AF preserved").
    const second = await startTernd(lab, t, config, [], first.stateDir);
    await bird.waitEstablished('tern', 30_000);
    expect(second.logs().find((e) => e.event === 'ternd.start')).toMatchObject({ restarting: true });
    expect(await grCapability(bird)).toBe('Restart time: 60 Restart recovery AF supported: ipv4 AF preserved: ipv4');
    expect(await bird.birdc('show route 10.77.60.0/24')).toMatch(/10\.77\.60\.0\/24/);

    // BIRD's End-of-RIB ends ternd's selection deferral: the restart is over. BIRD restarts the session,
    // and ternd's next OPEN says it is not restarting (RFC 4724 §4.1: R belongs to the restart's OPENs).
    await second.waitLog('rib.gr.deferral-end');
    const resetAt = Date.now() / 1000;
    await bird.birdc('restart tern');
    await waitFor(() => second.logs().filter((e) => e.event === 'bgp.session.established').length >= 2 || undefined, { what: 'ternd re-established with BIRD', timeoutMs: 30_000 });
    await bird.waitEstablished('tern', 30_000);
    expect(await grCapability(bird)).toBe('Restart time: 60 AF supported: ipv4 AF preserved:');

    // The wire, decoded by tshark: every OPEN ternd sent, by phase (fresh start, restart, after the restart).
    const [freshStart, restart, afterRestart] = await waitFor(async () => {
      const opens = (await capture.messages()).filter((m) => m.type === 1 && m.src === '10.77.1.1');
      const phase = (from: number, to: number) => opens.filter((m) => m.time > from && m.time < to).map((m) => m.restartState);
      const phases = [phase(0, killedAt), phase(killedAt, resetAt), phase(resetAt, Infinity)];
      return phases.every((p) => p.length > 0) ? phases : notYet(phases);
    }, { what: 'ternd\'s OPENs of all three phases in the capture', timeoutMs: 15_000 });
    expect(new Set(freshStart)).toEqual(new Set([false]));
    expect(new Set(restart)).toEqual(new Set([true]));
    expect(new Set(afterRestart)).toEqual(new Set([false]));
  }), 120_000);
});
