// Configuration → compiled chains: prefix sets expanded, terms named, RFC 8212 decided per session.
import { describe, expect, it } from 'vitest';
import { formatConfigError, parseConfig } from '../../src/config/load.js';
import type { TernConfig } from '../../src/config/schema.js';
import { peerPolicies, policiesFromConfig } from '../../src/daemon/policy-config.js';
import { explainPolicy } from '../../src/rib/policy/explain.js';
import { key, pathFixtures } from '../helpers/paths.js';

function config(body: string): TernConfig {
  const r = parseConfig(`routerId: 192.0.2.1\nlocalAs: 65001\n${body}`, 'tern.yaml');
  if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

const { attrs, peer, path } = pathFixtures();
const ctx = { localAs: 65001, nextHopSelf: {} };

describe('policies from the configuration', () => {
  const c = config(`
prefixSets:
  blocks: [{ prefix: 10.244.0.0/16, ge: 26, le: 26 }, { prefix: "fd00::/48", ge: 122, le: 122 }]
policies:
  out:
    - match: { prefix: [blocks, 192.0.2.0/24] }
      set: { communities: { add: [no-export, 65001:7] }, largeCommunities: { add: ["65001:1:2"] } }
      action: accept
    - name: rest
      action: reject
peers:
  - { address: 192.0.2.2, remoteAs: 65000, export: [out] }
  - { address: 192.0.2.3, remoteAs: 65000 }
  - { address: 192.0.2.4, remoteAs: 65000, ebgpRequiresPolicy: false }
`);
  const policies = policiesFromConfig(c);

  it('expands prefix sets and inline prefixes into ranges, and names unnamed terms by number', () => {
    const out = policies.get('out')!;
    expect(out.terms.map((t) => t.name)).toEqual(['term 1', 'rest']);
    expect(out.terms[0]!.match.prefix).toEqual([
      { family: 'ipv4-unicast', prefix: key('10.244.0.0/16'), ge: 26, le: 26 },
      { family: 'ipv6-unicast', prefix: key('fd00::/48'), ge: 122, le: 122 },
      { family: 'ipv4-unicast', prefix: key('192.0.2.0/24'), ge: 24, le: 24 },
    ]);
    expect(out.terms[0]!.set).toEqual({ communities: { add: [0xffffff01, (65001 << 16 | 7) >>> 0] }, largeCommunities: { add: [{ global: 65001, local1: 1, local2: 2 }] } });
  });

  it('compiles the chains of a session, with RFC 8212 for eBGP peers without policy', () => {
    const [withExport, bare, relaxed] = c.peers;
    const a = peerPolicies(policies, withExport, false);
    expect([a.import.mode, a.export.mode]).toEqual(['rfc8212', 'policies']);
    expect(a.export.policies).toEqual(['out']);
    const b = peerPolicies(policies, bare, false);
    expect([b.import.mode, b.export.mode]).toEqual(['rfc8212', 'rfc8212']);
    const ibgp = peerPolicies(policies, bare, true);
    expect([ibgp.import.mode, ibgp.export.mode]).toEqual(['accept-all', 'accept-all']);
    const r = peerPolicies(policies, relaxed, false);
    expect([r.import.mode, r.export.mode]).toEqual(['accept-all', 'accept-all']);
  });

  it('the compiled chain does what the configuration says', () => {
    const chain = peerPolicies(policies, c.peers[0], false).export;
    const block = explainPolicy(chain, path('10.244.3.0/26', attrs({ asPath: [] }), undefined, { source: 'ipam' }), ctx);
    expect(block).toMatchObject({ verdict: 'accept', decidedBy: { by: 'term', policy: 'out', term: 'term 1' }, changed: ['communities', 'largeCommunities'] });
    const other = explainPolicy(chain, path('10.244.3.0/24', attrs(), peer('192.0.2.9', 65009)), ctx);
    expect(other).toMatchObject({ verdict: 'reject', decidedBy: { by: 'term', policy: 'out', term: 'rest' } });
  });
});
