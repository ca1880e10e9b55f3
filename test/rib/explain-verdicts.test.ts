/**
 * Explanations with import and export verdicts: what import policy did to each path (traced from the
 * attributes as received when kept), routes it rejected, and whether each peer is sent the best path and why
 * not, without changing the store, the memos or the RIB.
 */
import { describe, expect, it } from 'vitest';
import { AdjRibIn } from '../../src/rib/adj-rib-in.js';
import { AdjRibOutPaths, emptyPathsOutput } from '../../src/rib/adj-rib-out-paths.js';
import { explainPrefix, type Candidate, type SessionPolicy } from '../../src/rib/explain.js';
import { NOT_KEPT } from '../../src/rib/explain-verdicts.js';
import { exportPath, exportPolicy, type ExportTarget } from '../../src/rib/export.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { compileChain } from '../../src/rib/policy/compile.js';
import { PolicyEvaluator } from '../../src/rib/policy/evaluate.js';
import type { Policy, PolicyTerm } from '../../src/rib/policy/types.js';
import { reapplyImport } from '../../src/rib/soft-reconfiguration.js';
import type { PrefixKey } from '../../src/common/prefix-key.js';
import { DEFAULT_DECISION, type PeerRef } from '../../src/rib/types.js';
import { key, pathFixtures } from '../helpers/paths.js';

const V4 = 'ipv4-unicast';
const NO_EXPORT = 0xffffff01;
const NO_ADVERTISE = 0xffffff02;
const C = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;
const exactly = (p: string) => ({ family: V4, prefix: key(p), ge: Number(p.split('/')[1]), le: Number(p.split('/')[1]) }) as const;
const term = (name: string, over: Partial<PolicyTerm>): PolicyTerm => ({ name, match: {}, set: {}, action: 'accept', ...over });

const FROM_LEAF: Policy = {
  name: 'from-leaf',
  terms: [
    term('blocked', { match: { prefix: [exactly('10.0.1.0/24')] }, action: 'reject' }),
    term('prefer', { match: { prefix: [exactly('10.0.0.0/24')] }, set: { localPref: 250, communities: { add: [C(65001, 100)] } } }),
    term('rest', {}),
  ],
};
const FROM_LEAF2: Policy = { name: 'from-leaf2', terms: [term('all', {})] };
const HIDE: Policy = { name: 'to-leaf2', terms: [term('hide', { match: { prefix: [exactly('10.0.0.0/24')] }, action: 'reject' }), term('rest', {})] };
const TAG: Policy = { name: 'to-edge', terms: [term('tag', { set: { communities: { add: [C(65001, 777)] } } })] };

