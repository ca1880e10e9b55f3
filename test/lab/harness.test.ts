// Tests of the lab harness itself, against the real daemons: BIRD <-> FRR and BIRD <-> GoBGP over veth pairs
// with IPv4 and IPv6 sessions, a BIRD static route showing up in the peers' RIBs, and a destroy() that
// leaves nothing behind. Needs root (network namespaces); skips with the reason otherwise.
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createLab,
  labAvailable,
  LabCommandError,
  startBird,
  startFrr,
  startGobgp,
  waitFor,
  type BirdInstance,
  type FrrInstance,
  type GobgpInstance,
  explained,
} from './harness/index.js';

const avail = labAvailable({ daemons: ['bird', 'frr', 'gobgp'] });
const title = (name: string): string => (avail.ok ? name : `${name} (skipped: ${avail.why ?? '?'})`);

async function netnsList(): Promise<string> {
  return (await execa('ip', ['netns', 'list'])).stdout;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}


interface RibPath {
  nexthops?: { ip?: string; scope?: string }[];
  valid?: boolean;
}

describe.skipIf(!avail.ok)(title('lab harness: BIRD <-> FRR and BIRD <-> GoBGP'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('brings up IPv4 and IPv6 sessions, propagates BIRD static routes, and destroys everything', async () => {
    const t0 = Date.now();
    const timings: Record<string, number> = {};
    let bird!: BirdInstance;
    let frr!: FrrInstance;
    let gobgp!: GobgpInstance;

    await explained(lab, async () => {
      const nsB = await lab.namespace('bird');
      const nsF = await lab.namespace('frr');
      const nsG = await lab.namespace('gobgp');
      expect(nsB).toMatch(new RegExp(`^tern-${process.pid}-[0-9a-f]{4}-bird$`));

      await lab.connect(
        { ns: nsB, ifname: 'to-frr', addrs: ['10.77.1.1/24', 'fd77:1::1/64'] },
        { ns: nsF, ifname: 'to-bird', addrs: ['10.77.1.2/24', 'fd77:1::2/64'] },
      );
      await lab.connect(
        { ns: nsB, ifname: 'to-gobgp', addrs: ['10.77.2.1/24', 'fd77:2::1/64'] },
        { ns: nsG, ifname: 'to-bird', addrs: ['10.77.2.2/24', 'fd77:2::2/64'] },
      );
      // The links carry traffic between our namespaces (and only there).
      await lab.exec(nsB, 'ping', ['-c', '1', '-W', '2', '10.77.1.2']);
      await lab.exec(nsB, 'ping', ['-6', '-c', '1', '-W', '2', 'fd77:2::2']);
      timings.topology = Date.now() - t0;

      const tStart = Date.now();
      [bird, frr, gobgp] = await Promise.all([
        startBird(lab, nsB, {
          routerId: '10.77.0.1',
          asn: 65001,
          peers: [
            { name: 'frr4', address: '10.77.1.2', asn: 65002 },
            { name: 'frr6', address: 'fd77:1::2', asn: 65002 },
            { name: 'gobgp4', address: '10.77.2.2', asn: 65003 },
            { name: 'gobgp6', address: 'fd77:2::2', asn: 65003 },
          ],
          staticRoutes: [{ prefix: '10.77.100.0/24' }, { prefix: 'fd77:100::/48' }],
        }),
        startFrr(lab, nsF, {
          routerId: '10.77.0.2',
          asn: 65002,
          peers: [
            { name: 'bird4', address: '10.77.1.1', asn: 65001 },
            { name: 'bird6', address: 'fd77:1::1', asn: 65001 },
          ],
        }),
        startGobgp(lab, nsG, {
          routerId: '10.77.0.3',
          asn: 65003,
          peers: [
            { name: 'bird4', address: '10.77.2.1', asn: 65001 },
            { name: 'bird6', address: 'fd77:2::1', asn: 65001 },
          ],
        }),
      ]);
      timings.daemonsReady = Date.now() - tStart;

      const tSession = Date.now();
      await Promise.all([
        ...['frr4', 'frr6', 'gobgp4', 'gobgp6'].map((p) => bird.waitEstablished(p, 60_000)),
        frr.waitEstablished('10.77.1.1', 60_000),
        frr.waitEstablished('fd77:1::1', 60_000),
        gobgp.waitEstablished('10.77.2.1', 60_000),
        gobgp.waitEstablished('fd77:2::1', 60_000),
      ]);
      timings.sessionsEstablished = Date.now() - tSession;

      // Each daemon's own view, through its own CLI.
      const protocols = await bird.protocols();
      for (const p of ['frr4', 'frr6', 'gobgp4', 'gobgp6']) {
        expect(protocols).toMatch(new RegExp(`^${p}\\s+BGP\\s+\\S+\\s+up\\s+.*Established`, 'm'));
      }
      const neighbors = (await frr.neighborsJson()) as Record<string, { bgpState?: string }>;
      expect(neighbors['10.77.1.1']?.bgpState).toBe('Established');
      expect(neighbors['fd77:1::1']?.bgpState).toBe('Established');
      const gobgpText = await gobgp.gobgp(['neighbor']);
      expect(gobgpText).toMatch(/10\.77\.2\.1\s.*Establ/);
      expect(gobgpText).toMatch(/fd77:2::1\s.*Establ/);

      // BIRD's static routes reach FRR's and GoBGP's RIBs with BIRD's addresses as next hop.
      const tRoutes = Date.now();
      const frr4 = await waitFor(
        async () => ((await frr.routesJson('ipv4')) as { routes?: Record<string, RibPath[]> }).routes?.['10.77.100.0/24'],
        { what: 'FRR to learn 10.77.100.0/24 from BIRD', timeoutMs: 30_000 },
      );
      expect(frr4[0]?.valid).toBe(true);
      expect(frr4[0]?.nexthops?.[0]?.ip).toBe('10.77.1.1');
      const frr6 = await waitFor(
        async () => ((await frr.routesJson('ipv6')) as { routes?: Record<string, RibPath[]> }).routes?.['fd77:100::/48'],
        { what: 'FRR to learn fd77:100::/48 from BIRD', timeoutMs: 30_000 },
      );
      expect(frr6[0]?.valid).toBe(true);
      expect(frr6[0]?.nexthops?.map((n) => n.ip)).toContain('fd77:1::1');

      type GobgpRib = Record<string, { best?: boolean; attrs?: { type: number; nexthop?: string }[] }[]>;
      const nexthopOf = (paths: GobgpRib[string]): string | undefined =>
        paths[0]?.attrs?.find((a) => a.nexthop !== undefined)?.nexthop;
      const g4 = await waitFor(async () => ((await gobgp.ribJson('ipv4')) as GobgpRib)['10.77.100.0/24'], {
        what: 'GoBGP to learn 10.77.100.0/24 from BIRD',
        timeoutMs: 30_000,
      });
      expect(nexthopOf(g4)).toBe('10.77.2.1');
      const g6 = await waitFor(async () => ((await gobgp.ribJson('ipv6')) as GobgpRib)['fd77:100::/48'], {
        what: 'GoBGP to learn fd77:100::/48 from BIRD',
        timeoutMs: 30_000,
      });
      expect(nexthopOf(g6)).toBe('fd77:2::1');
      timings.routesPropagated = Date.now() - tRoutes;
    });

    const pids = lab.processes.map((p) => p.pid);
    expect(pids.length).toBe(4); // bird, zebra, bgpd, gobgpd
    for (const pid of pids) expect(pidAlive(pid)).toBe(true);
    const names = [...lab.namespaces];
    const tDestroy = Date.now();
    await lab.destroy();
    timings.destroy = Date.now() - tDestroy;
    await lab.destroy(); // idempotent

    const after = await netnsList();
    for (const ns of names) expect(after).not.toContain(ns);
    for (const pid of pids) expect(pidAlive(pid)).toBe(false);
    for (const p of lab.processes) expect(p.running()).toBe(false);
    timings.total = Date.now() - t0;
    console.log(`lab harness timings (ms): ${JSON.stringify(timings)}`);
  });
});

