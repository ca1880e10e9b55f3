// Remove-private-AS (src/rib/private-as.ts): RFC 6996 ranges, FRR's four modes, the peer's and our AS kept,
// confederation segments untouched; then through exportPath: eBGP only, before our AS is prepended.
import { describe, expect, it } from 'vitest';
import { AttributeStore } from '../../src/rib/attribute-store.js';
import { exportPath, type ExportTarget } from '../../src/rib/export.js';
import { isPrivateAs, removePrivateAs, type PrivateAsRemoval } from '../../src/rib/private-as.js';
import type { AsPathSegment } from '../../src/rib/types.js';
import { pathFixtures } from '../helpers/paths.js';

const seq = (...asns: number[]): AsPathSegment => ({ type: 'sequence', asns });
const set = (...asns: number[]): AsPathSegment => ({ type: 'set', asns });
const confed = (...asns: number[]): AsPathSegment => ({ type: 'confed-sequence', asns });

const LOCAL = 64500; // our AS on the session (public, RFC 5398 documentation range)
const PEER = 64501; // the eBGP peer's AS (public)
const mode = (m: 'plain' | 'all' | 'replace' | 'all-replace', over: Partial<PrivateAsRemoval> = {}): PrivateAsRemoval => ({
  all: m === 'all' || m === 'all-replace', replaceAs: m === 'replace' || m === 'all-replace', localAs: LOCAL, peerAs: PEER, ...over,
});

describe('private AS numbers (RFC 6996, RFC 7300)', () => {
  it.each([
    [64511, false], [64512, true], [65000, true], [65534, true], [65535, false],
    [65536, false], [4199999999, false], [4200000000, true], [4294967294, true], [4294967295, false], [23456, false],
  ])('%d private: %s', (asn, expected) => {
    expect(isPrivateAs(asn)).toBe(expected);
  });
});

describe('removePrivateAs', () => {
  it.each<[string, readonly AsPathSegment[], PrivateAsRemoval, readonly AsPathSegment[]]>([
    // plain: only a path made of private ASes changes
    ['plain, all private (2- and 4-octet)', [seq(65010, 4200000001, 64512)], mode('plain'), []],
    ['plain, a public AS in the path', [seq(65010, 64496, 65011)], mode('plain'), [seq(65010, 64496, 65011)]],
    ['plain, 65535 is reserved, not private (RFC 7300)', [seq(65010, 65535)], mode('plain'), [seq(65010, 65535)]],
    ['plain, 4294967295 is reserved, not private', [seq(4200000001, 4294967295)], mode('plain'), [seq(4200000001, 4294967295)]],
    ['plain, all private in a sequence and a set', [seq(65010), set(65011, 65012)], mode('plain'), []],
    ['plain, empty path', [], mode('plain'), []],
    // all: every private AS goes, wherever it is
    ['all, mixed sequence', [seq(64496, 65010, 64497, 4200000001)], mode('all'), [seq(64496, 64497)]],
    ['all, a set emptied goes', [seq(64496), set(65011, 4200000002), seq(64497)], mode('all'), [seq(64496), seq(64497)]],
    ['all, a set partly private', [seq(65010, 64496), set(65011, 64497)], mode('all'), [seq(64496), set(64497)]],
    ['all, nothing private: unchanged', [seq(64496, 64497)], mode('all'), [seq(64496, 64497)]],
    ['all, 65535 and 4294967295 stay', [seq(65535, 65010, 4294967295)], mode('all'), [seq(65535, 4294967295)]],
    // replace-AS: each private AS becomes ours, the length stays
    ['replace, all private', [seq(65010, 4200000001), set(65011)], mode('replace'), [seq(LOCAL, LOCAL), set(LOCAL)]],
    ['replace, a public AS in the path: unchanged', [seq(65010, 64496)], mode('replace'), [seq(65010, 64496)]],
    ['all + replace, mixed', [seq(64496, 65010, 64497, 4200000001)], mode('all-replace'), [seq(64496, LOCAL, 64497, LOCAL)]],
    // the peer's AS stays (its loop detection), and so does ours (what an export policy prepended)
    ['all, the peer AS stays when private', [seq(64496, 65100, 65010)], mode('all', { peerAs: 65100 }), [seq(64496, 65100)]],
    ['plain, all private with the peer AS', [seq(65010, 65100, 65011)], mode('plain', { peerAs: 65100 }), [seq(65100)]],
    ['all + replace, the peer AS is not replaced', [seq(65100, 65010)], mode('all-replace', { peerAs: 65100 }), [seq(65100, LOCAL)]],
    ['all, our own private AS stays', [seq(65200, 65200, 64496, 65010)], mode('all', { localAs: 65200 }), [seq(65200, 65200, 64496)]],
    // confederation segments are neither looked at nor changed
    ['all, confed segment untouched', [confed(65001, 65002), seq(64496, 65010)], mode('all'), [confed(65001, 65002), seq(64496)]],
    ['plain, only private outside the confed segment', [confed(64496), seq(65010)], mode('plain'), [confed(64496)]],
    ['plain, a path of confed segments only', [confed(65001)], mode('plain'), [confed(65001)]],
  ])('%s', (_what, path, m, expected) => {
    expect(removePrivateAs(path, m)).toEqual(expected);
  });

  it('returns the same array when nothing changes, and never changes its argument', () => {
    const path = Object.freeze([Object.freeze(seq(64496, 64497))]);
    expect(removePrivateAs(path, mode('all-replace'))).toBe(path);
    const mixed = [seq(64496, 65010)];
    const before = structuredClone(mixed);
    removePrivateAs(mixed, mode('all'));
    expect(mixed).toEqual(before);
  });
});

describe('remove-private-AS in exportPath', () => {
  const { store, attrs, peer, path } = pathFixtures(new AttributeStore());
  const from = peer('192.0.2.2', 65020);
  const target = (ibgp: boolean, removal?: PrivateAsRemoval): ExportTarget => ({
    key: '198.51.100.2', ibgp, rrClient: false, localAs: LOCAL, routerId: '192.0.2.1', clusterId: '192.0.2.1',
    nextHopSelf: { 'ipv4-unicast': '198.51.100.1' }, memo: new Map(), ...(removal ? { removePrivateAs: removal } : {}),
  });
  const p = path('10.1.0.0/24', attrs({ asPath: [seq(65020, 64496, 4200000001)] }), from);

  it('removes before our AS is prepended, per target', () => {
    const v = exportPath(p, target(false, mode('all')), store);
    expect(v.advertise && v.attrs.asPath).toEqual([seq(LOCAL, 64496)]);
    const plain = exportPath(p, target(false, mode('plain')), store);
    expect(plain.advertise && plain.attrs.asPath).toEqual([seq(LOCAL, 65020, 64496, 4200000001)]);
    const off = exportPath(p, target(false), store);
    expect(off.advertise && off.attrs.asPath).toEqual([seq(LOCAL, 65020, 64496, 4200000001)]);
  });

  it('does nothing on iBGP sessions (the target carries no removal there)', () => {
    const v = exportPath(p, target(true), store);
    expect(v.advertise && v.attrs.asPath).toEqual([seq(65020, 64496, 4200000001)]);
  });
});
