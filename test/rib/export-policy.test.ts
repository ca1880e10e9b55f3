// Export policy inside exportPath: after the well-known-community checks, before the eBGP rewrite.
import { describe, expect, it } from 'vitest';
import { exportPath, exportPolicy, type ExportTarget } from '../../src/rib/export.js';
import { compileChain } from '../../src/rib/policy/compile.js';
import { PolicyEvaluator } from '../../src/rib/policy/evaluate.js';
import type { Policy } from '../../src/rib/policy/types.js';
import { key, pathFixtures } from '../helpers/paths.js';

const { store, attrs, peer, path } = pathFixtures();
const C = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;
const SELF = { 'ipv4-unicast': '198.51.100.1' };

function target(policies: Policy[] | undefined, ibgp = false): ExportTarget {
  const base = { key: '203.0.113.1', ibgp, rrClient: false, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1', nextHopSelf: SELF, memo: new Map() };
  if (!policies) return base;
  const chain = compileChain(policies, { direction: 'export', ebgp: !ibgp, ebgpRequiresPolicy: true });
  return { ...base, policy: exportPolicy(new PolicyEvaluator(chain, { localAs: 65001, nextHopSelf: SELF }, store)) };
}

const leaf = peer('192.0.2.1', 65000);

describe('export policy', () => {
  it('its prepends come after our own AS on eBGP, its communities are sent', () => {
    const t = target([{ name: 'out', terms: [{ name: 't', match: {}, set: { prepend: { asn: 65077, times: 2 }, communities: { add: [C(65001, 9)] } }, action: 'accept' }] }]);
    const v = exportPath(path('10.0.0.0/8', attrs(), leaf), t, store);
    expect(v).toMatchObject({ advertise: true, attrs: { asPath: [{ type: 'sequence', asns: [65001, 65077, 65077, 65002] }], communities: [C(65001, 9)], nextHop: '198.51.100.1' } });
  });

  it('a MED or next hop it sets survives the eBGP rewrite; a received MED does not', () => {
    const setting = target([{ name: 'out', terms: [{ name: 't', match: {}, set: { med: 42, nextHop: '198.51.100.7' }, action: 'accept' }] }]);
    const v = exportPath(path('10.0.0.0/8', attrs({ med: 5 }), leaf), setting, store);
    expect(v).toMatchObject({ advertise: true, attrs: { med: 42, nextHop: '198.51.100.7' } });
    const passing = target([{ name: 'out', terms: [{ name: 't', match: {}, set: {}, action: 'accept' }] }]);
    const w = exportPath(path('10.0.0.0/8', attrs({ med: 5 }), leaf), passing, store);
    expect(w.advertise && w.attrs.med).toBeUndefined();
    // Same input set, one with the MED set by policy to the value it already had: still kept.
    const same = target([{ name: 'out', terms: [{ name: 'p', match: { prefix: [{ family: 'ipv4-unicast', prefix: key('10.0.0.0/8'), ge: 8, le: 8 }] }, set: { med: 5 }, action: 'accept' }, { name: 'rest', match: {}, set: {}, action: 'accept' }] }]);
    const a = attrs({ med: 5 });
    const kept = exportPath(path('10.0.0.0/8', a, leaf), same, store);
    const dropped = exportPath(path('11.0.0.0/8', a, leaf), same, store);
    expect(kept.advertise && kept.attrs.med).toBe(5);
    expect(dropped.advertise && dropped.attrs.med).toBeUndefined();
  });

  it('rejected routes are not advertised, with the reason', () => {
    const t = target([{ name: 'out', terms: [{ name: 'no', match: { source: ['bgp'] }, set: {}, action: 'reject' }, { name: 'yes', match: {}, set: {}, action: 'accept' }] }]);
    expect(exportPath(path('10.0.0.0/8', attrs(), leaf), t, store)).toEqual({ advertise: false, reason: 'rejected by export policy' });
    expect(exportPath(path('10.9.0.0/16', attrs({ asPath: [], nextHop: '0.0.0.0' }), undefined), t, store).advertise).toBe(true);
  });

  it('an eBGP peer without export policy gets nothing (RFC 8212)', () => {
    expect(exportPath(path('10.0.0.0/8', attrs(), leaf), target([]), store)).toEqual({ advertise: false, reason: 'no export policy for an eBGP peer (RFC 8212)' });
  });

  it('cannot override the well-known communities: NO_EXPORT is checked on the route as it is in the RIB', () => {
    const t = target([{ name: 'out', terms: [{ name: 'strip', match: {}, set: { communities: { remove: [{ value: 0, mask: 0 }] } }, action: 'accept' }] }]);
    expect(exportPath(path('10.0.0.0/8', attrs({ communities: [0xffffff01] }), leaf), t, store).advertise).toBe(false);
  });

  it('to iBGP: LOCAL_PREF and next hop self as set', () => {
    const t = target([{ name: 'out', terms: [{ name: 't', match: {}, set: { localPref: 90, nextHop: 'self' }, action: 'accept' }] }], true);
    const v = exportPath(path('10.0.0.0/8', attrs(), leaf), t, store);
    expect(v).toMatchObject({ advertise: true, attrs: { localPref: 90, nextHop: '198.51.100.1', asPath: [{ type: 'sequence', asns: [65002] }] } });
  });

  it('an unchanged route is exported without allocating: the same verdict object every time', () => {
    const t = target([{ name: 'out', terms: [{ name: 'all', match: {}, set: {}, action: 'accept' }] }]);
    const a = attrs();
    const first = exportPath(path('10.0.0.0/8', a, leaf), t, store);
    expect(exportPath(path('11.0.0.0/8', a, leaf), t, store)).toBe(first);
    const none = target(undefined);
    expect(exportPath(path('11.0.0.0/8', a, leaf), none, store)).toBe(exportPath(path('12.0.0.0/8', a, leaf), none, store));
  });
});
