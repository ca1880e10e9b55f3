// ternd against real BIRD 2, FRR and GoBGP in network namespaces: sessions come up with the expected
// capabilities (as each peer reports them), the hold timer expires on a frozen peer, an admin shutdown's
// RFC 9003 message reaches the other side, and a listen range accepts 50 dynamic peers.
import { afterAll, describe, expect, it } from 'vitest';
import { createLab, explained, star, startBird, startFrr, startGobgp, startTernd, waitFor, type BirdInstance, type FrrInstance, type GobgpInstance, type TerndInstance } from './harness/index.js';
import { labSuite } from './harness/suite.js';

const suite = labSuite(['bird', 'frr', 'gobgp']);
const title = suite.title;

const TERN_CONFIG = `
routerId: 10.77.0.1
localAs: 65001
holdTime: 9
connectRetryTime: 1
hostname: ternlab
gracefulRestart: { enabled: true, restartTime: 30 }
peers:
  - address: 10.77.1.2
    remoteAs: 65002
    description: bird
  - address: fd77:2::2
    remoteAs: 65003
    description: frr over IPv6
  - address: 10.77.3.2
    remoteAs: 65004
    description: gobgp
`;

describe.skipIf(!suite.ok)(title('ternd with BIRD, FRR and GoBGP'), () => {
  const lab = createLab();
  let tern!: TerndInstance;
  let bird!: BirdInstance;
  let frr!: FrrInstance;
  let gobgp!: GobgpInstance;
  afterAll(() => lab.destroy());

  it('establishes IPv4 and IPv6 sessions that each peer reports with the negotiated capabilities', () => explained(lab, async () => {
    const { tern: t, spokes } = await star(lab, ['bird', 'frr', 'gobgp']);
    const b = spokes.bird!;
    const f = spokes.frr!;
    const g = spokes.gobgp!;
    tern = await startTernd(lab, t, TERN_CONFIG);
    bird = await startBird(lab, b, { routerId: '10.77.0.2', asn: 65002, peers: [{ name: 'tern', address: '10.77.1.1', asn: 65001, ipv4: true, ipv6: true, gracefulRestart: true, holdTime: 9 }] });
    frr = await startFrr(lab, f, { routerId: '10.77.0.3', asn: 65003, peers: [{ name: 'tern', address: 'fd77:2::1', asn: 65001, ipv4: true, ipv6: true, gracefulRestart: true }] });
    gobgp = await startGobgp(lab, g, { routerId: '10.77.0.4', asn: 65004, peers: [{ name: 'tern', address: '10.77.3.1', asn: 65001, ipv4: true, ipv6: true }] });

    const birdView = await bird.waitEstablished('tern', 30_000);
    expect(birdView).toMatch(/Neighbor AS:\s+65001/);
    expect(birdView).toMatch(/Neighbor ID:\s+10\.77\.0\.1/);
    // BIRD 2.0 lists what it received from us under "Neighbor capabilities".
    const caps = /Neighbor capabilities\n([\s\S]*?)\n\s*Session:/.exec(birdView)?.[1] ?? '';
    for (const line of ['AF announced: ipv4 ipv6', 'Route refresh', 'Extended message', 'Restart time: 30', '4-octet AS numbers', 'Enhanced refresh', 'Hostname: ternlab']) {
      expect(caps).toContain(line);
    }
    expect(birdView).toMatch(/Session:\s+external AS4/);
    expect(birdView).toMatch(/Hold timer:\s+[\d.]+\/9/);

    const frrView = await frr.waitEstablished('fd77:2::1', 30_000);
    const frrText = JSON.stringify(frrView);
    expect(frrView).toMatchObject({ remoteAs: 65001, remoteRouterId: '10.77.0.1' });
    expect(frrView).toMatchObject({
      bgpTimerHoldTimeMsecs: 9000,
      neighborCapabilities: {
        '4byteAs': 'advertisedAndReceived',
        extendedMessage: 'advertisedAndReceived',
        enhancedRouteRefresh: 'advertisedAndReceived',
        gracefulRestart: 'advertisedAndReceived',
        gracefulRestartRemoteTimerMsecs: 30000,
        multiprotocolExtensions: { ipv4Unicast: { advertisedAndReceived: true }, ipv6Unicast: { advertisedAndReceived: true } },
        hostName: { rcvHostName: 'ternlab' },
      },
    });
    expect(frrText).toMatch(/"routeRefresh":"advertisedAndReceived/);

    const gobgpView = await gobgp.waitEstablished('10.77.3.1', 30_000);
    expect(gobgpView).toMatchObject({ state: { peer_asn: 65001, router_id: '10.77.0.1', session_state: 6 }, timers: { state: { negotiated_hold_time: 9 } } });
    // GoBGP lists the capabilities it received by type.
    const received = (gobgpView as { state: { remote_cap: { type_url: string }[] } }).state.remote_cap.map((c) => c.type_url.split('.').pop());
    for (const cap of ['FourOctetASNCapability', 'RouteRefreshCapability', 'EnhancedRouteRefreshCapability', 'GracefulRestartCapability', 'FqdnCapability', 'MultiProtocolCapability']) {
      expect(received).toContain(cap);
    }
    await tern.waitLog('bgp.session.established', (e) => e.peer === '10.77.3.2');
    const established = tern.logs().filter((e) => e.event === 'bgp.session.established').map((e) => e.peer);
    expect(new Set(established)).toEqual(new Set(['10.77.1.2', 'fd77:2::2', '10.77.3.2']));
  }), 90_000);

  it('sends eBGP packets with TTL 1 (a directly connected peer)', () => explained(lab, async () => {
    // Keepalives flow every 3 s (hold time 9): capture a few of tern's on BIRD's side and read their TTL.
    const dump = lab.spawn(bird.ns, 'tcpdump', ['-c', '2', '-nv', '-i', 'eth0', 'src host 10.77.1.1 and tcp port 179'], { name: 'tcpdump' });
    await waitFor(() => (/ttl \d+/.test(dump.output()) && /2 packets captured/.test(dump.output())) || undefined, { what: 'two captured packets from tern', timeoutMs: 15_000 });
    const ttls = [...dump.output().matchAll(/ttl (\d+)/g)].map((m) => Number(m[1]));
    expect(ttls.length).toBeGreaterThan(0);
    expect(new Set(ttls)).toEqual(new Set([1]));
  }), 30_000);

  it('expires the hold timer when BIRD freezes, then re-establishes when it thaws', () => explained(lab, async () => {
    bird.process.kill('SIGSTOP');
    try {
      const down = await tern.waitLog('bgp.fsm.transition', (e) => e.peer === '10.77.1.2' && e.reason === 'hold-timer-expired', 20_000);
      expect(down.to).toBe('Idle');
    } finally {
      bird.process.kill('SIGCONT');
    }
    const before = tern.logs().filter((e) => e.event === 'bgp.session.established' && e.peer === '10.77.1.2').length;
    await waitFor(() => tern.logs().filter((e) => e.event === 'bgp.session.established' && e.peer === '10.77.1.2').length > before, { what: 'tern re-established with BIRD', timeoutMs: 40_000 });
    await bird.waitEstablished('tern', 30_000);
  }), 90_000);

  it('is steered with bgpctl: show neighbors, shutdown with a message BIRD displays, enable, refresh', () => explained(lab, async () => {
    await waitFor(() => (JSON.parse(tern.bgpctl(['show', 'neighbors', '--json'])) as { state: string }[]).every((n) => n.state === 'Established') || undefined,
      { what: 'all neighbours Established in bgpctl', timeoutMs: 30_000 });
    const neighbors = JSON.parse(tern.bgpctl(['show', 'neighbors', '--json'])) as Record<string, unknown>[];
    const b = neighbors.find((n) => n.address === '10.77.1.2')!;
    expect(b).toMatchObject({ description: 'bird', state: 'Established', adminDown: false, session: { peerAs: 65002, routerId: '10.77.0.2', holdTime: 9, as4: true } });
    expect(neighbors.find((n) => n.address === 'fd77:2::2')).toMatchObject({ session: { peerAs: 65003, hostname: expect.any(String) } });
    // The earlier hold-timer expiry is remembered and shown.
    expect(b.lastDown).toMatchObject({ code: 'hold-timer-expired', sent: { code: 4, subcode: 0, codeName: 'Hold Timer Expired' } });

    expect(tern.bgpctl(['neighbor', '10.77.1.2', 'shutdown', 'maintenance', 'window', '42'])).toContain('shut down');
    await waitFor(async () => /maintenance window 42/.test(await bird.protocols()) || undefined, { what: 'BIRD showing our shutdown message', timeoutMs: 15_000 });
    const table = tern.bgpctl(['show', 'neighbors']);
    expect(table).toMatch(/10\.77\.1\.2\s+65002\s+Idle \(Admin\).*admin-down "maintenance window 42"/);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await bird.protocols()).not.toMatch(/tern\s+BGP.*Established/);

    tern.bgpctl(['neighbor', '10.77.1.2', 'enable']);
    await bird.waitEstablished('tern', 30_000);
    expect(tern.bgpctl(['neighbor', '10.77.1.2', 'refresh', 'in'])).toContain('refresh in');
    expect(tern.bgpctl(['neighbor', '10.77.1.2', 'refresh', 'out'])).toContain('refresh out');
    expect(() => tern.bgpctl(['neighbor', '192.0.2.99', 'enable'])).toThrow(/no neighbour 192\.0\.2\.99/);
  }), 90_000);

  it('sends its shutdown communication on exit, and BIRD and FRR show it', () => explained(lab, async () => {
    tern.process.kill('SIGINT');
    await waitFor(async () => /ternd shutting down/.test(await bird.protocols()), { what: 'BIRD showing the shutdown message', timeoutMs: 20_000 });
    await waitFor(async () => /ternd shutting down/.test(JSON.stringify(await frr.neighborsJson())), { what: 'FRR showing the shutdown message', timeoutMs: 20_000 });
  }), 60_000);
});

