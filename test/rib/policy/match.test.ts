// One describe per match condition: each matches what it should and nothing else.
import { describe, expect, it } from 'vitest';
import { compileMatch, globRegExp, matches } from '../../../src/rib/policy/match.js';
import type { PolicyMatch } from '../../../src/rib/policy/types.js';
import type { Path } from '../../../src/rib/types.js';
import { key, pathFixtures } from '../../helpers/paths.js';

const { attrs, peer, path } = pathFixtures();
const leaf = peer('192.0.2.1', 65000);
const rr = peer('2001:db8::10', 65001);

function test(m: PolicyMatch, p: Path): boolean {
  return matches(compileMatch(m), p, p.attrs);
}

const C = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

describe('match: empty', () => {
  it('matches every route', () => {
    expect(test({}, path('10.0.0.0/8', attrs(), leaf))).toBe(true);
    expect(test({}, path('2001:db8::/32', attrs(), undefined))).toBe(true);
  });
});

describe('match: prefix', () => {
  const m: PolicyMatch = {
    prefix: [
      { family: 'ipv4-unicast', prefix: key('10.244.0.0/16'), ge: 26, le: 26 },
      { family: 'ipv6-unicast', prefix: key('fd00::/48'), ge: 48, le: 64 },
    ],
  };
  it('matches when any entry matches', () => {
    expect(test(m, path('10.244.1.64/26', attrs(), leaf))).toBe(true);
    expect(test(m, path('fd00::/56', attrs(), leaf))).toBe(true);
  });
  it('does not match outside every entry', () => {
    expect(test(m, path('10.244.1.0/24', attrs(), leaf))).toBe(false);
    expect(test(m, path('fd00::/80', attrs(), leaf))).toBe(false);
    expect(test({ prefix: [] }, path('10.244.1.64/26', attrs(), leaf))).toBe(false);
  });
});

describe('match: family', () => {
  it('matches the listed families only', () => {
    expect(test({ family: ['ipv6-unicast'] }, path('2001:db8::/32', attrs(), leaf))).toBe(true);
    expect(test({ family: ['ipv6-unicast'] }, path('10.0.0.0/8', attrs(), leaf))).toBe(false);
  });
});

describe('match: neighbor', () => {
  it('matches the source peer by AS', () => {
    expect(test({ neighbor: { asn: [65000, 65009] } }, path('10.0.0.0/8', attrs(), leaf))).toBe(true);
    expect(test({ neighbor: { asn: [65009] } }, path('10.0.0.0/8', attrs(), leaf))).toBe(false);
  });
  it('matches the source peer by address or block, zone ignored', () => {
    expect(test({ neighbor: { address: [{ family: 'ipv4-unicast', prefix: key('192.0.2.0/24') }] } }, path('10.0.0.0/8', attrs(), leaf))).toBe(true);
    expect(test({ neighbor: { address: [{ family: 'ipv6-unicast', prefix: key('2001:db8::/32') }] } }, path('10.0.0.0/8', attrs(), leaf))).toBe(false);
    expect(test({ neighbor: { address: [{ family: 'ipv6-unicast', prefix: key('2001:db8::10/128') }] } }, path('10.0.0.0/8', attrs(), rr))).toBe(true);
    const linkLocal = peer('fe80::1%eth0', 65000);
    expect(test({ neighbor: { address: [{ family: 'ipv6-unicast', prefix: key('fe80::/10') }] } }, path('10.0.0.0/8', attrs(), linkLocal))).toBe(true);
  });
  it('needs both the address and the AS when both are given', () => {
    const m: PolicyMatch = { neighbor: { asn: [65001], address: [{ family: 'ipv4-unicast', prefix: key('192.0.2.0/24') }] } };
    expect(test(m, path('10.0.0.0/8', attrs(), leaf))).toBe(false);
  });
  it('never matches a local route', () => {
    expect(test({ neighbor: { asn: [65000] } }, path('10.0.0.0/8', attrs(), undefined))).toBe(false);
  });
});

describe('match: communities (RFC 1997)', () => {
  const carrying = path('10.0.0.0/8', attrs({ communities: [C(65000, 100), 0xffffff01] }), leaf);
  it('any: one of the listed is carried', () => {
    expect(test({ communities: { any: [{ value: C(65000, 100), mask: 0xffffffff }, { value: C(1, 1), mask: 0xffffffff }] } }, carrying)).toBe(true);
    expect(test({ communities: { any: [{ value: C(1, 1), mask: 0xffffffff }] } }, carrying)).toBe(false);
  });
  it('all: every listed is carried', () => {
    expect(test({ communities: { all: [{ value: C(65000, 100), mask: 0xffffffff }, { value: 0xffffff01, mask: 0xffffffff }] } }, carrying)).toBe(true);
    expect(test({ communities: { all: [{ value: C(65000, 100), mask: 0xffffffff }, { value: C(1, 1), mask: 0xffffffff }] } }, carrying)).toBe(false);
  });
  it('wildcards: 65000:* and *:100', () => {
    expect(test({ communities: { any: [{ value: C(65000, 0), mask: 0xffff0000 }] } }, carrying)).toBe(true);
    expect(test({ communities: { any: [{ value: 100, mask: 0xffff }] } }, carrying)).toBe(true);
    expect(test({ communities: { any: [{ value: C(65001, 0), mask: 0xffff0000 }] } }, carrying)).toBe(false);
  });
  it('a route without communities matches no pattern', () => {
    expect(test({ communities: { any: [{ value: 0, mask: 0 }] } }, path('10.0.0.0/8', attrs(), leaf))).toBe(false);
  });
});

