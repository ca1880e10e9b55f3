import { describe, expect, it } from 'vitest';
import { AttributeStore } from '../../src/rib/attribute-store.js';
import { exportPath, releaseExportMemos, type ExportTarget } from '../../src/rib/export.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { formatPrefixKey, ipv4Key, ipv6Key } from '../../src/common/prefix-key.js';
import { DEFAULT_DECISION, type Path, type PathAttributes, type PeerRef } from '../../src/rib/types.js';

const store = new AttributeStore();

function attrs(over: Partial<PathAttributes> = {}): PathAttributes {
  return store.internContent({
    origin: 0, asPath: [{ type: 'sequence', asns: [65002] }], nextHop: '192.0.2.2', atomicAggregate: false,
    communities: [], largeCommunities: [], extendedCommunities: [], clusterList: [], unknown: [], ...over,
  });
}

function peer(key: string, asn: number, over: Partial<PeerRef> = {}): PeerRef {
  return { key, address: key, addressKey: key, asn, localAs: 65001, routerId: key, ibgp: asn === 65001, rrClient: false, ...over };
}

const P = ipv4Key(((10 << 24) | (1 << 16)) >>> 0, 24);

function path(p: PeerRef | undefined, a: PathAttributes, over: Partial<Path> = {}): Path {
  return { family: 'ipv4-unicast', prefix: P, pathId: 0, attrs: a, source: p ? 'bgp' : 'static', peer: p, stale: false, receivedAt: 0, ...over };
}

function rib(decision = DEFAULT_DECISION): LocRib {
  return new LocRib({ decision, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1' });
}

describe('prefix keys', () => {
  it('round-trip IPv4 and IPv6 prefixes to text', () => {
    expect(formatPrefixKey(P)).toBe('10.1.0.0/24');
    expect(formatPrefixKey(ipv4Key(0xffffff00, 32))).toBe('255.255.255.0/32');
    const b = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0xff]);
    expect(formatPrefixKey(ipv6Key(b, 0, 48))).toBe('2001:db8:1::/48');
    expect(ipv6Key(b, 0, 52)).toBe(ipv6Key(Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0xf0]), 0, 52));
  });
});

describe('LocRib', () => {
  it('selects the best path, reports the change, and falls back on withdraw', () => {
    const r = rib();
    const a = peer('192.0.2.2', 65002);
    const b = peer('192.0.2.3', 65003);
    r.announce(path(a, attrs({ asPath: [{ type: 'sequence', asns: [65002, 65010] }] })));
    expect(r.takeChanges().map((c) => c.best?.peer?.key)).toEqual(['192.0.2.2']);
    r.announce(path(b, attrs({ asPath: [{ type: 'sequence', asns: [65003] }], nextHop: '192.0.2.3' })));
    expect(r.takeChanges().map((c) => c.best?.peer?.key)).toEqual(['192.0.2.3']);
    expect(r.get('ipv4-unicast', P)!.paths).toHaveLength(2);
    r.withdraw('ipv4-unicast', P, '192.0.2.3', 0);
    expect(r.takeChanges().map((c) => c.best?.peer?.key)).toEqual(['192.0.2.2']);
    r.withdraw('ipv4-unicast', P, '192.0.2.2', 0);
    const last = r.takeChanges();
    expect(last).toHaveLength(1);
    expect(last[0]!.best).toBeUndefined();
    expect(r.size('ipv4-unicast')).toBe(0);
  });

  it('replaces a path re-announced by the same peer and reports nothing when the best is unchanged', () => {
    const r = rib();
    const a = peer('192.0.2.2', 65002);
    const first = path(a, attrs());
    r.announce(first);
    r.takeChanges();
    const again = path(a, attrs({ med: 5 }));
    expect(r.announce(again)).toEqual(first);
    expect(r.get('ipv4-unicast', P)!.paths).toEqual([again]);
    expect(r.takeChanges()).toHaveLength(1);
    r.announce(path(peer('192.0.2.9', 65009), attrs({ asPath: [{ type: 'sequence', asns: [65009, 1, 2] }] })));
    expect(r.takeChanges()).toEqual([]);
  });

  it('never selects a path with our own AS in it (RFC 4271 §9.1.2) but keeps it for explanations', () => {
    const r = rib();
    const looped = path(peer('192.0.2.2', 65002), attrs({ asPath: [{ type: 'sequence', asns: [65002, 65001] }] }));
    r.announce(looped);
    expect(r.get('ipv4-unicast', P)!.best).toBeUndefined();
    expect(r.ineligibleReason(looped)).toBe('as-loop');
  });

  it('keeps a restarting peer\'s paths as stale and sweeps the ones not re-announced (RFC 4724 §4.2)', () => {
    const r = rib();
    const a = peer('192.0.2.2', 65002);
    const Q = ipv4Key((10 << 24) >>> 0, 16);
    r.announce(path(a, attrs()));
    r.announce(path(a, attrs(), { prefix: Q }));
    r.takeChanges();
    r.dropPeer(a.key, ['ipv4-unicast'], true);
    expect(r.get('ipv4-unicast', P)!.best?.stale).toBe(true);
    r.announce(path(a, attrs()));
    expect(r.sweepStale(a.key, 'ipv4-unicast').map((p) => p.prefix)).toEqual([Q]);
    expect(r.get('ipv4-unicast', P)!.best?.stale).toBe(false);
    expect(r.get('ipv4-unicast', Q)).toBeUndefined();
  });
});

