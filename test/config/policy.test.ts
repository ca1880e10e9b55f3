// The policy sections of the configuration: what loads, and every error at its file:line:column.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatConfigError, loadConfigFile } from '../../src/config/load.js';
import { config, HEAD, lines, report } from '../helpers/config-text.js';

describe('policy configuration', () => {
  it('loads prefix sets, terms with every match and action, and peer lists', () => {
    const c = config(HEAD + lines(
      'ebgpRequiresPolicy: false',
      'prefixSets:',
      '  pool: [10.244.0.0/16, { prefix: "fd00::/48", le: 64 }, { prefix: 10.0.0.0/8, ge: 24 }]',
      'policies:',
      '  in:',
      '    - name: tag',
      '      match:',
      '        prefix: [pool, 192.0.2.0/24]',
      '        family: [ipv4-unicast]',
      '        neighbor: { address: [192.0.2.1, 198.51.100.0/24], asn: [65000] }',
      '        communities: { all: [65000:1, "65000:*", no-export] }',
      '        largeCommunities: ["65000:*:1"]',
      '        asPath: { contains: [65010], originAs: [65020], length: { min: 1, max: 4 } }',
      '        nextHop: [192.0.2.1]',
      '        source: [bgp, ipam]',
      '        interface: ["vxlan.*"]',
      '      set:',
      '        localPref: 200',
      '        med: 0',
      '        communities: { add: [65002:1, blackhole], remove: ["65000:*"] }',
      '        largeCommunities: { add: ["65002:1:2"], remove: ["*:*:9"] }',
      '        prepend: 2',
      '        nextHop: 192.0.2.254',
      '    - action: accept',
      '  out:',
      '    - set: { prepend: { asn: 65009, times: 3 }, nextHop: self }',
      '      action: accept',
      'peers:',
      '  - { address: 192.0.2.1, remoteAs: 65000, import: [in], export: [out, in], ebgpRequiresPolicy: true }',
      '  - { address: 192.0.2.3, remoteAs: 65000 }',
    ));
    expect(c.prefixSets['pool']).toEqual([
      { prefix: '10.244.0.0/16', ge: 16, le: 16 },
      { prefix: 'fd00::/48', ge: 48, le: 64 },
      { prefix: '10.0.0.0/8', ge: 24, le: 32 },
    ]);
    const [tag, rest] = c.policies['in']!;
    expect(tag?.name).toBe('tag');
    expect(tag?.match.prefix).toEqual([{ set: 'pool' }, { prefix: '192.0.2.0/24', ge: 24, le: 24 }]);
    expect(tag?.match.neighbor).toEqual({ address: ['192.0.2.1/32', '198.51.100.0/24'], asn: [65000] });
    expect(tag?.match.communities).toEqual({ all: [{ value: 0xfde80001, mask: 0xffffffff }, { value: 0xfde80000, mask: 0xffff0000 }, { value: 0xffffff01, mask: 0xffffffff }] });
    expect(tag?.match.largeCommunities).toEqual({ any: [{ global: 65000, local2: 1 }] });
    expect(tag?.set.communities?.add).toEqual([{ value: 0xfdea0001, mask: 0xffffffff }, { value: 0xffff029a, mask: 0xffffffff }]);
    expect(tag?.set.prepend).toEqual({ asn: 'own', times: 2 });
    expect(tag?.action).toBe('next');
    expect(rest).toEqual({ match: {}, set: {}, action: 'accept' });
    expect(c.policies['out']?.[0]?.set).toEqual({ prepend: { asn: 65009, times: 3 }, nextHop: 'self' });
    expect(c.peers[0]).toMatchObject({ import: ['in'], export: ['out', 'in'], ebgpRequiresPolicy: true });
    expect(c.peers[1]).toMatchObject({ import: [], export: [], ebgpRequiresPolicy: false });
  });

  it('RFC 8212 is on unless switched off, globally or per peer', () => {
    expect(config(HEAD + lines('peers:', '  - { address: 192.0.2.1, remoteAs: 65000 }')).peers[0]?.ebgpRequiresPolicy).toBe(true);
    expect(config(HEAD + lines('peers:', '  - { address: 192.0.2.1, remoteAs: 65000, ebgpRequiresPolicy: false }')).peers[0]?.ebgpRequiresPolicy).toBe(false);
  });

  it('reports unknown policy and prefix-set names where they are used, with a suggestion', () => {
    expect(report(HEAD + lines(
      'prefixSets:',
      '  bogons: [10.0.0.0/8]',
      'policies:',
      '  from-leaf:',
      '    - match: { prefix: [bogon] }',
      '      action: reject',
      'peers:',
      '  - address: 192.0.2.1',
      '    remoteAs: 65000',
      '    import: [from-leaf, to-leaf]',
      '    export: [from_leaf]',
      'listenRanges:',
      '  - { prefix: 10.0.0.0/8, remoteAs: 65002, peer: { export: [nothing] } }',
    ))).toEqual([
      '7:25 policies.from-leaf[0].match.prefix[0]: unknown prefix set "bogon" (did you mean "bogons"?)',
      '12:25 peers[0].import[1]: unknown policy "to-leaf" (policies: from-leaf)',
      '13:14 peers[0].export[0]: unknown policy "from_leaf" (did you mean "from-leaf"?)',
      '15:61 listenRanges[0].peer.export[0]: unknown policy "nothing" (policies: from-leaf)',
    ]);
  });

  it('reports bad prefixes and ge/le out of range', () => {
    expect(report(HEAD + lines(
      'prefixSets:',
      '  a:',
      '    - 10.0.0.1/8',
      '    - 10.0.0.0/33',
      '    - { prefix: 10.0.0.0/8, ge: 4 }',
      '    - { prefix: 10.0.0.0/8, ge: 24, le: 16 }',
      '    - { prefix: 10.0.0.0/8, le: 40 }',
      '    - { prefix: "2001:db8::/32", ge: 129 }',
      'policies:',
      '  p:',
      '    - match: { prefix: [10.0.0.0, "10.1.0.0/16x"] }',
      '      action: accept',
    ))).toEqual([
      '5:7 prefixSets.a[0]: host bits are set in "10.0.0.1/8" (did you mean 10.0.0.0/8?)',
      '6:7 prefixSets.a[1]: prefix length 33 is longer than 32 in "10.0.0.0/33"',
      '7:33 prefixSets.a[2].ge: ge 4 must lie between the prefix length 8 and 32',
      '8:41 prefixSets.a[3].le: le 16 must lie between ge 24 and 32',
      '9:33 prefixSets.a[4].le: le 40 must lie between the prefix length 8 and 32',
      '10:38 prefixSets.a[5].ge: expected a prefix length 0..128, got 129',
      '13:25 policies.p[0].match.prefix[0]: expected a prefix set name or a prefix with its length (such as 10.0.0.0/8), got "10.0.0.0"',
      '13:35 policies.p[0].match.prefix[1]: expected an IPv4 or IPv6 prefix such as 10.0.0.0/8, got "10.1.0.0/16x"',
    ]);
  });

  it('reports bad names, communities, actions and values at their position', () => {
    expect(report(HEAD + lines(
      'prefixSets:',
      '  "no/slash": [10.0.0.0/8]',
      'policies:',
      '  p:',
      '    - match: { communities: [65536:1], largeCommunities: ["1:2"], source: [kernel], asPath: { length: { min: 5, max: 2 } } }',
      '      set: { localPref: -1, prepend: 0, nextHop: fe80::1%eth0, communities: { add: ["65000:*"] } }',
      '      action: drop',
      '    - set: { med: 10 }',
      '      action: reject',
    ))).toEqual([
      '4:3 prefixSets.no/slash: expected a prefix set name of letters, digits, "_", "-" and "." that starts with a letter or "_", got "no/slash"',
      '7:30 policies.p[0].match.communities[0]: expected a community ASN:VALUE (both 0..65535, or *) or a well-known name (graceful-shutdown, accept-own, llgr-stale, no-llgr, blackhole, no-export, no-advertise, no-export-subconfed, no-peer), got "65536:1"',
      '7:59 policies.p[0].match.largeCommunities[0]: expected a large community GLOBAL:LOCAL1:LOCAL2 (each 0..4294967295, or *), got "1:2"',
      '7:76 policies.p[0].match.source[0]: expected bgp, static, connected, ipam, got "kernel"',
      '7:118 policies.p[0].match.asPath.length.max: min must not exceed max',
      '8:25 policies.p[0].set.localPref: expected a LOCAL_PREF 0..4294967295, got -1',
      '8:38 policies.p[0].set.prepend: expected a prepend count 1..32, got 0',
      '8:50 policies.p[0].set.nextHop: expected self or a global address, got "fe80::1%eth0"',
      '8:85 policies.p[0].set.communities.add[0]: expected a community ASN:VALUE (both 0..65535) or a well-known name (graceful-shutdown, accept-own, llgr-stale, no-llgr, blackhole, no-export, no-advertise, no-export-subconfed, no-peer), got "65000:*"',
      '9:15 policies.p[0].action: expected accept, reject or next, got "drop"',
      '10:12 policies.p[1].set: this term rejects the route, so what it sets has no effect',
    ]);
  });

  it('refuses nextHop: self in a policy used on import, at the import', () => {
    expect(report(HEAD + lines(
      'policies:',
      '  selfish:',
      '    - name: me',
      '      set: { nextHop: self }',
      '      action: accept',
      'peers:',
      '  - { address: 192.0.2.1, remoteAs: 65000, import: [selfish], export: [selfish] }',
    ))).toEqual(['9:53 peers[0].import[0]: policy "selfish" sets nextHop: self (me), which only means something on export']);
  });
});

describe('config/calico-export.yaml', () => {
  it('loads, and exports to the route reflectors through no-tunnel-routes first', async () => {
    const r = await loadConfigFile(join(import.meta.dirname, '../../config/calico-export.yaml'));
    if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
    const byAddress = new Map(r.config.peers.map((p) => [p.address, p]));
    expect(byAddress.get('10.0.1.1')).toMatchObject({ import: ['from-leaf'], export: ['calico-export'], ebgpRequiresPolicy: true });
    expect(byAddress.get('10.0.0.10')).toMatchObject({ import: [], export: ['no-tunnel-routes', 'calico-export'] });
  });
});
