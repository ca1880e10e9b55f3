// ternd as a route reflector (RFC 4456) between two iBGP clients, BIRD and FRR: each client's route reaches
// the other with ORIGINATOR_ID set to the originating client's router ID, CLUSTER_LIST holding tern's
// cluster ID, the next hop unchanged, and the clients' own views (birdc show route all, vtysh ... json) show it.
import { afterAll, describe, expect, it } from 'vitest';
import { createLab, explained, notYet, star, startBird, startFrr, startTernd, waitFor } from './harness/index.js';
import { labSuite } from './harness/suite.js';

const suite = labSuite(['bird', 'frr']);
const title = suite.title;

const TERN_CONFIG = `
routerId: 10.77.0.1
localAs: 65001
holdTime: 9
connectRetryTime: 1
families: [ipv4-unicast]
peers:
  - { address: 10.77.1.2, remoteAs: 65001, routeReflectorClient: true, description: bird }
  - { address: 10.77.2.2, remoteAs: 65001, routeReflectorClient: true, description: frr }
`;

interface FrrPathDetail {
  originatorId?: string;
  clusterList?: { list?: string[] };
  nexthops?: { ip?: string }[];
  peer?: { peerId?: string };
}

describe.skipIf(!suite.ok)(title('ternd as a route reflector between BIRD and FRR'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('reflects each client\'s route to the other with ORIGINATOR_ID, CLUSTER_LIST and the next hop unchanged', () => explained(lab, async () => {
    const { tern: t, spokes } = await star(lab, ['bird', 'frr']);
    await startTernd(lab, t, TERN_CONFIG);
    const bird = await startBird(lab, spokes.bird!, {
      routerId: '10.77.0.2', asn: 65001,
      peers: [{ name: 'tern', address: '10.77.1.1', asn: 65001, ipv4: true }],
      staticRoutes: [{ prefix: '10.77.100.0/24' }],
    });
    const frr = await startFrr(lab, spokes.frr!, {
      routerId: '10.77.0.3', asn: 65001,
      peers: [{ name: 'tern', address: '10.77.2.1', asn: 65001, ipv4: true }],
      staticRoutes: [{ prefix: '10.77.200.0/24' }],
    });

    // FRR sees BIRD's route as reflected by tern.
    const fromBird = await waitFor(async () => {
      const detail = JSON.parse(await frr.vtysh('show bgp ipv4 unicast 10.77.100.0/24 json')) as { paths?: FrrPathDetail[] };
      return detail.paths?.[0] ?? notYet(detail);
    }, { what: "BIRD's route in FRR", timeoutMs: 40_000 });
    expect(fromBird.originatorId).toBe('10.77.0.2');
    expect(fromBird.clusterList?.list).toEqual(['10.77.0.1']);
    expect(fromBird.nexthops?.[0]?.ip).toBe('10.77.1.2');

    // BIRD sees FRR's route with the same attributes.
    const inBird = await waitFor(async () => {
      const out = await bird.birdc('show route 10.77.200.0/24 all');
      return /BGP\.cluster_list/.test(out) ? out : notYet(out);
    }, { what: "FRR's route in BIRD with a cluster list", timeoutMs: 40_000 });
    expect(inBird).toMatch(/BGP\.originator_id:\s+10\.77\.0\.3/);
    expect(inBird).toMatch(/BGP\.cluster_list:\s+10\.77\.0\.1/);
    expect(inBird).toMatch(/BGP\.next_hop:\s+10\.77\.2\.2/);
    // No client gets its own route back (RFC 4456 §8: the originator would drop it; tern does not send it).
    expect(await bird.birdc('show route 10.77.100.0/24 all')).not.toMatch(/BGP\.cluster_list/);
  }), 120_000);
});
