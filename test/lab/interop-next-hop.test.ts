// ternd's IPv6 next hop toward eBGP neighbours on a shared link (RFC 2545 §3): BIRD, directly connected over
// a veth (single hop), receives the global address and tern's link-local address of that veth, 32 octets,
// and shows both; FRR, on a veth too but configured in ternd as multihop, receives the global address only.
import { afterAll, describe, expect, it } from 'vitest';
import { createLab, explained, notYet, star, startBird, startFrr, startTernd, waitFor, type Lab } from './harness/index.js';
import { labSuite } from './harness/suite.js';

const suite = labSuite(['bird', 'frr']);
const title = suite.title;

/** The link-local addresses of an interface (the kernel's own, made when the veth came up). */
async function linkLocals(lab: Lab, ns: string, ifname: string): Promise<string[]> {
  // `ip -json` lists the addresses the filter left out as empty objects.
  const out = JSON.parse(await lab.exec(ns, 'ip', ['-json', '-6', 'addr', 'show', 'dev', ifname, 'scope', 'link'])) as { addr_info?: { local?: string }[] }[];
  return out.flatMap((l) => l.addr_info ?? []).flatMap((a) => (a.local ? [a.local] : []));
}

interface FrrNextHop { ip?: string; scope?: string }

describe.skipIf(!suite.ok)(title('link-local next hop toward directly connected eBGP IPv6 peers'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('sends BIRD (single hop) its global and link-local next hop, FRR (multihop) the global one only', () => explained(lab, async () => {
    const { tern: t, spokes } = await star(lab, ['bird', 'frr']);
    const tern = await startTernd(lab, t, `
routerId: 10.77.0.1
localAs: 65001
ebgpRequiresPolicy: false   # routes over eBGP without policy (RFC 8212 relaxed): this test is about next hops
connectRetryTime: 1
families: [ipv6-unicast]
staticRoutes: [{ prefix: fd77:50::/48 }]
peers:
  - { address: fd77:1::2, remoteAs: 65002 }
  - { address: fd77:2::2, remoteAs: 65003, multihop: 2 }
`);
    const bird = await startBird(lab, spokes.bird!, { routerId: '10.77.0.2', asn: 65002, peers: [{ name: 'tern', address: 'fd77:1::1', asn: 65001 }] });
    const frr = await startFrr(lab, spokes.frr!, { routerId: '10.77.0.3', asn: 65003, peers: [{ name: 'tern', address: 'fd77:2::1', asn: 65001 }] });

    const [ours] = await linkLocals(lab, t, 'to-bird');
    expect(ours).toMatch(/^fe80:/);
    const birdRoute = await waitFor(async () => {
      const out = await bird.birdc('show route fd77:50::/48 all');
      return /BGP\.next_hop:/.test(out) ? out : notYet(out);
    }, { what: "tern's route in BIRD", timeoutMs: 60_000 });
    expect(birdRoute).toMatch(new RegExp(`BGP\\.next_hop: fd77:1::1 ${ours!}\\s`));

    const frrHops = await waitFor(async () => {
      const rib = await frr.routesJson('ipv6') as { routes?: Record<string, { nexthops?: FrrNextHop[] }[]> };
      const hops = rib.routes?.['fd77:50::/48']?.[0]?.nexthops;
      return hops ?? notYet(rib);
    }, { what: "tern's route in FRR", timeoutMs: 60_000 });
    expect(frrHops.map((h) => [h.ip, h.scope])).toEqual([['fd77:2::1', 'global']]);
    expect(JSON.parse(tern.bgpctl(['show', 'neighbors', '--json'])).map((n: { state: string }) => n.state)).toEqual(['Established', 'Established']);
  }), 120_000);
});
