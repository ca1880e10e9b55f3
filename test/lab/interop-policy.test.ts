// Policy through ternd between real daemons. BIRD (eBGP, AS 65002) and FRR (iBGP, AS 65001) announce to
// ternd; ternd's import policy for BIRD rejects a prefix set and sets LOCAL_PREF + a community, its export
// policy for BIRD hides one of FRR's prefixes and adds communities, a large community, a MED and two
// prepends; its export to FRR puts in next hop self. GoBGP (eBGP, no policy) shows RFC 8212: nothing is
// accepted from it or advertised to it. The effect is read back from birdc and vtysh.
import { afterAll, describe, expect, it } from 'vitest';
import { createLab, explained, notYet, star, startBird, startFrr, startGobgp, startTernd, waitFor } from './harness/index.js';
import { labSuite } from './harness/suite.js';

const suite = labSuite(['bird', 'frr', 'gobgp']);
const title = suite.title;

const TERN_CONFIG = `
routerId: 10.77.0.1
localAs: 65001
holdTime: 9
connectRetryTime: 1
families: [ipv4-unicast]
prefixSets:
  blocked: [10.77.101.0/24]
policies:
  from-bird:
    - name: blocked
      match: { prefix: [blocked] }
      action: reject
    - name: prefer-100
      match: { prefix: [10.77.100.0/24] }
      set: { localPref: 250, communities: { add: [65001:100] } }
      action: accept
    - name: rest
      action: accept
  to-bird:
    - name: hide-201
      match: { prefix: [10.77.201.0/24] }
      action: reject
    - name: from-frr
      match: { source: [bgp], neighbor: { asn: [65001] } }
      set:
        communities: { add: [65001:777] }
        largeCommunities: { add: ["65001:1:2"] }
        med: 42
        prepend: 2
      action: accept
  to-frr:
    - name: self
      set: { nextHop: self }
      action: accept
peers:
  - { address: 10.77.1.2, remoteAs: 65002, import: [from-bird], export: [to-bird] }
  - { address: 10.77.2.2, remoteAs: 65001, export: [to-frr] }
  - { address: 10.77.3.2, remoteAs: 65004 }
`;

interface FrrPrefixPath { locPrf?: number; community?: { string?: string }; aspath?: { string?: string }; nexthops?: { ip?: string }[] }

describe.skipIf(!suite.ok)(title('policy through ternd'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('applies import and export policy that BIRD and FRR show, and RFC 8212 to an eBGP peer without policy', () => explained(lab, async () => {
    const { tern: t, spokes } = await star(lab, ['bird', 'frr', 'gobgp']);
    const tern = await startTernd(lab, t, TERN_CONFIG);
    const bird = await startBird(lab, spokes.bird!, {
      routerId: '10.77.0.2', asn: 65002,
      peers: [{ name: 'tern', address: '10.77.1.1', asn: 65001 }],
      staticRoutes: [{ prefix: '10.77.100.0/24' }, { prefix: '10.77.101.0/24' }, { prefix: '10.77.102.0/24' }],
    });
    const frr = await startFrr(lab, spokes.frr!, {
      routerId: '10.77.0.3', asn: 65001,
      peers: [{ name: 'tern', address: '10.77.2.1', asn: 65001 }],
      staticRoutes: [{ prefix: '10.77.200.0/24' }, { prefix: '10.77.201.0/24' }],
    });
    const gobgp = await startGobgp(lab, spokes.gobgp!, { routerId: '10.77.0.4', asn: 65004, peers: [{ name: 'tern', address: '10.77.3.1', asn: 65001 }] });
    await gobgp.waitEstablished('10.77.3.1', 30_000);
    await gobgp.gobgp(['global', 'rib', 'add', '-a', 'ipv4', '10.77.50.0/24']);

    // Import from BIRD: 10.77.100.0/24 with LOCAL_PREF 250 and 65001:100, seen by FRR over iBGP with next hop self.
    const prefer = await waitFor(async () => {
      const r = JSON.parse(await frr.vtysh('show bgp ipv4 unicast 10.77.100.0/24 json')) as { paths?: FrrPrefixPath[] };
      return r.paths?.[0] ?? notYet(r);
    }, { what: '10.77.100.0/24 in FRR', timeoutMs: 30_000 });
    expect(prefer.locPrf).toBe(250);
    expect(prefer.community?.string).toBe('65001:100');
    expect(prefer.aspath?.string).toBe('65002');
    expect(prefer.nexthops?.[0]?.ip).toBe('10.77.2.1');
    const rest = JSON.parse(await frr.vtysh('show bgp ipv4 unicast 10.77.102.0/24 json')) as { paths?: FrrPrefixPath[] };
    expect(rest.paths?.[0]).toMatchObject({ locPrf: 100 });
    expect(rest.paths?.[0]?.community).toBeUndefined();
    // The rejected prefix never reached the Loc-RIB, so FRR has none.
    const blocked = JSON.parse(await frr.vtysh('show bgp ipv4 unicast 10.77.101.0/24 json')) as { paths?: unknown[] };
    expect(blocked.paths ?? []).toEqual([]);

    // Export to BIRD: FRR's 10.77.200.0/24 with our AS three times (ours + 2 prepends), the communities and the MED.
    const shown = await waitFor(async () => {
      const out = await bird.birdc('show route 10.77.200.0/24 all');
      return /BGP\.as_path/.test(out) ? out : notYet(out);
    }, { what: "FRR's 10.77.200.0/24 in BIRD", timeoutMs: 30_000 });
    expect(shown).toMatch(/BGP\.as_path: 65001 65001 65001\n/);
    expect(shown).toMatch(/BGP\.community: \(65001,777\)/);
    expect(shown).toMatch(/BGP\.large_community: \(65001, 1, 2\)/);
    expect(shown).toMatch(/BGP\.med: 42\n/);
    expect(shown).toMatch(/BGP\.next_hop: 10\.77\.1\.1\n/);
    // hide-201 keeps 10.77.201.0/24 from BIRD, though FRR announced it and ternd holds it.
    const birdTable = await bird.birdc('show route');
    expect(birdTable).toMatch(/10\.77\.200\.0\/24/);
    expect(birdTable).not.toMatch(/10\.77\.201\.0\/24/);
    const frr201 = JSON.parse(await frr.vtysh('show bgp ipv4 unicast 10.77.201.0/24 json')) as { paths?: unknown[] };
    expect(frr201.paths?.length).toBe(1);

    // RFC 8212: GoBGP's route is not accepted (FRR never gets it) and GoBGP gets nothing, both logged.
    await tern.waitLog('rib.policy.rfc8212', (e) => e.peer === '10.77.3.2' && e.direction === 'import', 20_000);
    await tern.waitLog('rib.policy.rfc8212', (e) => e.peer === '10.77.3.2' && e.direction === 'export', 20_000);
    const gobgpRib = (await gobgp.ribJson('ipv4')) as Record<string, unknown>;
    expect(Object.keys(gobgpRib).sort()).toEqual(['10.77.50.0/24']);
    const frrAll = (await frr.routesJson('ipv4')) as { routes?: Record<string, unknown> };
    expect(Object.keys(frrAll.routes ?? {}).sort()).toEqual(['10.77.100.0/24', '10.77.102.0/24', '10.77.200.0/24', '10.77.201.0/24']);
  }), 120_000);
});