describe('export rules (RFC 4271 §5, RFC 4456 §8, RFC 1997)', () => {
  function target(key: string, ibgp: boolean, rrClient = false): ExportTarget {
    return { key, ibgp, rrClient, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1', nextHopSelf: { 'ipv4-unicast': '198.51.100.1' }, memo: new Map() };
  }
  const ebgpSrc = peer('192.0.2.2', 65002);
  const client = peer('10.0.0.5', 65001, { rrClient: true, routerId: '10.0.0.5' });
  const nonClient = peer('10.0.0.6', 65001, { routerId: '10.0.0.6' });

  it.each([
    ['eBGP-learned', ebgpSrc, 'client', true],
    ['eBGP-learned', ebgpSrc, 'non-client', true],
    ['client-learned', client, 'client', true],
    ['client-learned', client, 'non-client', true],
    ['client-learned', client, 'eBGP', true],
    ['non-client-learned', nonClient, 'client', true],
    ['non-client-learned', nonClient, 'non-client', false],
    ['non-client-learned', nonClient, 'eBGP', true],
    ['local', undefined, 'non-client', true],
  ] as const)('%s path to a %s peer: advertised=%s', (_what, src, to, expected) => {
    const t = to === 'eBGP' ? target('203.0.113.1', false) : target(to === 'client' ? '10.0.0.7' : '10.0.0.8', true, to === 'client');
    expect(exportPath(path(src, attrs()), t, store).advertise).toBe(expected);
  });

  it('does not send a path back to its peer, honours NO_ADVERTISE and NO_EXPORT', () => {
    expect(exportPath(path(ebgpSrc, attrs()), target('192.0.2.2', false), store)).toMatchObject({ advertise: false, reason: 'learned from this peer' });
    expect(exportPath(path(ebgpSrc, attrs({ communities: [0xffffff02] })), target('10.0.0.7', true), store).advertise).toBe(false);
    expect(exportPath(path(ebgpSrc, attrs({ communities: [0xffffff01] })), target('203.0.113.1', false), store).advertise).toBe(false);
    expect(exportPath(path(ebgpSrc, attrs({ communities: [0xffffff01] })), target('10.0.0.7', true), store).advertise).toBe(true);
  });

  it('gives back the store references of a target\'s exported sets when its session ends', () => {
    const own = new AttributeStore();
    const mk = (nextHop: string, med?: number) => own.internContent({
      origin: 0, asPath: [{ type: 'sequence', asns: [65002] }], nextHop, atomicAggregate: false, communities: [], largeCommunities: [],
      extendedCommunities: [], clusterList: [], unknown: [], ...(med !== undefined ? { med } : {}),
    });
    const paths = [path(ebgpSrc, mk('192.0.2.2')), path(client, mk('10.0.0.5')), path(undefined, mk('0.0.0.0', 3))];
    const before = own.size;
    const e = target('203.0.113.9', false);
    const r = target('10.0.0.8', true, true);
    for (const p of paths) {
      exportPath(p, e, own);
      exportPath(p, r, own);
    }
    expect(own.size).toBeGreaterThan(before);
    releaseExportMemos(e, own);
    releaseExportMemos(r, own);
    expect(own.size).toBe(before);
    expect(e.memo.size).toBe(0);
  });

  it('keeps the rewrite of identical attribute sets apart where it depends on the path (one memo per target)', () => {
    // Two clients announce identical sets without ORIGINATOR_ID: each reflected copy names its own originator.
    const other = peer('10.0.0.15', 65001, { rrClient: true, routerId: '10.0.0.15' });
    const t = target('10.0.0.8', true);
    const same = attrs({ nextHop: '10.0.0.99' });
    const a = exportPath(path(client, same), t, store);
    const b = exportPath(path(other, same), t, store);
    expect(a.advertise && a.attrs.originatorId).toBe('10.0.0.5');
    expect(b.advertise && b.attrs.originatorId).toBe('10.0.0.15');
    // A received MED is dropped towards eBGP, our own is kept, even when the sets are identical.
    const e = target('203.0.113.9', false);
    const withMed = attrs({ med: 5, asPath: [] });
    const received = exportPath(path(ebgpSrc, withMed), e, store);
    const own = exportPath(path(undefined, withMed), e, store);
    expect(received.advertise && received.attrs.med).toBeUndefined();
    expect(own.advertise && own.attrs.med).toBe(5);
  });

  it('rewrites for eBGP: AS prepended, next hop self, no LOCAL_PREF, received MED dropped, own MED kept', () => {
    const v = exportPath(path(nonClient, attrs({ localPref: 200, med: 7, originatorId: '10.0.0.9', clusterList: ['10.0.0.2'] })), target('203.0.113.1', false), store);
    expect(v.advertise && v.attrs).toMatchObject({ asPath: [{ type: 'sequence', asns: [65001, 65002] }], nextHop: '198.51.100.1', clusterList: [] });
    expect(v.advertise && v.attrs.localPref).toBeUndefined();
    expect(v.advertise && v.attrs.med).toBeUndefined();
    expect(v.advertise && v.attrs.originatorId).toBeUndefined();
    const own = exportPath(path(undefined, attrs({ med: 7, asPath: [] })), target('203.0.113.1', false), store);
    expect(own.advertise && own.attrs).toMatchObject({ med: 7, asPath: [{ type: 'sequence', asns: [65001] }] });
  });

  it('passes an IPv6 next hop to iBGP without its link-local address, ours when it has no global one (RFC 2545 §3)', () => {
    const v6 = { family: 'ipv6-unicast' as const, prefix: ipv6Key(Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 1]), 0, 48) };
    const t = { ...target('10.0.0.8', true), nextHopSelf: { 'ipv6-unicast': '2001:db8:9::1' } };
    const global = exportPath(path(ebgpSrc, attrs({ nextHop: '2001:db8:1::2', nextHopLinkLocal: 'fe80::2' }), v6), t, store);
    expect(global.advertise && global.attrs.nextHop).toBe('2001:db8:1::2');
    expect(global.advertise && global.attrs.nextHopLinkLocal).toBeUndefined();
    const onlyLinkLocal = exportPath(path(ebgpSrc, attrs({ nextHop: '::', nextHopLinkLocal: 'fe80::5' }), v6), t, store);
    expect(onlyLinkLocal.advertise && onlyLinkLocal.attrs.nextHop).toBe('2001:db8:9::1');
    expect(onlyLinkLocal.advertise && onlyLinkLocal.attrs.nextHopLinkLocal).toBeUndefined();
    const noSelf = exportPath(path(ebgpSrc, attrs({ nextHop: '::', nextHopLinkLocal: 'fe80::5' }), v6), target('10.0.0.8', true), store);
    expect(noSelf).toMatchObject({ advertise: false });
  });

  it('adds our link-local address to our global next hop toward a single-hop eBGP peer, IPv6 only (RFC 2545 §3)', () => {
    const v6 = { family: 'ipv6-unicast' as const, prefix: ipv6Key(Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 1]), 0, 48) };
    const self = { 'ipv4-unicast': '198.51.100.1', 'ipv6-unicast': '2001:db8:7::1' };
    const t: ExportTarget = { ...target('203.0.113.1', false), nextHopSelf: self, linkLocalSelf: 'fe80::1' };
    // One interned set used for an IPv6 route and for an IPv4 route over an IPv6 next hop (RFC 8950).
    const same = attrs({ nextHop: '2001:db8:1::2', nextHopLinkLocal: 'fe80::2' });
    const six = exportPath(path(ebgpSrc, same, v6), t, store);
    expect(six.advertise && six.attrs).toMatchObject({ nextHop: '2001:db8:7::1', nextHopLinkLocal: 'fe80::1' });
    const four = exportPath(path(ebgpSrc, same), t, store);
    expect(four.advertise && four.attrs.nextHop).toBe('198.51.100.1');
    expect(four.advertise && four.attrs.nextHopLinkLocal).toBeUndefined();
    // iBGP never gets a link-local address, ours or the received one.
    const ibgp: ExportTarget = { ...target('10.0.0.8', true), nextHopSelf: self, linkLocalSelf: 'fe80::1' };
    const toIbgp = exportPath(path(ebgpSrc, same, v6), ibgp, store);
    expect(toIbgp.advertise && toIbgp.attrs.nextHopLinkLocal).toBeUndefined();
    // Without one (multihop eBGP, no link-local on the interface), the global address alone, as before.
    const { linkLocalSelf: _ll, ...withoutLinkLocal } = t;
    const multihop = exportPath(path(ebgpSrc, same, v6), { ...withoutLinkLocal, memo: new Map() }, store);
    expect(multihop.advertise && multihop.attrs.nextHopLinkLocal).toBeUndefined();
  });

  it('reflects with ORIGINATOR_ID and our cluster id prepended, and interns identical results', () => {
    const t = target('10.0.0.7', true, true);
    const v = exportPath(path(client, attrs({ clusterList: ['10.0.0.99'] })), t, store);
    expect(v.advertise && v.attrs).toMatchObject({ originatorId: '10.0.0.5', clusterList: ['10.0.0.1', '10.0.0.99'], localPref: 100, nextHop: '192.0.2.2' });
    const again = exportPath(path(client, attrs({ clusterList: ['10.0.0.99'] }), { prefix: ipv4Key(0, 8) }), t, store);
    expect(again.advertise && v.advertise && again.attrs === v.attrs).toBe(true);
  });
});