describe.skipIf(!avail.ok)(title('lab harness: failure paths'), () => {
  it('destroy() cleans up a setup that failed halfway, and is safe to call twice', async () => {
    const lab = createLab();
    try {
      const ns = await lab.namespace('half');
      const sleeper = lab.spawn(ns, 'sleep', ['600'], { graceMs: 1_000 });
      // A command failing inside the namespace reports its stderr.
      const err = await lab.addr(ns, 'nope0', '10.77.9.1/24').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LabCommandError);
      expect((err as LabCommandError).message).toMatch(/nope0/);
      // Addresses outside the lab ranges, and namespaces the lab did not create, are refused outright.
      await expect(lab.addr(ns, 'lo', '192.168.1.1/24')).rejects.toThrow(/outside the lab ranges/);
      await expect(lab.addr(ns, 'lo', '10.77.9.1/8')).rejects.toThrow(/prefix length/);
      await expect(lab.up('some-other-ns', 'lo')).rejects.toThrow(/not created by lab/);
      // A daemon with a broken config fails fast with the daemon's own message.
      await expect(
        startBird(lab, ns, { routerId: '10.77.0.9', asn: 65009, peers: [], extraConfig: 'this is not bird config;' }),
      ).rejects.toThrow(/syntax error/i);
      expect(sleeper.running()).toBe(true);
      await lab.destroy();
      expect(pidAlive(sleeper.pid)).toBe(false);
      expect(sleeper.exitInfo()?.signal).toBe('SIGTERM');
      expect(await netnsList()).not.toContain(ns);
      await lab.destroy();
      await expect(lab.namespace('again')).rejects.toThrow(/destroyed/);
    } finally {
      await lab.destroy();
    }
  });

  it('waitFor times out with the last observed value, and aborts early via failIf', async () => {
    let attempts = 0;
    const probe = (): false => {
      attempts++;
      return false;
    };
    await expect(waitFor(probe, { what: 'nothing', timeoutMs: 200, intervalMs: 20 })).rejects.toThrow(
      /timed out waiting for nothing after \d+ ms; last value: false/,
    );
    expect(attempts).toBeGreaterThan(2);
    await expect(
      waitFor(probe, { what: 'a dead daemon', timeoutMs: 10_000, failIf: () => 'it exited' }),
    ).rejects.toThrow(/gave up waiting for a dead daemon: it exited/);
  });
});

