// ternd as a route reflector sending several paths per prefix (RFC 7911 add-path send) to its clients. Two
// BIRD clients announce 10.77.50.0/24, each with itself as next hop. BIRD (`add paths rx`) and FRR (which
// offers add-path receive by default) are sent both paths, under distinct path identifiers; GoBGP (receive
// on) with `addPathSend: 1` gets the best path only; a BIRD client without add-path gets the best path as
// ever. Withdrawing one source removes exactly its path at the receivers, whether it was the best or not.
import { afterAll, describe, expect, it } from 'vitest';
import {
  createLab, explained, notYet, star, startBird, startFrr, startGobgp, startTernd, waitFor, type BirdInstance, type FrrInstance, type GobgpInstance, type PeerSpec,
} from './harness/index.js';
import { labSuite } from './harness/suite.js';
import type { ExplainView, NeighborView } from '../../src/control/protocol.js';

const suite = labSuite(['bird', 'frr', 'gobgp']);
const title = suite.title;

const P = '10.77.50.0/24';
const SRC1 = '10.77.1.2';
const SRC2 = '10.77.2.2';

const TERN_CONFIG = `
routerId: 10.77.0.1
localAs: 65001
holdTime: 9
connectRetryTime: 1
families: [ipv4-unicast]
peers:
  - { address: ${SRC1}, remoteAs: 65001, routeReflectorClient: true, description: src1 }
  - { address: ${SRC2}, remoteAs: 65001, routeReflectorClient: true, description: src2 }
  - { address: 10.77.3.2, remoteAs: 65001, routeReflectorClient: true, addPath: { ipv4-unicast: send }, description: bird-rx }
  - { address: 10.77.4.2, remoteAs: 65001, routeReflectorClient: true, addPath: { ipv4-unicast: send }, description: frr-rx }
  - { address: 10.77.5.2, remoteAs: 65001, routeReflectorClient: true, addPath: { ipv4-unicast: send }, addPathSend: 1, description: gobgp-rx }
  - { address: 10.77.6.2, remoteAs: 65001, routeReflectorClient: true, description: plain }
`;

interface FrrPath {
  nexthops?: { ip?: string }[];
  addpathRxId?: number;
}

interface GobgpPath {
  attrs?: { type: number; nexthop?: string }[];
}

/** The next hops of the paths a BIRD client holds for P, sorted (none when it has no route: birdc fails). */
async function birdHops(bird: BirdInstance): Promise<string[]> {
  const out = await bird.birdc(`show route ${P} all`).catch(() => '');
  return [...out.matchAll(/BGP\.next_hop:\s+(\S+)/g)].map((m) => m[1]!).sort();
}

/** FRR's paths of P: next hop and the path identifier they came with (addpathRxId), by next hop. */
async function frrPaths(frr: FrrInstance): Promise<{ hop: string; id: number }[]> {
  const detail = JSON.parse(await frr.vtysh(`show bgp ipv4 unicast ${P} json`)) as { paths?: FrrPath[] };
  return (detail.paths ?? []).map((p) => ({ hop: p.nexthops?.[0]?.ip ?? '?', id: p.addpathRxId ?? -1 })).sort((a, b) => a.hop.localeCompare(b.hop));
}

async function gobgpPaths(gobgp: GobgpInstance): Promise<GobgpPath[]> {
  const rib = (await gobgp.ribJson('ipv4')) as Record<string, GobgpPath[]>;
  return rib[P] ?? [];
}

