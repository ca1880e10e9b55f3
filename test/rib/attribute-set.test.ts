// Every attribute set the RIB holds has one object shape (src/rib/attribute-set.ts): all fields, in one order,
// whichever code made it. The keys in order stand in for V8's hidden class, which a test cannot see.
import { describe, expect, it } from 'vitest';
import { attributeSet, NONE } from '../../src/rib/attribute-set.js';
import { exportPath, exportPolicy, type ExportTarget } from '../../src/rib/export.js';
import { compileChain } from '../../src/rib/policy/compile.js';
import { PolicyEvaluator } from '../../src/rib/policy/evaluate.js';
import { applySet } from '../../src/rib/policy/actions.js';
import type { PathAttributes } from '../../src/rib/types.js';
import { ribAttributes } from '../../src/daemon/rib-attributes.js';
import { buildUpdate, decodeMessage, encodeMessage, makeContext, type AttributeSpec, type UpdateMessage } from '../../src/bgp/wire/index.js';
import { pathFixtures } from '../helpers/paths.js';

const KEYS = [
  'origin', 'asPath', 'nextHop', 'nextHopLinkLocal', 'med', 'localPref', 'atomicAggregate', 'aggregator', 'communities',
  'largeCommunities', 'extendedCommunities', 'originatorId', 'clusterList', 'otc', 'unknown',
];

const { store, attrs, peer, path } = pathFixtures();
const SELF = { 'ipv4-unicast': '198.51.100.1' };