describe.skipIf(!avail.ok)(title('lab harness: spec options'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('iBGP with route reflection, MP-BGP, ADD-PATH, GR, custom ports, extended next hop and multihop', async () => {
    await explained(lab, async () => {
      const nsB = await lab.namespace('rr');
      const nsF = await lab.namespace('client');
      const nsG = await lab.namespace('ext');
      await lab.connect(
        { ns: nsB, ifname: 'to-client', addrs: ['10.77.11.1/24', 'fd77:11::1/64'] },
        { ns: nsF, ifname: 'to-rr', addrs: ['10.77.11.2/24', 'fd77:11::2/64'] },
      );
      // BIRD <-> GoBGP on an IPv6-only link: IPv4 routes need RFC 8950 next hops.
      await lab.connect(
        { ns: nsB, ifname: 'to-ext', addrs: ['fd77:12::1/64'] },
        { ns: nsG, ifname: 'to-rr', addrs: ['fd77:12::2/64'] },
      );

      const [bird, frr, gobgp] = await Promise.all([
        startBird(lab, nsB, {
          routerId: '10.77.0.11',
          asn: 65010,
          port: 1790,
          peers: [
            {
              name: 'rrclient',
              address: '10.77.11.2',
              asn: 65010,
              ipv6: true,
              localAddress: '10.77.11.1',
              passive: true,
              routeReflectorClient: true,
              addPath: 'on',
              gracefulRestart: true,
              holdTime: 9,
            },
            {
              name: 'ext',
              address: 'fd77:12::2',
              asn: 65020,
              port: 1791,
              ipv4: true,
              extendedNextHop: true,
              multihop: 2,
              addPath: 'rx',
            },
          ],
          staticRoutes: [{ prefix: '10.77.110.0/24', nextHop: '10.77.11.3' }, { prefix: 'fd77:110::/48' }],
        }),
        startFrr(lab, nsF, {
          routerId: '10.77.0.12',
          asn: 65010,
          peers: [
            {
              name: 'rr',
              address: '10.77.11.1',
              asn: 65010,
              port: 1790,
              ipv6: true,
              addPath: 'on',
              gracefulRestart: true,
              holdTime: 9,
            },
          ],
          staticRoutes: [{ prefix: '10.77.120.0/24' }],
        }),
        startGobgp(lab, nsG, {
          routerId: '10.77.0.13',
          asn: 65020,
          port: 1791,
          peers: [
            { name: 'rr', address: 'fd77:12::1', asn: 65010, port: 1790, ipv4: true, multihop: 2, addPath: 'tx' },
          ],
          staticRoutes: [{ prefix: '10.77.130.0/24', nextHop: '10.77.11.1' }, { prefix: 'fd77:130::/48' }],
        }),
      ]);

      await Promise.all([
        bird.waitEstablished('rrclient'),
        bird.waitEstablished('ext'),
        frr.waitEstablished('10.77.11.1'),
        gobgp.waitEstablished('fd77:12::1'),
      ]);
      const nbr = (await frr.neighborsJson()) as Record<string, Record<string, unknown>>;
      const rr = nbr['10.77.11.1'] ?? {};
      expect(rr.hostLocalAs ?? rr.localAs).toBe(65010);
      expect(rr.bgpTimerHoldTimeMsecs).toBe(9000);
      expect(rr.portForeign).toBe(1790); // BIRD is passive on its custom port; FRR connects to it
      const client = await bird.birdc('show protocols all rrclient');
      expect(client).toMatch(/Session:.*internal.*route-reflector/);
      expect(client).toMatch(/ADD-PATH/);
      expect(client).toMatch(/Graceful restart/);

      // FRR learns the GoBGP IPv4 route via BIRD (reflected/forwarded) and BIRD's IPv6 static over the v4 session.
      await waitFor(async () => ((await frr.routesJson('ipv4')) as { routes?: Record<string, unknown> }).routes?.['10.77.130.0/24'], {
        what: 'FRR to learn 10.77.130.0/24',
        timeoutMs: 30_000,
      });
      const f6 = await waitFor(
        async () => ((await frr.routesJson('ipv6')) as { routes?: Record<string, RibPath[]> }).routes?.['fd77:110::/48'],
        { what: 'FRR to learn fd77:110::/48 over the IPv4 session', timeoutMs: 30_000 },
      );
      expect(f6[0]?.nexthops?.map((n) => n.ip)).toContain('fd77:11::1');
      // GoBGP gets IPv4 routes over IPv6 transport (extended next hop) and BIRD sees FRR's route.
      type GobgpRib = Record<string, { attrs?: { nexthop?: string }[] }[]>;
      const g4 = await waitFor(async () => ((await gobgp.ribJson('ipv4')) as GobgpRib)['10.77.120.0/24'], {
        what: 'GoBGP to learn 10.77.120.0/24 with an IPv6 next hop',
        timeoutMs: 30_000,
      });
      expect(g4[0]?.attrs?.find((a) => a.nexthop !== undefined)?.nexthop).toBe('fd77:12::1');
      await waitFor(async () => (await bird.birdc('show route 10.77.120.0/24')).includes('10.77.120.0/24'), {
        what: 'BIRD to learn 10.77.120.0/24 from FRR',
        timeoutMs: 30_000,
      });

      // A graceful stop sends Cease: BIRD notices at once instead of after the hold time.
      await gobgp.stop();
      expect(gobgp.process.running()).toBe(false);
      await waitFor(async () => !/^ext\s.*Established/m.test(await bird.birdc('show protocols ext')), {
        what: 'BIRD to see the GoBGP session go down',
        timeoutMs: 10_000,
      });
      // kill9 leaves no NOTIFICATION; the process is gone all the same.
      await frr.kill9();
      expect(frr.bgpd.running()).toBe(false);
      expect(frr.zebra?.running()).toBe(false);
    });
  });
});
