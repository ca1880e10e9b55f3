// One describe per action: what it changes, and that changing nothing returns the very same set.
import { describe, expect, it } from 'vitest';
import { applySet, changedAttributes } from '../../../src/rib/policy/actions.js';
import type { PolicyContext } from '../../../src/rib/policy/types.js';
import { pathFixtures } from '../../helpers/paths.js';

const { attrs } = pathFixtures();
const ctx: PolicyContext = { localAs: 65001, nextHopSelf: { 'ipv4-unicast': '198.51.100.1', 'ipv6-unicast': '2001:db8::1' } };
const C = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

describe('set: localPref and med', () => {
  it('sets them, without touching the argument', () => {
    const a = attrs({ localPref: 100 });
    const b = applySet({ localPref: 250, med: 7 }, a, 'ipv4-unicast', ctx);
    expect(b).not.toBe(a);
    expect([b.localPref, b.med]).toEqual([250, 7]);
    expect([a.localPref, a.med]).toEqual([100, undefined]);
    expect(changedAttributes(a, b)).toEqual(['localPref', 'med']);
  });
  it('returns the same set when the values are already there', () => {
    const a = attrs({ localPref: 250, med: 7 });
    expect(applySet({ localPref: 250, med: 7 }, a, 'ipv4-unicast', ctx)).toBe(a);
  });
});

describe('set: communities', () => {
  it('removes matching ones (wildcards too), then appends the new ones not carried yet', () => {
    const a = attrs({ communities: [C(65000, 1), C(65000, 2), C(65009, 1)] });
    const b = applySet({ communities: { remove: [{ value: C(65000, 0), mask: 0xffff0000 }], add: [C(65001, 100), C(65009, 1)] } }, a, 'ipv4-unicast', ctx);
    expect(b.communities).toEqual([C(65009, 1), C(65001, 100)]);
    expect(a.communities).toEqual([C(65000, 1), C(65000, 2), C(65009, 1)]);
  });
  it('returns the same set when adding what is carried and removing what is not', () => {
    const a = attrs({ communities: [0xffffff01] });
    expect(applySet({ communities: { add: [0xffffff01], remove: [{ value: C(1, 1), mask: 0xffffffff }] } }, a, 'ipv4-unicast', ctx)).toBe(a);
  });
});

describe('set: large communities', () => {
  it('removes by pattern and adds', () => {
    const a = attrs({ largeCommunities: [{ global: 65000, local1: 1, local2: 1 }, { global: 65001, local1: 5, local2: 5 }] });
    const b = applySet({ largeCommunities: { remove: [{ global: 65000 }], add: [{ global: 65001, local1: 1, local2: 2 }] } }, a, 'ipv4-unicast', ctx);
    expect(b.largeCommunities).toEqual([{ global: 65001, local1: 5, local2: 5 }, { global: 65001, local1: 1, local2: 2 }]);
  });
  it('returns the same set when nothing changes', () => {
    const a = attrs({ largeCommunities: [{ global: 65001, local1: 1, local2: 2 }] });
    expect(applySet({ largeCommunities: { add: [{ global: 65001, local1: 1, local2: 2 }] } }, a, 'ipv4-unicast', ctx)).toBe(a);
  });
});

describe('set: prepend', () => {
  it('prepends the session\'s own AS n times', () => {
    const b = applySet({ prepend: { asn: 'own', times: 2 } }, attrs(), 'ipv4-unicast', ctx);
    expect(b.asPath).toEqual([{ type: 'sequence', asns: [65001, 65001, 65002] }]);
  });
  it('prepends a given AS, in front of an AS_SET as a new sequence', () => {
    const a = attrs({ asPath: [{ type: 'set', asns: [65010, 65020] }] });
    const b = applySet({ prepend: { asn: 65099, times: 1 } }, a, 'ipv4-unicast', ctx);
    expect(b.asPath).toEqual([{ type: 'sequence', asns: [65099] }, { type: 'set', asns: [65010, 65020] }]);
  });
});

describe('set: next hop', () => {
  it('self: our address on the session for the route\'s family', () => {
    expect(applySet({ nextHop: 'self' }, attrs(), 'ipv4-unicast', ctx).nextHop).toBe('198.51.100.1');
    const v6 = attrs({ nextHop: '2001:db8::99', nextHopLinkLocal: 'fe80::99' });
    const b = applySet({ nextHop: 'self' }, v6, 'ipv6-unicast', ctx);
    expect([b.nextHop, b.nextHopLinkLocal]).toEqual(['2001:db8::1', undefined]);
  });
  it('self without an address of that family leaves the route as it is', () => {
    const a = attrs();
    expect(applySet({ nextHop: 'self' }, a, 'ipv4-unicast', { localAs: 65001, nextHopSelf: {} })).toBe(a);
  });
  it('an address applies to routes of its own family only', () => {
    const a = attrs();
    expect(applySet({ nextHop: '192.0.2.250' }, a, 'ipv4-unicast', ctx).nextHop).toBe('192.0.2.250');
    const v6 = attrs({ nextHop: '2001:db8::99' });
    expect(applySet({ nextHop: '192.0.2.250' }, v6, 'ipv6-unicast', ctx)).toBe(v6);
  });
  it('returns the same set when the next hop is already that', () => {
    const a = attrs({ nextHop: '192.0.2.250' });
    expect(applySet({ nextHop: '192.0.2.250' }, a, 'ipv4-unicast', ctx)).toBe(a);
  });
});

describe('set: nothing', () => {
  it('an empty set returns the argument', () => {
    const a = attrs();
    expect(applySet({}, a, 'ipv4-unicast', ctx)).toBe(a);
    expect(changedAttributes(a, a)).toEqual([]);
  });
});