function target(ibgp: boolean, rrClient = false, policy = false): ExportTarget {
  const base = { key: '203.0.113.1', ibgp, rrClient, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1', nextHopSelf: SELF, memo: new Map() };
  if (!policy) return base;
  const chain = compileChain([{ name: 'out', terms: [{ name: 't', match: {}, set: { med: 7, localPref: 300 }, action: 'accept' }] }],
    { direction: 'export', ebgp: !ibgp, ebgpRequiresPolicy: true });
  return { ...base, policy: exportPolicy(new PolicyEvaluator(chain, { localAs: 65001, nextHopSelf: SELF }, store)) };
}

function exported(a: PathAttributes, ibgpSource: boolean, t: ExportTarget): PathAttributes {
  const from = ibgpSource ? peer('192.0.2.7', 65001, { rrClient: true }) : peer('192.0.2.1', 65002);
  const v = exportPath(path('10.0.0.0/8', a, from), t, store);
  if (!v.advertise) throw new Error(`not advertised: ${v.reason}`);
  return v.attrs;
}

describe('attribute set shape', () => {
  it('attributeSet writes every field in one order, absent ones undefined, values unchanged', () => {
    const a: PathAttributes = {
      unknown: [], origin: 1, nextHop: '192.0.2.1', asPath: [], communities: [5], largeCommunities: [], extendedCommunities: [],
      clusterList: [], atomicAggregate: true, med: 3,
    };
    const s = attributeSet(a);
    expect(Object.keys(s)).toEqual(KEYS);
    expect(s).toEqual(a);
    expect(s.localPref).toBeUndefined();
  });

  it('interned sets have the one shape whatever their fields, and whoever built them', () => {
    const sets = [
      attrs(), attrs({ med: 5 }), attrs({ localPref: 200, originatorId: '10.9.9.9', clusterList: ['10.0.0.9'] }),
      attrs({ aggregator: { asn: 65002, address: '192.0.2.2' }, otc: 65002, nextHopLinkLocal: 'fe80::1' }),
    ];
    for (const s of sets) expect(Object.keys(s)).toEqual(KEYS);
  });

  it('sets made by export (eBGP, iBGP, reflected, through policy) keep it', () => {
    const a = attrs({ med: 5, localPref: 150 });
    const outs = [
      exported(a, false, target(false, false, true)), // eBGP with policy: MED kept as set
      exported(a, false, target(true)), // iBGP
      exported(a, true, target(true, true)), // reflected: ORIGINATOR_ID and CLUSTER_LIST added
      exported(attrs(), false, target(true, false, true)), // iBGP through policy
    ];
    expect(outs[0]!.med).toBe(7);
    expect(outs[2]!.originatorId).toBe('192.0.2.99');
    for (const s of outs) expect(Object.keys(s)).toEqual(KEYS);
  });

  it('a policy change, including dropping the link-local next hop, keeps it', () => {
    const a = attrs({ nextHopLinkLocal: 'fe80::1', nextHop: '2001:db8::1' });
    const out = applySet({ nextHop: '2001:db8::9', med: 1 }, a, 'ipv6-unicast', { localAs: 65001, nextHopSelf: {} });
    expect(out.nextHopLinkLocal).toBeUndefined();
    expect(out.nextHop).toBe('2001:db8::9');
    expect(Object.keys(out)).toEqual(KEYS);
  });

  it('sets decoded from UPDATEs keep it, with and without the optional attributes', () => {
    const ctx = makeContext({});
    const decode = (extra: AttributeSpec[]): UpdateMessage => {
      const u = buildUpdate({ attributes: [
        { type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [{ type: 'sequence', asns: [65002] }] },
        { type: 'next-hop', nextHop: '192.0.2.2' }, ...extra,
      ], nlri: ['10.0.0.0/8'] }, ctx);
      const r = decodeMessage(encodeMessage(u, ctx), ctx);
      if (r.message?.type !== 'UPDATE') throw new Error('no UPDATE');
      return r.message;
    };
    const plain = ribAttributes(decode([]), 'ipv4-unicast', undefined, ctx, store);
    const full = ribAttributes(decode([
      { type: 'med', med: 9 }, { type: 'local-pref', localPref: 120 }, { type: 'atomic-aggregate' },
      { type: 'originator-id', originatorId: '10.1.1.1' },
    ]), 'ipv4-unicast', undefined, ctx, store);
    expect(plain.med).toBeUndefined();
    expect(full).toMatchObject({ med: 9, localPref: 120, atomicAggregate: true, originatorId: '10.1.1.1' });
    expect(Object.keys(plain)).toEqual(KEYS);
    expect(Object.keys(full)).toEqual(KEYS);
  });

  it('every absent list, decoded or exported, is the one frozen empty list', () => {
    const ctx = makeContext({});
    const u = buildUpdate({ attributes: [
      { type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [] }, { type: 'next-hop', nextHop: '192.0.2.2' },
    ], nlri: ['10.0.0.0/8'] }, ctx);
    const r = decodeMessage(encodeMessage(u, ctx), ctx);
    if (r.message?.type !== 'UPDATE') throw new Error('no UPDATE');
    const decoded = ribAttributes(r.message, 'ipv4-unicast', undefined, ctx, store);
    for (const list of [decoded.asPath, decoded.communities, decoded.largeCommunities, decoded.extendedCommunities, decoded.clusterList, decoded.unknown]) {
      expect(list).toBe(NONE);
    }
    // Export to an eBGP peer drops the cluster list: the same list again, not a new empty one.
    expect(exported(attrs({ clusterList: ['10.9.9.9'] }), false, target(false)).clusterList).toBe(NONE);
    // Policy that removes the last community: its own empty list, the one NONE once interned.
    const tagged = attrs({ communities: [((65001 << 16) | 7) >>> 0] });
    const stripped = applySet({ communities: { remove: [{ value: ((65001 << 16) | 7) >>> 0, mask: 0xffffffff }] } }, tagged, 'ipv4-unicast', { localAs: 65001, nextHopSelf: {} });
    expect(stripped.communities).toEqual([]);
    expect(store.internContent(stripped).communities).toBe(NONE);
    expect(Object.isFrozen(NONE)).toBe(true);
    expect(() => (NONE as unknown as number[]).push(1)).toThrow(TypeError);
  });
});
