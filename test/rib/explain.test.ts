/** Explanations of one prefix: every candidate, the winner and its deciding step, why the others lost. */
import { describe, expect, it } from 'vitest';
import { AttributeStore } from '../../src/rib/attribute-store.js';
import { explainPrefix, formatAsPath, summarizeTable } from '../../src/rib/explain.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { ipv4Key, prefixKeyFromText } from '../../src/common/prefix-key.js';
import { DEFAULT_DECISION, type DecisionOptions, type Path, type PathAttributes, type PeerRef } from '../../src/rib/types.js';

const store = new AttributeStore();
const P = ipv4Key(((10 << 24) | (1 << 16)) >>> 0, 24);

function attrs(over: Partial<PathAttributes> = {}): PathAttributes {
  return store.internContent({
    origin: 0, asPath: [{ type: 'sequence', asns: [65002] }], nextHop: '192.0.2.2', atomicAggregate: false,
    communities: [], largeCommunities: [], extendedCommunities: [], clusterList: [], unknown: [], ...over,
  });
}

function peer(key: string, asn: number): PeerRef {
  return { key, address: key, addressKey: key, asn, localAs: 65001, routerId: key, ibgp: asn === 65001, rrClient: false };
}

function path(p: PeerRef, a: PathAttributes): Path {
  return { family: 'ipv4-unicast', prefix: P, pathId: 0, attrs: a, source: 'bgp', peer: p, stale: false, receivedAt: 0 };
}

function rib(decision: DecisionOptions = DEFAULT_DECISION): LocRib {
  return new LocRib({ decision, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1' });
}

describe('explainPrefix', () => {
  it('lists the best with its deciding step, the losers with theirs (closest first), and the ineligible with the reason', () => {
    const r = rib();
    r.announce(path(peer('192.0.2.2', 65002), attrs({ localPref: 200, communities: [(65002 << 16) | 7] })));
    r.announce(path(peer('192.0.2.3', 65003), attrs({ asPath: [{ type: 'sequence', asns: [65003, 65009] }], nextHop: '192.0.2.3' })));
    r.announce(path(peer('192.0.2.4', 65004), attrs({ asPath: [{ type: 'sequence', asns: [65004] }], origin: 2, nextHop: '192.0.2.4' })));
    r.announce(path(peer('192.0.2.5', 65005), attrs({ asPath: [{ type: 'sequence', asns: [65005, 65001] }], nextHop: '192.0.2.5' })));
    const e = explainPrefix(r, 'ipv4-unicast', P, r.decision)!;
    expect(e.prefix).toBe('10.1.0.0/24');
    expect(e.candidates.map((c) => [c.from, c.status, 'decidedAt' in c ? c.decidedAt : 'lostAt' in c ? c.lostAt : 'reason' in c ? c.reason : ''])).toEqual([
      ['192.0.2.2', 'best', 'local-pref'],
      ['192.0.2.3', 'lost', 'local-pref'],
      ['192.0.2.4', 'lost', 'local-pref'],
      ['192.0.2.5', 'ineligible', 'as-loop'],
    ]);
    expect(e.candidates[0]).toMatchObject({ asPath: '65002', localPref: 200, communities: ['65002:7'], nextHop: '192.0.2.2', peerAs: 65002, ibgp: false });
  });

  it('says which step decided between paths that agree on LOCAL_PREF, and shows an ECMP set', () => {
    const r = rib({ ...DEFAULT_DECISION, maxPaths: 4, multipathRelax: true });
    r.announce(path(peer('192.0.2.2', 65002), attrs()));
    r.announce(path(peer('192.0.2.3', 65003), attrs({ asPath: [{ type: 'sequence', asns: [65003] }], nextHop: '192.0.2.3' })));
    r.announce(path(peer('192.0.2.4', 65004), attrs({ asPath: [{ type: 'sequence', asns: [65004] }], origin: 1, nextHop: '192.0.2.4' })));
    const e = explainPrefix(r, 'ipv4-unicast', P, r.decision)!;
    expect(e.candidates.map((c) => c.status)).toEqual(['best', 'multipath', 'lost']);
    expect(e.candidates[0]).toMatchObject({ status: 'best', decidedAt: 'router-id' });
    expect(e.candidates[2]).toMatchObject({ from: '192.0.2.4', status: 'lost', lostAt: 'origin' });
    expect(explainPrefix(r, 'ipv4-unicast', ipv4Key(0x0a020000, 24), r.decision)).toBeUndefined();
  });

  it('formats AS paths with sets and confederation segments as BIRD and FRR do', () => {
    expect(formatAsPath([{ type: 'sequence', asns: [1, 2] }, { type: 'set', asns: [3, 4] }])).toBe('1 2 {3 4}');
    expect(formatAsPath([{ type: 'confed-sequence', asns: [64512] }, { type: 'sequence', asns: [5] }])).toBe('(64512) 5');
  });
});

describe('summarizeTable', () => {
  it('lists best routes in numeric prefix order up to a limit, with the table size', () => {
    const r = rib();
    for (const text of ['10.2.0.0/16', '9.0.0.0/8', '10.1.0.0/24']) {
      const k = prefixKeyFromText(text)!;
      r.announce({ ...path(peer('192.0.2.2', 65002), attrs()), prefix: k.key });
    }
    const all = summarizeTable(r, 'ipv4-unicast', 10);
    expect(all.routes.map((x) => x.prefix)).toEqual(['9.0.0.0/8', '10.1.0.0/24', '10.2.0.0/16']);
    expect(all.total).toBe(3);
    expect(summarizeTable(r, 'ipv4-unicast', 2).routes).toHaveLength(2);
    expect(prefixKeyFromText('10.1.2.3/16')).toEqual({ family: 'ipv4-unicast', key: ipv4Key(0x0a010000, 16) });
    expect(prefixKeyFromText('nonsense')).toBeUndefined();
  });
});