describe.skipIf(!suite.ok)(title('a listen range on ternd'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('accepts 50 dynamic peers (one BIRD with 50 sessions from 50 source addresses)', () => explained(lab, async () => {
    const t = await lab.namespace('rr');
    const c = await lab.namespace('clients');
    // BIRD holds a lock per neighbour address, so each of its 50 sessions targets its own address of ternd.
    await lab.connect({ ns: t, ifname: 'eth0', addrs: ['10.77.9.1/24'] }, { ns: c, ifname: 'eth0', addrs: ['10.77.9.10/24'] });
    for (let i = 11; i <= 60; i++) {
      await lab.addr(c, 'eth0', `10.77.9.${i}/24`);
      await lab.addr(t, 'eth0', `10.77.9.${i + 100}/24`);
    }
    const tern = await startTernd(lab, t, `
routerId: 10.77.0.1
localAs: 65000
families: [ipv4-unicast]
listenRanges:
  - prefix: 10.77.9.0/24
    remoteAs: 65000
    limit: 60
`);
    const peers = Array.from({ length: 50 }, (_, i) => ({ name: `c${i + 11}`, address: `10.77.9.${i + 111}`, asn: 65000, localAddress: `10.77.9.${i + 11}`, ipv4: true }));
    const bird = await startBird(lab, c, { routerId: '10.77.0.9', asn: 65000, peers });
    await waitFor(async () => {
      const out = await bird.birdc('show protocols');
      return (out.match(/Established/g) ?? []).length === 50 || undefined;
    }, { what: '50 sessions Established in BIRD', timeoutMs: 60_000 });
    const dynamic = new Set(tern.logs().filter((e) => e.event === 'bgp.dynamic.peer').map((e) => e.remote));
    expect(dynamic.size).toBe(50);
    expect(new Set(tern.logs().filter((e) => e.event === 'bgp.session.established').map((e) => e.peer)).size).toBe(50);
  }), 120_000);
});

