// `bgpctl explain` and `bgpctl neighbor X soft-in`, run as the real CLI against the real ternd, between BIRD
// (eBGP, AS 65002, soft reconfiguration inbound on) and FRR (eBGP, AS 65003, not kept). ternd's import
// policy for BIRD rejects one prefix and changes another; its export policy to FRR hides one prefix, tags
// and prepends the rest. explain must name the deciding terms on import and say what FRR is sent, and FRR must hold
// exactly that. soft-in must rebuild the same Loc-RIB without a ROUTE-REFRESH on BIRD's link (tshark reads
// the capture); for FRR, which keeps nothing, it falls back to ROUTE-REFRESH, which the capture does show.
import { afterAll, describe, expect, it } from 'vitest';
import { createLab, explained, notYet, star, startBird, startCapture, startFrr, startTernd, waitFor } from './harness/index.js';
import { labSuite } from './harness/suite.js';
import type { ExplainView, RoutesView, SoftInView } from '../../src/control/protocol.js';

const suite = labSuite(['bird', 'frr']);
const title = suite.title;

const TERN_CONFIG = `
routerId: 10.77.0.1
localAs: 65001
families: [ipv4-unicast]
holdTime: 9
connectRetryTime: 1
policies:
  bird-in:
    - name: deny-101
      match: { prefix: [{ prefix: 10.77.101.0/24, le: 32 }] }
      action: reject
    - name: mark-100
      match: { prefix: [10.77.100.0/24], asPath: { originAs: [65002] } }
      set: { med: 50, communities: { add: [65001:100] } }
      action: accept
    - name: others
      action: accept
  frr-in:
    - { name: all, action: accept }
  frr-out:
    - name: hide-102
      match: { prefix: [10.77.102.0/24] }
      action: reject
    - name: tag
      set: { communities: { add: [65001:777] }, prepend: 1 }
      action: accept
peers:
  - { address: 10.77.1.2, remoteAs: 65002, import: [bird-in], softReconfiguration: { inbound: true } }
  - { address: 10.77.2.2, remoteAs: 65003, import: [frr-in], export: [frr-out] }
`;

interface FrrPrefixPath { community?: { string?: string }; aspath?: { string?: string }; metric?: number; nexthops?: { ip?: string }[] }