describe('LocRib compact paths (one BGP path per prefix in arrays, entries for the rest)', () => {
  const a = peer('192.0.2.2', 65002);
  const b = peer('192.0.2.3', 65003);
  const slotP = (r: LocRib) => r.slotOf('ipv4-unicast', P, true);

  it('moves between the compact form and an entry as paths come and go, with the same answers', () => {
    const r = rib();
    const s = slotP(r);
    const longer = attrs({ asPath: [{ type: 'sequence', asns: [65002, 65010] }] });
    // The compact form keeps the arrival time in whole seconds.
    expect(r.announceAt('ipv4-unicast', s, a, 0, longer, 5_000)).toBeUndefined();
    const at5 = { receivedAt: 5_000 };
    expect(r.get('ipv4-unicast', P)).toEqual({ prefix: P, paths: [path(a, longer, at5)], best: path(a, longer, at5), multipath: [path(a, longer, at5)] });
    // A second peer: an entry with both, the shorter path best.
    const shorter = attrs({ asPath: [{ type: 'sequence', asns: [65003] }], nextHop: '192.0.2.3' });
    r.announceAt('ipv4-unicast', s, b, 0, shorter, 6_000);
    expect(r.bestPeer('ipv4-unicast', s)?.key).toBe(b.key);
    expect(r.get('ipv4-unicast', P)!.paths.map((p) => p.peer?.key)).toEqual([a.key, b.key]);
    // Back to one path: compact again, and the withdrawn set is handed back.
    expect(r.withdrawAt('ipv4-unicast', s, b.key, 0)).toBe(shorter);
    expect(r.bestAttrs('ipv4-unicast', s)).toBe(longer);
    expect(r.size('ipv4-unicast')).toBe(1);
    expect(r.takeChanges().map((c) => c.best?.peer?.key)).toEqual([a.key]);
    // A path of another peer id of the same peer (add-path) is a second path too.
    r.announceAt('ipv4-unicast', s, a, 7, shorter, 8_000);
    expect(r.get('ipv4-unicast', P)!.paths).toHaveLength(2);
  });

  it('keeps an ineligible compact path for explanations but never as best, and reports no change for it', () => {
    const r = rib();
    const s = slotP(r);
    const looped = attrs({ asPath: [{ type: 'sequence', asns: [65002, 65001] }] });
    r.announceAt('ipv4-unicast', s, a, 0, looped, 0);
    expect(r.bestAttrs('ipv4-unicast', s)).toBeUndefined();
    expect(r.takeChangedSlots('ipv4-unicast')).toEqual([]);
    const e = r.get('ipv4-unicast', P)!;
    expect(e.best).toBeUndefined();
    expect(r.ineligibleReason(e.paths[0]!)).toBe('as-loop');
    // Replaced by an eligible one: now it is a change.
    r.announceAt('ipv4-unicast', s, a, 0, attrs(), 0);
    expect(r.takeChangedSlots('ipv4-unicast')).toEqual([s]);
  });

  it('marks paths stale in place without reporting a change, compact or in an entry (RFC 4724 §4.2)', () => {
    const r = rib({ ...DEFAULT_DECISION, maxPaths: 2, multipathRelax: true });
    const Q = ipv4Key((10 << 24) >>> 0, 16);
    const R = ipv4Key((11 << 24) >>> 0, 16);
    r.announceAt('ipv4-unicast', slotP(r), a, 0, attrs(), 0); // compact
    r.announceAt('ipv4-unicast', r.slotOf('ipv4-unicast', Q, true), a, 0, attrs(), 0); // best of two
    r.announceAt('ipv4-unicast', r.slotOf('ipv4-unicast', Q, true), b, 0, attrs({ asPath: [{ type: 'sequence', asns: [65003, 65030] }], nextHop: '192.0.2.3' }), 0);
    r.announceAt('ipv4-unicast', r.slotOf('ipv4-unicast', R, true), a, 0, attrs(), 0); // ECMP with b
    r.announceAt('ipv4-unicast', r.slotOf('ipv4-unicast', R, true), b, 0, attrs({ asPath: [{ type: 'sequence', asns: [65003] }], nextHop: '192.0.2.3' }), 0);
    r.discardChanges();
    expect(r.dropPeer(a.key, ['ipv4-unicast'], true)).toHaveLength(3);
    // Stale is not an input of the decision: same best, same ECMP set, nothing to report.
    expect(r.takeChanges()).toEqual([]);
    const q = r.get('ipv4-unicast', Q)!;
    expect(q.best).toMatchObject({ peer: { key: a.key }, stale: true });
    expect(q.paths.find((p) => p.peer?.key === a.key)).toBe(q.best);
    const e = r.get('ipv4-unicast', R)!;
    expect(e.multipath.map((p) => [p.peer?.key, p.stale]).sort()).toEqual([[a.key, true], [b.key, false]]);
    expect(e.multipath.every((m) => e.paths.includes(m))).toBe(true);
    expect(r.get('ipv4-unicast', P)!.best?.stale).toBe(true);
    // The marked paths are the ones later decisions work on: withdrawing b leaves Q's best alone and shrinks R's set.
    r.withdraw('ipv4-unicast', Q, b.key, 0);
    expect(r.takeChanges()).toEqual([]);
    r.withdraw('ipv4-unicast', R, b.key, 0);
    expect(r.takeChanges().map((c) => [formatPrefixKey(c.prefix), c.multipath.map((p) => [p.peer?.key, p.stale])])).toEqual([['11.0.0.0/16', [[a.key, true]]]]);
    expect(r.sweepStale(a.key, 'ipv4-unicast').map((p) => formatPrefixKey(p.prefix)).sort()).toEqual(['10.0.0.0/16', '10.1.0.0/24', '11.0.0.0/16']);
  });

  it('takes a stale path announced again unchanged back without reporting a change, compact or in an entry (RFC 4724 §4.2)', () => {
    const r = rib({ ...DEFAULT_DECISION, maxPaths: 2, multipathRelax: true });
    r.trackCandidates = true;
    const Q = ipv4Key((10 << 24) >>> 0, 16);
    const R = ipv4Key((11 << 24) >>> 0, 16);
    const slots = [slotP(r), r.slotOf('ipv4-unicast', Q, true), r.slotOf('ipv4-unicast', R, true)];
    r.announceAt('ipv4-unicast', slots[0]!, a, 0, attrs(), 0); // compact
    r.announceAt('ipv4-unicast', slots[1]!, a, 0, attrs(), 0); // best of two
    r.announceAt('ipv4-unicast', slots[1]!, b, 0, attrs({ asPath: [{ type: 'sequence', asns: [65003, 65030] }], nextHop: '192.0.2.3' }), 0);
    r.announceAt('ipv4-unicast', slots[2]!, a, 0, attrs(), 0); // ECMP with b
    r.announceAt('ipv4-unicast', slots[2]!, b, 0, attrs({ asPath: [{ type: 'sequence', asns: [65003] }], nextHop: '192.0.2.3' }), 0);
    r.discardChanges();
    r.dropPeer(a.key, ['ipv4-unicast'], true);
    // The peer's new session: a PeerRef of its own, equal in content; the same attribute sets and path ids.
    const again = peer(a.key, 65002);
    for (const s of slots) expect(r.announceAt('ipv4-unicast', s, again, 0, attrs(), 9_000)).toBe(attrs());
    expect(r.takeChangedSlots('ipv4-unicast')).toEqual([]);
    expect(r.takeCandidateSlots('ipv4-unicast')).toEqual([]);
    for (const prefix of [P, Q, R]) {
      const e = r.get('ipv4-unicast', prefix)!;
      expect(e.paths.filter((p) => p.stale)).toEqual([]);
      expect(e.best?.stale).toBe(false);
      expect(e.multipath.every((m) => e.paths.includes(m))).toBe(true);
    }
    expect(r.sweepStale(a.key, 'ipv4-unicast')).toEqual([]);
    // Through `announce` (import policy) alike; a path announced again with other attributes is a change.
    r.dropPeer(a.key, ['ipv4-unicast'], true);
    expect(r.announce(path(again, attrs(), { prefix: Q }))?.stale).toBe(true);
    expect(r.takeChangedSlots('ipv4-unicast')).toEqual([]);
    r.announceAt('ipv4-unicast', slots[2]!, again, 0, attrs({ med: 5 }), 0);
    expect(r.takeChangedSlots('ipv4-unicast')).toEqual([slots[2]]);
  });

  it('drops, marks stale and sweeps compact paths like entries', () => {
    const r = rib();
    const Q = ipv4Key((10 << 24) >>> 0, 16);
    r.announceAt('ipv4-unicast', slotP(r), a, 0, attrs(), 0);
    r.announceAt('ipv4-unicast', r.slotOf('ipv4-unicast', Q, true), a, 0, attrs(), 0);
    r.announceAt('ipv4-unicast', r.slotOf('ipv4-unicast', Q, true), b, 0, attrs({ nextHop: '192.0.2.3' }), 0);
    r.discardChanges();
    expect(r.dropPeer(a.key, ['ipv4-unicast'], true)).toHaveLength(2);
    expect(r.get('ipv4-unicast', P)!.best?.stale).toBe(true);
    expect(r.takeChangedSlots('ipv4-unicast')).not.toContain(slotP(r)); // the compact one: same best path, no change
    expect(r.sweepStale(a.key, 'ipv4-unicast').map((p) => p.prefix).sort()).toEqual([Q, P].sort());
    expect(r.get('ipv4-unicast', P)).toBeUndefined();
    expect(r.get('ipv4-unicast', Q)!.paths.map((p) => p.peer?.key)).toEqual([b.key]);
    expect(r.dropPeer(b.key, ['ipv4-unicast'])).toHaveLength(1);
    expect(r.size('ipv4-unicast')).toBe(0);
    r.discardChanges();
    expect(r.retired).toBe(2);
    expect(r.prune()).toBe(0);
    expect(r.prefixes('ipv4-unicast').size).toBe(0); // every slot freed
  });

  it('retires a slot left without paths and frees it at the prune, unless the prefix came back', () => {
    const r = rib();
    const Q = ipv4Key((10 << 24) >>> 0, 16);
    const sP = slotP(r);
    const sQ = r.slotOf('ipv4-unicast', Q, true);
    r.announceAt('ipv4-unicast', sP, a, 0, attrs(), 0);
    r.announceAt('ipv4-unicast', sQ, a, 0, attrs(), 0);
    r.discardChanges();
    r.withdrawAt('ipv4-unicast', sP, a.key, 0);
    r.withdrawAt('ipv4-unicast', sQ, a.key, 0);
    r.discardChanges();
    expect(r.retired).toBe(2);
    // Retired, not removed: the prefixes keep their slots until the prune.
    expect(r.slotOf('ipv4-unicast', P)).toBe(sP);
    r.announceAt('ipv4-unicast', r.slotOf('ipv4-unicast', P, true), a, 0, attrs(), 0);
    r.discardChanges();
    expect(r.prune(1)).toBe(1); // a budget: one looked at, one left
    expect(r.prune()).toBe(0);
    expect(r.slotOf('ipv4-unicast', P)).toBe(sP); // announced again before the prune: kept
    expect(r.slotOf('ipv4-unicast', Q)).toBe(-1);
    expect(r.prefixes('ipv4-unicast').size).toBe(1);
    // Retired twice before a prune (withdrawn, announced, withdrawn): listed once, freed.
    r.withdrawAt('ipv4-unicast', sP, a.key, 0);
    r.discardChanges();
    r.announceAt('ipv4-unicast', sP, a, 0, attrs(), 0);
    r.discardChanges();
    r.withdrawAt('ipv4-unicast', sP, a.key, 0);
    r.discardChanges();
    expect(r.retired).toBe(1);
    expect(r.prune()).toBe(0);
    expect(r.prefixes('ipv4-unicast').size).toBe(0);
  });

  it('reports changes to a second path only while candidates are tracked, in a queue of their own', () => {
    const r = rib();
    const s = slotP(r);
    const worse = attrs({ asPath: [{ type: 'sequence', asns: [65003, 65030, 65031] }], nextHop: '192.0.2.3' });
    r.announceAt('ipv4-unicast', s, a, 0, attrs(), 0);
    r.discardChanges();
    // Not tracked: a second, worse path changes no best path, and nothing is reported.
    r.announceAt('ipv4-unicast', s, b, 0, worse, 0);
    expect(r.takeChangedSlots('ipv4-unicast')).toEqual([]);
    expect(r.takeCandidateSlots('ipv4-unicast')).toEqual([]);
    r.trackCandidates = true;
    // Tracked: the second path changed or withdrawn is a candidate change, the best path is not reported.
    r.announceAt('ipv4-unicast', s, b, 0, attrs({ asPath: [{ type: 'sequence', asns: [65003, 65030] }], nextHop: '192.0.2.3' }), 0);
    expect(r.takeChangedSlots('ipv4-unicast')).toEqual([]);
    expect(r.takeCandidateSlots('ipv4-unicast')).toEqual([s]);
    r.withdrawAt('ipv4-unicast', s, b.key, 0);
    expect(r.takeCandidateSlots('ipv4-unicast')).toEqual([s]);
    // A change of the best path goes to the ordinary queue only.
    r.announceAt('ipv4-unicast', s, b, 0, attrs({ asPath: [], nextHop: '192.0.2.3' }), 0);
    expect(r.takeCandidateSlots('ipv4-unicast')).toEqual([]);
    expect(r.takeChangedSlots('ipv4-unicast')).toEqual([s]);
    // A slot waiting in the candidate queue is not freed before that queue was taken.
    r.announceAt('ipv4-unicast', s, a, 0, worse, 0);
    r.discardChanges();
    r.withdrawAt('ipv4-unicast', s, a.key, 0);
    r.withdrawAt('ipv4-unicast', s, b.key, 0);
    r.collect('ipv4-unicast', r.takeChangedSlots('ipv4-unicast'));
    r.prune();
    expect(r.prefixes('ipv4-unicast').size).toBe(1);
    r.collect('ipv4-unicast', r.takeCandidateSlots('ipv4-unicast'));
    r.prune();
    expect(r.prefixes('ipv4-unicast').size).toBe(0);
    // Turning tracking off forgets what was queued.
    r.announceAt('ipv4-unicast', slotP(r), a, 0, attrs(), 0);
    r.announceAt('ipv4-unicast', slotP(r), b, 0, worse, 0);
    r.discardChanges();
    r.withdrawAt('ipv4-unicast', slotP(r), b.key, 0);
    r.trackCandidates = false;
    expect(r.takeCandidateSlots('ipv4-unicast')).toEqual([]);
  });
});