describe.skipIf(!suite.ok)(title('an IPv6 link-local peer'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('comes up over fe80:: addresses scoped to the interface (fe80::2%to-bird)', () => explained(lab, async () => {
    const t = await lab.namespace('tern');
    const b = await lab.namespace('bird');
    await lab.connect({ ns: t, ifname: 'to-bird', addrs: ['fe80::1/64', 'fd77:1::1/64'] }, { ns: b, ifname: 'eth0', addrs: ['fe80::2/64', 'fd77:1::2/64'] });
    const tern = await startTernd(lab, t, `
routerId: 10.77.0.1
localAs: 65001
connectRetryTime: 1
families: [ipv6-unicast]
peers:
  - { address: "fe80::2%to-bird", remoteAs: 65002, description: link-local }
`);
    const bird = await startBird(lab, b, {
      routerId: '10.77.0.2', asn: 65002, peers: [],
      extraConfig: 'protocol bgp tern { local as 65002; neighbor fe80::1%eth0 as 65001; connect delay time 1; connect retry time 2; ipv6 { import all; export all; }; }',
    });
    await bird.waitEstablished('tern', 30_000);
    const n = (JSON.parse(tern.bgpctl(['show', 'neighbors', '--json'])) as { address: string; state: string; session?: { peerAs: number } }[])[0]!;
    expect(n).toMatchObject({ address: 'fe80::2%to-bird', state: 'Established', session: { peerAs: 65002 } });
  }), 60_000);
});