describe.skipIf(!suite.ok)(title('explain and soft-in through ternd'), () => {
  const lab = createLab();
  afterAll(() => lab.destroy());

  it('explains import terms and export verdicts as FRR sees them; soft-in needs no ROUTE-REFRESH', () => explained(lab, async () => {
    const { tern: t, spokes } = await star(lab, ['bird', 'frr']);
    const birdLink = await startCapture(lab, t, 'to-bird');
    const frrLink = await startCapture(lab, t, 'to-frr');
    const tern = await startTernd(lab, t, TERN_CONFIG);
    const bird = await startBird(lab, spokes.bird!, {
      routerId: '10.77.0.2', asn: 65002,
      peers: [{ name: 'tern', address: '10.77.1.1', asn: 65001 }],
      staticRoutes: [{ prefix: '10.77.100.0/24' }, { prefix: '10.77.101.0/24' }, { prefix: '10.77.102.0/24' }],
    });
    const frr = await startFrr(lab, spokes.frr!, {
      routerId: '10.77.0.3', asn: 65003,
      peers: [{ name: 'tern', address: '10.77.2.1', asn: 65001 }],
      staticRoutes: [{ prefix: '10.77.200.0/24' }],
    });
    await bird.waitEstablished('tern', 30_000);
    const inFrr = await waitFor(async () => {
      const r = JSON.parse(await frr.vtysh('show bgp ipv4 unicast 10.77.100.0/24 json')) as { paths?: FrrPrefixPath[] };
      return r.paths?.[0] ?? notYet(r);
    }, { what: '10.77.100.0/24 in FRR', timeoutMs: 30_000 });
    const explain = (prefix: string): ExplainView => JSON.parse(tern.bgpctl(['explain', prefix, '--json'])) as ExplainView;

    // Changed on import: the deciding term, what it changed, the values as BIRD sent them.
    const changed = explain('10.77.100.0/24').explanation!;
    const best = changed.candidates[0]!;
    expect(best).toMatchObject({ from: '10.77.1.2', status: 'best', med: 50, communities: ['65001:100'] });
    expect(best.import).toMatchObject({
      verdict: 'accept', prePolicy: true, policies: ['bird-in'],
      policy: { decidedBy: { by: 'term', policy: 'bird-in', term: 'mark-100' }, changed: ['med', 'communities'] },
      received: { asPath: '65002', communities: [] },
    });
    expect(best.import!.received!.med).toBeUndefined();
    // Exports: not back to BIRD; to FRR exactly what FRR holds (the MED set on import is not passed to
    // another AS: RFC 4271 §5.1.4).
    const toBird = changed.exports!.find((x) => x.peer === '10.77.1.2');
    const toFrr = changed.exports!.find((x) => x.peer === '10.77.2.2');
    expect(toBird).toMatchObject({ advertise: false, reason: 'learned from this peer' });
    expect(toFrr).toMatchObject({ advertise: true, policy: { decidedBy: { by: 'term', policy: 'frr-out', term: 'tag' } } });
    expect(toFrr!.attributes!.asPath).toBe(inFrr.aspath?.string);
    expect(toFrr!.attributes!.nextHop).toBe(inFrr.nexthops?.[0]?.ip);
    expect(toFrr!.attributes!.communities.join(' ')).toBe(inFrr.community?.string);
    expect(toFrr!.attributes).toMatchObject({ asPath: '65001 65001 65002', nextHop: '10.77.2.1', communities: ['65001:100', '65001:777'] });
    expect(toFrr!.attributes!.med).toBeUndefined();
    expect(inFrr.metric).toBeUndefined();

    // Rejected on import: a candidate that names the term; FRR never got it.
    const rejected = explain('10.77.101.0/24').explanation!;
    expect(rejected.candidates).toHaveLength(1);
    expect(rejected.candidates[0]).toMatchObject({
      from: '10.77.1.2', status: 'rejected', asPath: '65002',
      import: { verdict: 'reject', policy: { decidedBy: { by: 'term', policy: 'bird-in', term: 'deny-101' } } },
    });
    const text = tern.bgpctl(['explain', '10.77.101.0/24']);
    expect(text).toMatch(/x from 10\.77\.1\.2 \(bgp, AS 65002\): rejected on import/);
    expect(text).toMatch(/import: rejected by policy bird-in term deny-101/);
    expect((JSON.parse(await frr.vtysh('show bgp ipv4 unicast 10.77.101.0/24 json')) as { paths?: unknown[] }).paths ?? []).toEqual([]);

    // Kept from FRR by export policy: the term that hid it; FRR does not have it.
    const hidden = explain('10.77.102.0/24').explanation!;
    expect(hidden.candidates[0]!.import).toMatchObject({ policy: { decidedBy: { by: 'term', policy: 'bird-in', term: 'others' }, changed: [] } });
    expect(hidden.exports!.find((x) => x.peer === '10.77.2.2')).toMatchObject({
      advertise: false, reason: 'rejected by export policy', policy: { decidedBy: { by: 'term', policy: 'frr-out', term: 'hide-102' } },
    });
    expect((JSON.parse(await frr.vtysh('show bgp ipv4 unicast 10.77.102.0/24 json')) as { paths?: unknown[] }).paths ?? []).toEqual([]);
    // FRR's route: accepted, but FRR keeps nothing as received, and the explanation says so.
    const fromFrr = await waitFor(() => explain('10.77.200.0/24').explanation?.candidates[0] ?? notYet('none'),
      { what: "FRR's 10.77.200.0/24 in ternd", timeoutMs: 30_000 });
    expect(fromFrr.import).toMatchObject({ verdict: 'accept', prePolicy: false, policies: ['frr-in'] });
    expect(fromFrr.import!.note).toMatch(/softReconfiguration: \{ inbound: true \}/);

    // soft-in on BIRD: the same Loc-RIB, rebuilt from the kept routes, and no ROUTE-REFRESH on BIRD's link.
    const routes = (): RoutesView => JSON.parse(tern.bgpctl(['show', 'routes', '--json'])) as RoutesView;
    const before = routes();
    expect(before.routes.map((r) => r.prefix)).toEqual(['10.77.100.0/24', '10.77.102.0/24', '10.77.200.0/24']);
    const softInAt = Date.now() / 1000;
    const soft = JSON.parse(tern.bgpctl(['neighbor', '10.77.1.2', 'soft-in', '--json'])) as SoftInView;
    expect(soft).toMatchObject({ peer: '10.77.1.2', method: 'soft-reconfiguration', result: { routes: 3, accepted: 2, rejected: 1, changed: 0 } });
    await tern.waitLog('rib.soft-in', (e) => e.peer === '10.77.1.2');
    expect(routes()).toEqual(before);
    // tern's messages to BIRD are in order on the wire: once one sent after soft-in is in the capture, a
    // ROUTE-REFRESH soft-in had sent would be there too.
    const toBirdWire = await waitFor(async () => {
      const m = (await birdLink.messages()).filter((x) => x.src === '10.77.1.1');
      return m.some((x) => x.time > softInAt + 0.5) ? m : notYet(m.length);
    }, { what: 'a message from ternd to BIRD after soft-in', timeoutMs: 20_000 });
    expect(toBirdWire.filter((x) => x.type === 5)).toEqual([]);
    expect(toBirdWire.some((x) => x.type === 2)).toBe(true); // the capture does hold ternd's UPDATEs

    // soft-in on FRR, which keeps nothing: ROUTE-REFRESH instead, seen on the wire.
    const fallback = JSON.parse(tern.bgpctl(['neighbor', '10.77.2.2', 'soft-in', '--json'])) as SoftInView;
    expect(fallback).toMatchObject({ peer: '10.77.2.2', method: 'route-refresh' });
    expect(tern.bgpctl(['neighbor', '10.77.2.2', 'soft-in'])).toMatch(/sent ROUTE-REFRESH instead/);
    await waitFor(async () => (await frrLink.messages()).some((x) => x.type === 5 && x.src === '10.77.2.1') || undefined,
      { what: "ternd's ROUTE-REFRESH to FRR in the capture", timeoutMs: 20_000 });
    expect(routes().routes.map((r) => r.prefix)).toEqual(before.routes.map((r) => r.prefix));
  }), 150_000);
});