function setup() {
  const f = pathFixtures();
  const { store, attrs, peer, path } = f;
  const rib = new LocRib({ decision: DEFAULT_DECISION, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1' });
  const ctx = (self: Record<string, string> = {}) => ({ localAs: 65001, nextHopSelf: self });
  const chain = (policies: Policy[], direction: 'import' | 'export', ebgp: boolean) => compileChain(policies, { direction, ebgp, ebgpRequiresPolicy: true });
  const SELF = { [V4]: '198.51.100.1' };
  const session = (ref: PeerRef, o: { import?: Policy[]; export?: Policy[]; self?: Record<string, string>; kept?: AdjRibIn }): SessionPolicy => {
    const self = o.self ?? SELF;
    const exp = ref.ibgp ? undefined : chain(o.export ?? [], 'export', true);
    const target: ExportTarget = {
      key: ref.key, ibgp: ref.ibgp, rrClient: ref.rrClient, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1', nextHopSelf: self, memo: new Map(),
      ...(exp ? { policy: exportPolicy(new PolicyEvaluator(exp, ctx(self), store)) } : {}),
    };
    const imp = o.import ? new PolicyEvaluator(chain(o.import, 'import', !ref.ibgp), ctx(), store) : undefined;
    return { peer: ref, export: target, ...(imp ? { import: imp } : {}), ...(o.kept ? { prePolicy: o.kept } : {}) };
  };

  const leaf = peer('192.0.2.1', 65000);
  const leaf2 = peer('192.0.2.3', 65003);
  const core = peer('192.0.2.2', 65001); // iBGP, not a client
  const other = peer('192.0.2.4', 65001); // iBGP, not a client
  const strict = peer('192.0.2.5', 65005); // eBGP without export policy: RFC 8212
  const edge = peer('192.0.2.6', 65006); // eBGP with an export policy that tags
  const lonely = peer('192.0.2.7', 65007); // eBGP, but no IPv4 address of ours on the session
  const kept = new AdjRibIn(store);
  const sessions = [
    session(leaf, { import: [FROM_LEAF], kept }),
    session(leaf2, { import: [FROM_LEAF2], export: [HIDE] }),
    session(core, {}),
    session(other, {}),
    session(strict, {}),
    session(edge, { export: [TAG] }),
    session(lonely, { export: [TAG], self: {} }),
  ];

  // The leaf keeps its routes as received: 10.0.0.0/24 (changed on import) and 10.0.1.0/24 (rejected).
  const received = attrs({ nextHop: '192.0.2.1', asPath: [{ type: 'sequence', asns: [65000] }] });
  kept.announce(V4, key('10.0.0.0/24'), 0, received);
  kept.announce(V4, key('10.0.1.0/24'), 0, received);
  reapplyImport(kept, leaf, sessions[0]!.import as PolicyEvaluator, rib, store, { 'ipv4-unicast': 0, 'ipv6-unicast': 0 }, 0);
  // leaf2 does not keep them: only the post-policy path is known. core is iBGP without policy.
  rib.announce(path('10.0.0.0/24', attrs({ nextHop: '192.0.2.3', asPath: [{ type: 'sequence', asns: [65003, 65009] }] }), leaf2));
  rib.announce(path('10.0.0.0/24', attrs({ nextHop: '192.0.2.2', localPref: 100 }), core));
  rib.announce(path('10.0.1.0/24', attrs({ nextHop: '192.0.2.2', localPref: 100 }), core));
  rib.announce(path('10.0.3.0/24', attrs({ nextHop: '192.0.2.2', localPref: 100, communities: [NO_EXPORT] }), core));
  rib.announce(path('10.0.4.0/24', attrs({ nextHop: '192.0.2.2', localPref: 100, communities: [NO_ADVERTISE] }), core));
  rib.takeChanges();
  return { ...f, rib, sessions, received, explain: (p: string) => explainPrefix(rib, V4, key(p), rib.decision, sessions)! };
}

const exportsBy = (e: ReturnType<ReturnType<typeof setup>['explain']>) => new Map(e.exports!.map((x) => [x.peer, x]));

describe('import verdicts', () => {
  it('traces the kept routes as received: the deciding term, the changed attributes, the received values', () => {
    const { explain } = setup();
    const e = explain('10.0.0.0/24');
    const best = e.candidates[0]!;
    expect(best).toMatchObject({ from: '192.0.2.1', status: 'best', localPref: 250, communities: ['65001:100'] });
    expect(best.import).toMatchObject({
      verdict: 'accept', policies: ['from-leaf'], prePolicy: true,
      policy: { decidedBy: { by: 'term', policy: 'from-leaf', term: 'prefer' }, changed: ['localPref', 'communities'] },
      received: { nextHop: '192.0.2.1', asPath: '65000', communities: [] },
    });
    expect(best.import!.received!.localPref).toBeUndefined();
    expect(best.import!.policy!.steps.map((s) => [s.term, s.matched])).toEqual([['blocked', false], ['prefer', true]]);
  });

  it('says plainly when only post-policy attributes are known, and that iBGP without policy changes nothing', () => {
    const { explain } = setup();
    const byPeer = new Map(explain('10.0.0.0/24').candidates.map((c) => [c.from, c]));
    expect(byPeer.get('192.0.2.3')!.import).toEqual({ verdict: 'accept', policies: ['from-leaf2'], prePolicy: false, note: NOT_KEPT });
    expect(byPeer.get('192.0.2.2')!.import).toMatchObject({ verdict: 'accept', policies: [], prePolicy: true, policy: { decidedBy: { by: 'no-policy' }, changed: [] } });
    expect(byPeer.get('192.0.2.2')!.import!.received).toBeUndefined();
  });

  it('lists a kept route that import policy rejected as a candidate, with the term that rejected it', () => {
    const { explain, rib } = setup();
    const e = explain('10.0.1.0/24');
    expect(e.candidates.map((c) => [c.from, c.status])).toEqual([['192.0.2.2', 'best'], ['192.0.2.1', 'rejected']]);
    const rejected = e.candidates[1] as Candidate & { status: 'rejected' };
    expect(rejected).toMatchObject({ reason: 'rejected by import policy', nextHop: '192.0.2.1', asPath: '65000', source: 'bgp', peerAs: 65000 });
    expect(rejected.import).toMatchObject({ verdict: 'reject', prePolicy: true, policy: { verdict: 'reject', decidedBy: { by: 'term', policy: 'from-leaf', term: 'blocked' } } });
    // A prefix only a rejected route has is explained too; without sessions it is not known at all.
    rib.withdraw(V4, key('10.0.1.0/24'), '192.0.2.2', 0);
    expect(explain('10.0.1.0/24').candidates.map((c) => c.status)).toEqual(['rejected']);
    expect(explain('10.0.1.0/24').exports).toBeUndefined();
    expect(explainPrefix(rib, V4, key('10.0.1.0/24'), rib.decision)).toBeUndefined();
  });

  it('gives local routes no import verdict', () => {
    const { rib, sessions, attrs, path } = setup();
    rib.announce(path('10.9.0.0/24', attrs({ asPath: [], nextHop: '0.0.0.0' }), undefined));
    const e = explainPrefix(rib, V4, key('10.9.0.0/24'), rib.decision, sessions)!;
    expect(e.candidates[0]).toMatchObject({ from: 'local', source: 'static', status: 'best' });
    expect(e.candidates[0]!.import).toBeUndefined();
    expect(exportsBy(e).get('192.0.2.6')).toMatchObject({ advertise: true, attributes: { nextHop: '198.51.100.1', asPath: '65001' } });
  });
});

describe('export verdicts', () => {
  it('advertised: the attributes the peer is sent, after the export policy and the eBGP or iBGP rewrite', () => {
    const x = exportsBy(setup().explain('10.0.0.0/24'));
    expect(x.get('192.0.2.2')).toMatchObject({
      advertise: true, ibgp: true, attributes: { nextHop: '192.0.2.1', asPath: '65000', localPref: 250, communities: ['65001:100'] },
    });
    expect(x.get('192.0.2.2')!.policy).toBeUndefined();
    expect(x.get('192.0.2.6')).toMatchObject({
      advertise: true, peerAs: 65006, ibgp: false,
      attributes: { nextHop: '198.51.100.1', asPath: '65001 65000', communities: ['65001:100', '65001:777'] },
      policy: { direction: 'export', verdict: 'accept', decidedBy: { by: 'term', policy: 'to-edge', term: 'tag' }, changed: ['communities'] },
    });
    expect(x.get('192.0.2.6')!.attributes!.localPref).toBeUndefined();
  });

  it('not advertised, with the reason: the rules of export.ts, the policy term, RFC 8212, no next hop', () => {
    const { explain } = setup();
    const x = exportsBy(explain('10.0.0.0/24'));
    expect(x.get('192.0.2.1')).toEqual({ peer: '192.0.2.1', peerAs: 65000, ibgp: false, rrClient: false, advertise: false, reason: 'learned from this peer' });
    expect(x.get('192.0.2.3')).toMatchObject({ advertise: false, reason: 'rejected by export policy', policy: { decidedBy: { by: 'term', policy: 'to-leaf2', term: 'hide' } } });
    expect(x.get('192.0.2.5')).toMatchObject({ advertise: false, reason: 'no export policy for an eBGP peer (RFC 8212)', policy: { decidedBy: { by: 'rfc8212' } } });
    expect(x.get('192.0.2.7')).toMatchObject({ advertise: false, reason: 'no local address of this family for next-hop-self', policy: { verdict: 'accept' } });
    expect(x.get('192.0.2.7')!.attributes).toBeUndefined();
    const split = exportsBy(explain('10.0.1.0/24'));
    expect(split.get('192.0.2.4')).toMatchObject({ advertise: false, reason: 'iBGP-learned path to an iBGP peer without reflection' });
    expect(split.get('192.0.2.4')!.policy).toBeUndefined(); // a rule decided: no policy ran
    expect(exportsBy(explain('10.0.3.0/24')).get('192.0.2.6')).toMatchObject({ advertise: false, reason: 'NO_EXPORT community on an eBGP session' });
    expect(exportsBy(explain('10.0.3.0/24')).get('192.0.2.1')).toMatchObject({ advertise: false, reason: 'NO_EXPORT community on an eBGP session' });
    expect([...exportsBy(explain('10.0.4.0/24')).values()].map((v) => v.reason)).toEqual([
      'NO_ADVERTISE community', 'NO_ADVERTISE community', 'learned from this peer', ...Array(4).fill('NO_ADVERTISE community'),
    ]);
  });
});

describe('add-path exports', () => {
  it('lists the paths an add-path peer holds, best first, with our path identifiers and attributes as sent', () => {
    const { rib, store, sessions, peer, explain } = setup();
    const client = peer('192.0.2.9', 65001, { rrClient: true });
    const target: ExportTarget = {
      key: 'group', ibgp: true, rrClient: true, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1', nextHopSelf: {}, memo: new Map(),
    };
    const table = new AdjRibOutPaths<string>(target, [V4], 'all', rib, store);
    table.add(client.key, 'client');
    table.fill(V4, emptyPathsOutput());
    const addPath = { families: [V4] as const, paths: 'all' as const, advertised: (f: typeof V4, p: PrefixKey) => table.pathsFor(client.key, f, rib.slotOf(f, p)) };
    sessions.push({ peer: client, export: { ...target, key: client.key }, addPath });
    const x = exportsBy(explain('10.0.0.0/24')).get('192.0.2.9')!;
    // Best first (the leaf's, LOCAL_PREF 250), then the core's (iBGP, reflected to a client), then leaf2's.
    expect(x.addPath?.paths).toBe('all');
    expect(x.addPath?.advertised.map((p) => [p.pathId, p.from, p.attributes.nextHop])).toEqual([
      [1, '192.0.2.1', '192.0.2.1'], [2, '192.0.2.2', '192.0.2.2'], [3, '192.0.2.3', '192.0.2.3'],
    ]);
    expect(x.addPath?.advertised[1]?.attributes).toMatchObject({ originatorId: '192.0.2.99', clusterList: ['10.0.0.1'] });
    expect(exportsBy(explain('10.0.0.0/24')).get('192.0.2.2')!.addPath).toBeUndefined();
  });
});

describe('explanations change nothing', () => {
  it('leaves the attribute store, the export memos, the Adj-RIB-In and the Loc-RIB as they were', () => {
    const { explain, sessions, store, rib, attrs, path } = setup();
    const memoSizes = () => sessions.map((s) => [s.export.memo.size, ...(s.export.policy?.flagged.map((m) => m.size) ?? [])]);
    // Export one prefix for real, so the memos are not empty; the explained 10.0.0.0/24 was never exported,
    // so exporting it (rather than explaining it) would add memo entries and interned sets.
    const exported = rib.get(V4, key('10.0.1.0/24'))!.best!;
    for (const s of sessions) exportPath(exported, s.export, store);
    expect(memoSizes().flat().some((n) => n > 0)).toBe(true);
    const size = store.size;
    const memos = memoSizes();
    const kept = sessions[0]!.prePolicy!.size(V4);
    for (const p of ['10.0.0.0/24', '10.0.1.0/24', '10.0.3.0/24', '10.0.4.0/24']) explain(p);
    expect(store.size).toBe(size);
    expect(memoSizes()).toEqual(memos);
    expect(sessions[0]!.prePolicy!.size(V4)).toBe(kept);
    expect(rib.takeChanges()).toEqual([]);
    // The measure can see a change: exporting a set not exported before does grow the store and a memo.
    const fresh = attrs({ nextHop: '192.0.2.5', med: 9 });
    const withFresh = store.size;
    exportPath(path('10.7.0.0/24', fresh, sessions[4]!.peer), sessions[5]!.export, store);
    expect(store.size).toBeGreaterThan(withFresh);
    expect(memoSizes()).not.toEqual(memos);
  });
});