describe('match: large communities (RFC 8092)', () => {
  const carrying = path('10.0.0.0/8', attrs({ largeCommunities: [{ global: 65000, local1: 1, local2: 2 }] }), leaf);
  it('matches whole values and patterns with wildcard parts', () => {
    expect(test({ largeCommunities: { any: [{ global: 65000, local1: 1, local2: 2 }] } }, carrying)).toBe(true);
    expect(test({ largeCommunities: { any: [{ global: 65000, local2: 2 }] } }, carrying)).toBe(true);
    expect(test({ largeCommunities: { any: [{ global: 65000, local1: 9 }] } }, carrying)).toBe(false);
    expect(test({ largeCommunities: { all: [{ global: 65000 }, { local1: 2 }] } }, carrying)).toBe(false);
  });
});

describe('match: AS path', () => {
  const p = path('10.0.0.0/8', attrs({ asPath: [{ type: 'sequence', asns: [65000, 65010] }, { type: 'set', asns: [65020, 65030] }] }), leaf);
  const q = path('10.0.0.0/8', attrs({ asPath: [{ type: 'sequence', asns: [65000, 65010, 65040] }] }), leaf);
  it('contains: an AS anywhere in the path, sets included', () => {
    expect(test({ asPath: { contains: [65030] } }, p)).toBe(true);
    expect(test({ asPath: { contains: [64999, 65010] } }, p)).toBe(true);
    expect(test({ asPath: { contains: [64999] } }, p)).toBe(false);
  });
  it('originAs: the last AS of a path ending in a sequence; none for an AS_SET or an empty path', () => {
    expect(test({ asPath: { originAs: [65040] } }, q)).toBe(true);
    expect(test({ asPath: { originAs: [65010] } }, q)).toBe(false);
    expect(test({ asPath: { originAs: [65030] } }, p)).toBe(false);
    expect(test({ asPath: { originAs: [65001] } }, path('10.0.0.0/8', attrs({ asPath: [] }), undefined))).toBe(false);
  });
  it('length: the decision-process length (a set counts one)', () => {
    expect(test({ asPath: { minLength: 3, maxLength: 3 } }, p)).toBe(true);
    expect(test({ asPath: { maxLength: 2 } }, p)).toBe(false);
    expect(test({ asPath: { minLength: 4 } }, q)).toBe(false);
    expect(test({ asPath: { maxLength: 0 } }, path('10.0.0.0/8', attrs({ asPath: [] }), undefined))).toBe(true);
  });
});

describe('match: next hop', () => {
  it('matches a next hop inside a listed block, of either family', () => {
    const m: PolicyMatch = { nextHop: [{ family: 'ipv4-unicast', prefix: key('192.0.2.0/24') }, { family: 'ipv6-unicast', prefix: key('2001:db8::1/128') }] };
    expect(test(m, path('10.0.0.0/8', attrs({ nextHop: '192.0.2.44' }), leaf))).toBe(true);
    expect(test(m, path('2001:db8:1::/48', attrs({ nextHop: '2001:db8::1' }), leaf))).toBe(true);
    expect(test(m, path('10.0.0.0/8', attrs({ nextHop: '198.51.100.1' }), leaf))).toBe(false);
    expect(test(m, path('2001:db8:1::/48', attrs({ nextHop: '2001:db8::2' }), leaf))).toBe(false);
  });
});

describe('match: source', () => {
  it('matches the route source tag', () => {
    const blocks = path('10.244.1.0/26', attrs({ asPath: [] }), undefined, { source: 'ipam' });
    expect(test({ source: ['ipam', 'connected'] }, blocks)).toBe(true);
    expect(test({ source: ['static'] }, blocks)).toBe(false);
    expect(test({ source: ['bgp'] }, path('10.0.0.0/8', attrs(), leaf))).toBe(true);
  });
});

describe('match: interface', () => {
  it('matches the outgoing device with shell patterns; a route without one never matches', () => {
    const vxlan = path('10.244.2.0/26', attrs(), undefined, { source: 'connected', interface: 'vxlan.calico' });
    const eth = path('10.0.1.0/24', attrs(), undefined, { source: 'connected', interface: 'eth0' });
    const m: PolicyMatch = { interface: ['*.calico', 'tunl?'] };
    expect(test(m, vxlan)).toBe(true);
    expect(test(m, path('10.0.0.0/8', attrs(), undefined, { interface: 'tunl0' }))).toBe(true);
    expect(test(m, eth)).toBe(false);
    expect(test(m, path('10.0.0.0/8', attrs(), leaf))).toBe(false);
  });
  it('treats everything but * and ? literally', () => {
    expect(globRegExp('vxlan.calico').test('vxlanXcalico')).toBe(false);
    expect(globRegExp('a+b').test('a+b')).toBe(true);
  });
});

describe('match: several conditions', () => {
  it('needs all of them', () => {
    const m: PolicyMatch = { source: ['bgp'], neighbor: { asn: [65000] }, family: ['ipv4-unicast'] };
    expect(test(m, path('10.0.0.0/8', attrs(), leaf))).toBe(true);
    expect(test(m, path('2001:db8::/32', attrs(), leaf))).toBe(false);
    expect(test(m, path('10.0.0.0/8', attrs(), rr))).toBe(false);
  });
});
