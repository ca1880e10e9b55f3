// removePrivateAs through ternd between real daemons. GoBGP (AS 65020, private) announces three routes whose
// AS paths hold private ASes; ternd (AS 64500) passes them to BIRD (plain removePrivateAs), FRR ({ all: true })
// and a second BIRD ({ all: true, replaceAs: true }), and each receiver's own view (birdc, vtysh json) shows
// the path as FRR's `remove-private-AS [all] [replace-AS]` would have sent it.
import { afterAll, describe, expect, it } from 'vitest';
import { createLab, explained, notYet, star, startBird, startFrr, startGobgp, startTernd, waitFor, type BirdInstance } from './harness/index.js';
import { labSuite } from './harness/suite.js';

const suite = labSuite(['bird', 'frr', 'gobgp']);
const title = suite.title;

const TERN_CONFIG = `
routerId: 10.77.0.1
localAs: 64500
holdTime: 9
connectRetryTime: 1
families: [ipv4-unicast]
ebgpRequiresPolicy: false
peers:
  - { address: 10.77.1.2, remoteAs: 65020, description: gobgp }
  - { address: 10.77.2.2, remoteAs: 64502, description: bird, removePrivateAs: true }
  - { address: 10.77.3.2, remoteAs: 64503, description: frr, removePrivateAs: { all: true } }
  - { address: 10.77.4.2, remoteAs: 64504, description: bird2, removePrivateAs: { all: true, replaceAs: true } }
`;

/** GoBGP's routes: the AS path it is given, after which it puts its own AS 65020 in front. */
const ROUTES: Record<string, string> = {
  '10.77.60.0/24': '65010,4200000001', // all private: [65020 65010 4200000001]
  '10.77.61.0/24': '64496,65011', // a public AS in between: [65020 64496 65011]
};

async function birdPath(bird: BirdInstance, prefix: string): Promise<string> {
  return waitFor(async () => {
    const out = await bird.birdc(`show route ${prefix} all`);
    const m = /BGP\.as_path: ?(.*)\n/.exec(out);
    return m ? m[1]!.trim() : notYet(out);
  }, { what: `${prefix} in BIRD`, timeoutMs: 40_000 });
}

describe.skipIf(!suite.ok)(title('removePrivateAs through ternd'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('BIRD, FRR and BIRD see the paths cleaned as configured per peer', () => explained(lab, async () => {
    const { tern: t, spokes } = await star(lab, ['gobgp', 'bird', 'frr', 'bird2']);
    await startTernd(lab, t, TERN_CONFIG);
    const gobgp = await startGobgp(lab, spokes.gobgp!, { routerId: '10.77.0.2', asn: 65020, peers: [{ name: 'tern', address: '10.77.1.1', asn: 64500 }] });
    const bird = await startBird(lab, spokes.bird!, { routerId: '10.77.0.3', asn: 64502, peers: [{ name: 'tern', address: '10.77.2.1', asn: 64500 }] });
    const frr = await startFrr(lab, spokes.frr!, { routerId: '10.77.0.4', asn: 64503, peers: [{ name: 'tern', address: '10.77.3.1', asn: 64500 }] });
    const bird2 = await startBird(lab, spokes.bird2!, { routerId: '10.77.0.5', asn: 64504, peers: [{ name: 'tern', address: '10.77.4.1', asn: 64500 }] });
    await gobgp.waitEstablished('10.77.1.1', 30_000);
    for (const [prefix, path] of Object.entries(ROUTES)) await gobgp.gobgp(['global', 'rib', 'add', '-a', 'ipv4', prefix, 'aspath', path]);

    // Plain: only the all-private path is cleaned; the mixed one keeps its private ASes.
    expect(await birdPath(bird, '10.77.60.0/24')).toBe('64500');
    expect(await birdPath(bird, '10.77.61.0/24')).toBe('64500 65020 64496 65011');

    // all: every private AS goes.
    const frrPath = (prefix: string) => waitFor(async () => {
      const r = JSON.parse(await frr.vtysh(`show bgp ipv4 unicast ${prefix} json`)) as { paths?: { aspath?: { string?: string } }[] };
      return r.paths?.[0]?.aspath?.string ?? notYet(r);
    }, { what: `${prefix} in FRR`, timeoutMs: 40_000 });
    expect(await frrPath('10.77.60.0/24')).toBe('64500');
    expect(await frrPath('10.77.61.0/24')).toBe('64500 64496');

    // all + replaceAs: each private AS becomes ours, the length stays.
    expect(await birdPath(bird2, '10.77.60.0/24')).toBe('64500 64500 64500 64500');
    expect(await birdPath(bird2, '10.77.61.0/24')).toBe('64500 64500 64496 64500');
  }), 150_000);
});