describe.skipIf(!suite.ok)(title('add-path send from ternd as a route reflector to BIRD, FRR and GoBGP'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('sends every path (or the best 1) with distinct path ids, and withdraws exactly the path that went', () => explained(lab, async () => {
    const { tern: t, spokes } = await star(lab, ['src1', 'src2', 'birdrx', 'frrrx', 'gobgprx', 'plain']);
    const tern = await startTernd(lab, t, TERN_CONFIG);
    const client = (n: number, extra: Partial<PeerSpec> = {}): PeerSpec => ({ name: 'tern', address: `10.77.${n}.1`, asn: 65001, ipv4: true, ...extra });
    const src1 = await startBird(lab, spokes.src1!, { routerId: '10.77.0.11', asn: 65001, peers: [client(1)], staticRoutes: [{ prefix: P }] });
    const src2 = await startBird(lab, spokes.src2!, { routerId: '10.77.0.12', asn: 65001, peers: [client(2)], staticRoutes: [{ prefix: P }] });
    const birdRx = await startBird(lab, spokes.birdrx!, { routerId: '10.77.0.13', asn: 65001, peers: [client(3, { addPath: 'rx' })] });
    const frrRx = await startFrr(lab, spokes.frrrx!, { routerId: '10.77.0.14', asn: 65001, peers: [client(4)] });
    const gobgpRx = await startGobgp(lab, spokes.gobgprx!, { routerId: '10.77.0.15', asn: 65001, peers: [client(5, { addPath: 'rx' })] });
    const plain = await startBird(lab, spokes.plain!, { routerId: '10.77.0.16', asn: 65001, peers: [client(6)] });

    /** What every receiver holds of P: next hops (FRR also our path ids), in order. */
    const receivers = async () => ({
      birdRx: await birdHops(birdRx),
      frrRx: await frrPaths(frrRx),
      gobgpRx: (await gobgpPaths(gobgpRx)).map((p) => p.attrs?.find((a) => a.type === 3)?.nexthop ?? '?').sort(),
      plain: await birdHops(plain),
    });
    type Seen = Awaited<ReturnType<typeof receivers>>;
    /** Polls until `ok` holds of what the receivers show. */
    const waitReceivers = async (what: string, ok: (now: Seen) => boolean): Promise<Seen> =>
      waitFor(async () => {
        const now = await receivers();
        return ok(now) ? now : notYet(now);
      }, { what, timeoutMs: 60_000 });
    /** Polls until every receiver shows exactly `want`. */
    const expectReceivers = async (what: string, want: Seen) => {
      const seen = await waitReceivers(what, (now) => JSON.stringify(now) === JSON.stringify(want));
      expect(seen).toEqual(want);
    };

    // Both sources up: the add-path receivers hold both paths under our path ids 1 and 2; GoBGP, sent the best 1,
    // and the client without add-path hold src1's path (the best: lower router ID). The ids go to the paths in
    // the order they first arrived (whichever source's session came up first), not by rank: learn them here.
    const both = await waitReceivers('both paths at BIRD and FRR, the best at GoBGP and the plain client', (now) =>
      JSON.stringify([now.birdRx, now.gobgpRx, now.plain]) === JSON.stringify([[SRC1, SRC2], [SRC1], [SRC1]])
      && JSON.stringify(now.frrRx.map((p) => p.hop)) === JSON.stringify([SRC1, SRC2])
      && JSON.stringify(now.frrRx.map((p) => p.id).sort()) === JSON.stringify([1, 2]));
    const id1 = both.frrRx.find((p) => p.hop === SRC1)!.id;
    const id2 = 3 - id1;
    expect(both.frrRx).toEqual([{ hop: SRC1, id: id1 }, { hop: SRC2, id: id2 }]);
    // What was negotiated and how many paths, as bgpctl shows it.
    const neighbors = JSON.parse(tern.bgpctl(['show', 'neighbors', '--json'])) as NeighborView[];
    const sendOf = (a: string) => {
      const n = neighbors.find((x) => x.address === a)?.session;
      return { families: n?.addPathSend, paths: n?.addPathSendPaths };
    };
    expect(sendOf('10.77.3.2')).toEqual({ families: ['ipv4-unicast'], paths: 'all' });
    expect(sendOf('10.77.4.2')).toEqual({ families: ['ipv4-unicast'], paths: 'all' });
    expect(sendOf('10.77.5.2')).toEqual({ families: ['ipv4-unicast'], paths: 1 });
    expect(sendOf('10.77.6.2')).toEqual({ families: [], paths: undefined });
    const explain = JSON.parse(tern.bgpctl(['explain', P, '--json'])) as ExplainView;
    const sentTo = (a: string) => explain.explanation?.exports?.find((x) => x.peer === a)?.addPath?.advertised.map((p) => [p.pathId, p.from]);
    // Decision order, best first, each path under its id.
    expect(sentTo('10.77.4.2')).toEqual([[id1, SRC1], [id2, SRC2]]);
    expect(sentTo('10.77.5.2')).toEqual([[id1, SRC1]]);
    expect(sentTo('10.77.6.2')).toBeUndefined();

    // The path that is not the best goes: exactly its id is withdrawn; nobody else notices.
    await src2.birdc('disable tern_static4');
    await expectReceivers('src2\'s path gone from BIRD and FRR only', {
      birdRx: [SRC1], frrRx: [{ hop: SRC1, id: id1 }], gobgpRx: [SRC1], plain: [SRC1],
    });
    await src2.birdc('enable tern_static4');
    await expectReceivers('src2\'s path back under the id it had', {
      birdRx: [SRC1, SRC2], frrRx: [{ hop: SRC1, id: id1 }, { hop: SRC2, id: id2 }], gobgpRx: [SRC1], plain: [SRC1],
    });
    // The best path goes: src2's path stays under its id at BIRD and FRR, and becomes the best 1 elsewhere.
    await src1.birdc('disable tern_static4');
    await expectReceivers('src1\'s path gone, src2\'s everywhere', {
      birdRx: [SRC2], frrRx: [{ hop: SRC2, id: id2 }], gobgpRx: [SRC2], plain: [SRC2],
    });
  }), 180_000);
});
