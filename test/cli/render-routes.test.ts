/** `bgpctl explain` for people: candidates with their import verdicts, then the best path's exports. */
import { describe, expect, it } from 'vitest';
import { renderExplain } from '../../src/cli/render-routes.js';
import type { AttributesView, ExplainView } from '../../src/control/protocol.js';

const attrs = (over: Partial<AttributesView> = {}): AttributesView => ({
  nextHop: '10.77.1.2', asPath: '65002', origin: 'igp', communities: [], largeCommunities: [], clusterList: [], ...over,
});
const from = { from: '10.77.1.2', source: 'bgp', pathId: 0, peerAs: 65002, ibgp: false, stale: false, receivedAt: 0 } as const;

const VIEW: ExplainView = {
  prefix: '10.77.100.0/24',
  explanation: {
    family: 'ipv4-unicast',
    prefix: '10.77.100.0/24',
    candidates: [
      {
        ...from, ...attrs({ localPref: 250, communities: ['65001:100'] }), status: 'best', decidedAt: 'only-path',
        import: {
          verdict: 'accept', policies: ['from-bird'], prePolicy: true, received: attrs(),
          policy: {
            direction: 'import', policies: ['from-bird'], verdict: 'accept', decidedBy: { by: 'term', policy: 'from-bird', term: 'prefer-100' },
            steps: [
              { policy: 'from-bird', term: 'blocked', matched: false, changed: [], action: 'reject' },
              { policy: 'from-bird', term: 'prefer-100', matched: true, changed: ['localPref', 'communities'], action: 'accept' },
            ],
            changed: ['localPref', 'communities'],
          },
        },
      },
      {
        ...from, from: '10.77.2.2', peerAs: 65001, ibgp: true, ...attrs({ nextHop: '10.77.2.2', localPref: 100 }), status: 'lost', lostAt: 'local-pref',
        import: { verdict: 'accept', policies: ['from-frr'], prePolicy: false, note: 'only the attributes after import policy are known' },
      },
      {
        ...from, pathId: 7, ...attrs(), status: 'rejected', reason: 'rejected by import policy',
        import: {
          verdict: 'reject', policies: ['from-bird'], prePolicy: true,
          policy: { direction: 'import', policies: ['from-bird'], verdict: 'reject', decidedBy: { by: 'default' }, steps: [], changed: [] },
        },
      },
    ],
    exports: [
      { peer: '10.77.1.2', peerAs: 65002, ibgp: false, rrClient: false, advertise: false, reason: 'learned from this peer' },
      {
        peer: '10.77.3.2', peerAs: 65004, ibgp: false, rrClient: false, advertise: true,
        attributes: attrs({ nextHop: '10.77.3.1', asPath: '65001 65002', med: 42, communities: ['65001:100', '65001:777'] }),
        policy: {
          direction: 'export', policies: ['to-gobgp'], verdict: 'accept', decidedBy: { by: 'term', policy: 'to-gobgp', term: 'tag' },
          steps: [{ policy: 'to-gobgp', term: 'tag', matched: true, changed: ['med', 'communities'], action: 'accept' }], changed: ['med', 'communities'],
        },
      },
      {
        peer: '10.77.4.2', peerAs: 65005, ibgp: false, rrClient: false, advertise: false, reason: 'no export policy for an eBGP peer (RFC 8212)',
        policy: { direction: 'export', policies: [], verdict: 'reject', decidedBy: { by: 'rfc8212' }, steps: [], changed: [] },
      },
    ],
  },
};

describe('renderExplain', () => {
  it('lists the paths an add-path peer holds with our path identifiers', () => {
    const addPathPeer = {
      peer: '10.77.5.2', peerAs: 65001, ibgp: true, rrClient: true, advertise: false, reason: 'learned from this peer',
      addPath: {
        paths: 2,
        advertised: [{ pathId: 2, from: '10.77.2.2', attributes: attrs({ nextHop: '10.77.2.2', localPref: 100, originatorId: '10.77.0.3', clusterList: ['10.77.0.1'] }) }],
      },
    } as const;
    const lines = renderExplain({ ...VIEW, explanation: { ...VIEW.explanation!, exports: [addPathPeer] } }).split('\n');
    expect(lines).toEqual(expect.arrayContaining([
      '    to 10.77.5.2 (AS 65001, iBGP RR client): not advertised: learned from this peer',
      '        add-path send (best 2): 1 path advertised',
      '          path id 2 from 10.77.2.2: next hop 10.77.2.2, AS path 65002, origin igp, local-pref 100',
      '            originator 10.77.0.3, cluster list 10.77.0.1',
    ]));
  });

  it('shows each candidate with what import policy did, and where the best path goes', () => {
    const lines = renderExplain(VIEW).split('\n');
    expect(lines).toEqual(expect.arrayContaining([
      '  * from 10.77.1.2 (bgp, AS 65002): best (won at: only-path)',
      '      next hop 10.77.1.2, AS path 65002, origin igp, local-pref 250',
      '      communities 65001:100',
      '      import: accepted by policy from-bird term prefer-100; changed local-pref, communities',
      '        terms: from-bird/blocked no match; from-bird/prefer-100 matched set local-pref, communities -> accept',
      '        as received: next hop 10.77.1.2, AS path 65002, origin igp',
      '      import: accepted by from-frr; only the attributes after import policy are known',
      '  x from 10.77.1.2 (bgp, AS 65002, path id 7): rejected on import (not in the Loc-RIB)',
      '      import: rejected: no term of from-bird decided (the implicit reject at the end)',
      '  exports of the best path:',
      '    to 10.77.1.2 (AS 65002): not advertised: learned from this peer',
      '    to 10.77.3.2 (AS 65004): advertised: next hop 10.77.3.1, AS path 65001 65002, origin igp, MED 42',
      '        communities 65001:100 65001:777',
      '        export: accepted by policy to-gobgp term tag; changed MED, communities',
      '    to 10.77.4.2 (AS 65005): not advertised: no export policy for an eBGP peer (RFC 8212)',
      '        export: rejected: eBGP session without export policy (RFC 8212)',
    ]));
    // Candidates keep their order; exports come after every candidate.
    const at = (l: string) => lines.findIndex((x) => x.startsWith(l));
    expect(at('  * from')).toBeLessThan(at('    from 10.77.2.2'));
    expect(at('    from 10.77.2.2')).toBeLessThan(at('  x from'));
    expect(at('  x from')).toBeLessThan(at('  exports'));
  });

  it('says when no peer is up, and prints older views (no verdicts) as before', () => {
    const { exports: _, ...rest } = VIEW.explanation!;
    const none = renderExplain({ ...VIEW, explanation: { ...rest, exports: [] } });
    expect(none).toContain('  exports of the best path: no Established peer\n');
    const bare = renderExplain({ ...VIEW, explanation: { ...rest, candidates: rest.candidates.map(({ import: _i, ...c }) => c) } });
    expect(bare).not.toMatch(/import:|exports/);
  });
});
