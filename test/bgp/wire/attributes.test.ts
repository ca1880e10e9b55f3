/**
 * Path attributes, one builder-made fixture per attribute type: the expected octets are written out by hand
 * from the RFC formats, encoding must give exactly them, and decoding a whole UPDATE holding them must give
 * back the typed value. Plus extended length, propagation of unknown attributes, add-path NLRI, End-of-RIB
 * and the RFC 6793 §4.2.3 AS4_PATH merge.
 */
import { describe, expect, it } from 'vitest';
import {
  AS_TRANS, asSpecificCommunity, attribute, attributesForPropagation, buildNlri, buildUpdate, decodeMessage,
  describeExtendedCommunity, encapsulationCommunity, encodeMessage, endOfRib, endOfRibMessage, findAttribute,
  forEachIPv4, formatCommunity, formatLargeCommunity, formatNextHops, makeContext, mergeAs4Path, parseAddress,
  parsePrefix, prefixesOf, prefixStrings, routerMacCommunity, WellKnownCommunity,
  type AsPathSegment, type CodecContext, type PathAttribute, type UpdateMessage,
} from '../../../src/bgp/wire/index.js';
import { renderDecoded } from '../../../src/cli/render-message.js';
import { fromHex, toHex } from '../../helpers/vectors.js';

const AS4 = makeContext({ as4: true });
const AS2 = makeContext({ as4: false });
const MARKER = 'ff'.repeat(16);

const hex2 = (n: number) => n.toString(16).padStart(4, '0');

/** A whole UPDATE around hand-written fields: the three length fields are the only computed octets. */
function updateHex(attrs: string, nlri = '', withdrawn = ''): string {
  const body = hex2(withdrawn.length / 2) + withdrawn + hex2(attrs.length / 2) + attrs + nlri;
  return MARKER + hex2(19 + body.length / 2) + '02' + body;
}

function decodeUpdateHex(h: string, ctx: CodecContext): UpdateMessage {
  const r = decodeMessage(fromHex(h), ctx);
  expect(r.errors).toEqual([]);
  expect(r.action).toBe('none');
  expect(r.message?.type).toBe('UPDATE');
  return r.message as UpdateMessage;
}

const V6_NH = '20010db8000000000000000000000001'; // 2001:db8::1
const V6_LL = 'fe800000000000000000000000000001'; // fe80::1

interface Fixture {
  readonly name: string;
  readonly ctx: CodecContext;
  readonly attr: PathAttribute;
  /** The attribute as on the wire: flags, type code, length, value. */
  readonly hex: string;
}

const fixtures: Fixture[] = [
  { name: 'ORIGIN igp', ctx: AS4, attr: attribute({ type: 'origin', origin: 'igp' }), hex: '40010100' },
  { name: 'ORIGIN egp', ctx: AS4, attr: attribute({ type: 'origin', origin: 'egp' }), hex: '40010101' },
  { name: 'ORIGIN incomplete', ctx: AS4, attr: attribute({ type: 'origin', origin: 'incomplete' }), hex: '40010102' },

  // AS_PATH, 4-octet session: segment type, count, AS numbers of 4 octets.
  { name: 'AS_PATH sequence (4-octet)', ctx: AS4, attr: attribute({ type: 'as-path', segments: [{ type: 'sequence', asns: [65001, 4200000001] }] }),
    hex: '40020a' + '0202' + '0000fde9' + 'fa56ea01' },
  { name: 'AS_PATH set (4-octet)', ctx: AS4, attr: attribute({ type: 'as-path', segments: [{ type: 'set', asns: [65010, 65011] }] }),
    hex: '40020a' + '0102' + '0000fdf2' + '0000fdf3' },
  { name: 'AS_PATH confed-sequence (4-octet)', ctx: AS4, attr: attribute({ type: 'as-path', segments: [{ type: 'confed-sequence', asns: [64512, 64513] }] }),
    hex: '40020a' + '0302' + '0000fc00' + '0000fc01' },
  { name: 'AS_PATH confed-set (4-octet)', ctx: AS4, attr: attribute({ type: 'as-path', segments: [{ type: 'confed-set', asns: [64514] }] }),
    hex: '400206' + '0401' + '0000fc02' },
  {
    name: 'AS_PATH with all four segment types (4-octet)', ctx: AS4,
    attr: attribute({ type: 'as-path', segments: [
      { type: 'confed-sequence', asns: [64512] }, { type: 'confed-set', asns: [64513, 64514] },
      { type: 'sequence', asns: [65001, 4200000001] }, { type: 'set', asns: [65010, 65011] },
    ] }),
    hex: '400224' + '0301' + '0000fc00' + '0402' + '0000fc01' + '0000fc02' + '0202' + '0000fde9' + 'fa56ea01' + '0102' + '0000fdf2' + '0000fdf3',
  },
  // AS_PATH, 2-octet session: the same segments with AS numbers of 2 octets (AS_TRANS for a 4-octet AS).
  { name: 'AS_PATH sequence (2-octet)', ctx: AS2, attr: attribute({ type: 'as-path', segments: [{ type: 'sequence', asns: [65001, AS_TRANS] }] }),
    hex: '400206' + '0202' + 'fde9' + '5ba0' },
  { name: 'AS_PATH set (2-octet)', ctx: AS2, attr: attribute({ type: 'as-path', segments: [{ type: 'set', asns: [65010, 65011] }] }),
    hex: '400206' + '0102' + 'fdf2' + 'fdf3' },
  { name: 'AS_PATH confed-sequence (2-octet)', ctx: AS2, attr: attribute({ type: 'as-path', segments: [{ type: 'confed-sequence', asns: [64512, 64513] }] }),
    hex: '400206' + '0302' + 'fc00' + 'fc01' },
  { name: 'AS_PATH confed-set (2-octet)', ctx: AS2, attr: attribute({ type: 'as-path', segments: [{ type: 'confed-set', asns: [64514] }] }),
    hex: '400204' + '0401' + 'fc02' },
  {
    name: 'AS_PATH with all four segment types (2-octet)', ctx: AS2,
    attr: attribute({ type: 'as-path', segments: [
      { type: 'confed-sequence', asns: [64512] }, { type: 'confed-set', asns: [64513, 64514] },
      { type: 'sequence', asns: [65001, AS_TRANS] }, { type: 'set', asns: [65010, 65011] },
    ] }),
    hex: '400216' + '0301' + 'fc00' + '0402' + 'fc01' + 'fc02' + '0202' + 'fde9' + '5ba0' + '0102' + 'fdf2' + 'fdf3',
  },
  { name: 'AS_PATH empty (iBGP)', ctx: AS4, attr: attribute({ type: 'as-path', segments: [] }), hex: '400200' },

  { name: 'NEXT_HOP', ctx: AS4, attr: attribute({ type: 'next-hop', nextHop: '192.0.2.1' }), hex: '400304c0000201' },
  { name: 'MULTI_EXIT_DISC', ctx: AS4, attr: attribute({ type: 'med', med: 100 }), hex: '80040400000064' },
  { name: 'MULTI_EXIT_DISC 2^32-1', ctx: AS4, attr: attribute({ type: 'med', med: 0xffffffff }), hex: '800404ffffffff' },
  { name: 'LOCAL_PREF', ctx: AS4, attr: attribute({ type: 'local-pref', localPref: 200 }), hex: '400504000000c8' },
  { name: 'ATOMIC_AGGREGATE', ctx: AS4, attr: attribute({ type: 'atomic-aggregate' }), hex: '400600' },
  { name: 'AGGREGATOR (2-octet)', ctx: AS2, attr: attribute({ type: 'aggregator', asn: 65001, address: '192.0.2.9' }), hex: 'c00706' + 'fde9' + 'c0000209' },
  { name: 'AGGREGATOR (4-octet)', ctx: AS4, attr: attribute({ type: 'aggregator', asn: 4200000001, address: '192.0.2.9' }), hex: 'c00708' + 'fa56ea01' + 'c0000209' },
  {
    name: 'COMMUNITIES with the well-known ones', ctx: AS4,
    attr: attribute({ type: 'communities', communities: [
      65000 * 65536 + 100, WellKnownCommunity.NO_EXPORT, WellKnownCommunity.NO_ADVERTISE, WellKnownCommunity.NO_EXPORT_SUBCONFED,
      WellKnownCommunity.NOPEER, WellKnownCommunity.GRACEFUL_SHUTDOWN, WellKnownCommunity.BLACKHOLE,
    ] }),
    hex: 'c0081c' + 'fde80064' + 'ffffff01' + 'ffffff02' + 'ffffff03' + 'ffffff04' + 'ffff0000' + 'ffff029a',
  },
  { name: 'ORIGINATOR_ID', ctx: AS4, attr: attribute({ type: 'originator-id', originatorId: '192.0.2.2' }), hex: '800904c0000202' },
  { name: 'CLUSTER_LIST', ctx: AS4, attr: attribute({ type: 'cluster-list', clusterList: ['192.0.2.3', '10.0.0.1'] }), hex: '800a08' + 'c0000203' + '0a000001' },
  {
    name: 'MP_REACH_NLRI IPv6, global next hop only', ctx: AS4,
    attr: attribute({ type: 'mp-reach', afi: 2, safi: 1, nextHop: parseAddress('2001:db8::1'), reserved: 0, nlri: buildNlri('ipv6-unicast', ['2001:db8:1::/48']) }),
    hex: '800e1c' + '0002' + '01' + '10' + V6_NH + '00' + '30' + '20010db80001',
  },
  {
    name: 'MP_REACH_NLRI IPv6, global + link-local next hop', ctx: AS4,
    attr: attribute({
      type: 'mp-reach', afi: 2, safi: 1, nextHop: Uint8Array.from([...parseAddress('2001:db8::1'), ...parseAddress('fe80::1')]), reserved: 0,
      nlri: buildNlri('ipv6-unicast', ['2001:db8:2::/48', '2001:db8:3:4::/64']),
    }),
    hex: '800e35' + '0002' + '01' + '20' + V6_NH + V6_LL + '00' + '30' + '20010db80002' + '40' + '20010db800030004',
  },
  {
    name: 'MP_REACH_NLRI IPv4 NLRI with an IPv6 next hop (RFC 8950)', ctx: AS4,
    attr: attribute({ type: 'mp-reach', afi: 1, safi: 1, nextHop: parseAddress('2001:db8::1'), reserved: 0, nlri: buildNlri('ipv4-unicast', ['10.1.0.0/16', '192.0.2.128/25']) }),
    hex: '800e1d' + '0001' + '01' + '10' + V6_NH + '00' + '100a01' + '19c0000280',
  },
  {
    name: 'MP_UNREACH_NLRI IPv6', ctx: AS4,
    attr: attribute({ type: 'mp-unreach', afi: 2, safi: 1, withdrawn: buildNlri('ipv6-unicast', ['2001:db8:1::/48', '::/0']) }),
    hex: '800f0b' + '0002' + '01' + '30' + '20010db80001' + '00',
  },
  {
    name: 'MP_UNREACH_NLRI IPv4', ctx: AS4,
    attr: attribute({ type: 'mp-unreach', afi: 1, safi: 1, withdrawn: buildNlri('ipv4-unicast', ['10.1.0.0/16']) }),
    hex: '800f06' + '0001' + '01' + '100a01',
  },
  {
    name: 'EXTENDED_COMMUNITIES', ctx: AS4,
    attr: attribute({ type: 'extended-communities', communities: [
      '0002fde800000064', '0202fa56ea010064', '0102c00002010007', '0003fde8000000c8', '030c000000000008', '06030a1b2c3d4e5f',
      '4004fde84cee6b28', '8006000000000000',
    ].map(fromHex) }),
    hex: 'c01040' + '0002fde800000064' + '0202fa56ea010064' + '0102c00002010007' + '0003fde8000000c8' + '030c000000000008'
      + '06030a1b2c3d4e5f' + '4004fde84cee6b28' + '8006000000000000',
  },
  {
    name: 'AS4_PATH (on a 2-octet session)', ctx: AS2,
    attr: attribute({ type: 'as4-path', segments: [{ type: 'sequence', asns: [4200000001, 65001] }, { type: 'set', asns: [4200000002] }] }),
    hex: 'c01110' + '0202' + 'fa56ea01' + '0000fde9' + '0101' + 'fa56ea02',
  },
  { name: 'AS4_AGGREGATOR (on a 2-octet session)', ctx: AS2, attr: attribute({ type: 'as4-aggregator', asn: 4200000009, address: '192.0.2.9' }), hex: 'c01208' + 'fa56ea09' + 'c0000209' },
  {
    name: 'LARGE_COMMUNITIES', ctx: AS4,
    attr: attribute({ type: 'large-communities', communities: [{ global: 4200000001, local1: 1, local2: 2 }, { global: 65001, local1: 100, local2: 4294967295 }] }),
    hex: 'c02018' + 'fa56ea01' + '00000001' + '00000002' + '0000fde9' + '00000064' + 'ffffffff',
  },
  { name: 'OTC', ctx: AS4, attr: attribute({ type: 'otc', asn: 65001 }), hex: 'c023040000fde9' },
  { name: 'unknown optional transitive', ctx: AS4, attr: { type: 'unknown', flags: 0xc0, code: 99, value: Uint8Array.of(1, 2, 3) }, hex: 'c06303010203' },
  { name: 'unknown optional non-transitive', ctx: AS4, attr: { type: 'unknown', flags: 0x80, code: 200, value: Uint8Array.of(0xab, 0xcd) }, hex: '80c802abcd' },
  { name: 'unknown optional transitive, Partial', ctx: AS4, attr: { type: 'unknown', flags: 0xe0, code: 99, value: new Uint8Array(0) }, hex: 'e06300' },
];

describe('path attribute fixtures', () => {
  it('cover every attribute type the codec knows', () => {
    const types = new Set(fixtures.map((f) => f.attr.type));
    expect([...types].sort()).toEqual([
      'aggregator', 'as-path', 'as4-aggregator', 'as4-path', 'atomic-aggregate', 'cluster-list', 'communities',
      'extended-communities', 'large-communities', 'local-pref', 'med', 'mp-reach', 'mp-unreach', 'next-hop',
      'origin', 'originator-id', 'otc', 'unknown',
    ]);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: encodes to the RFC octets', (_name, f) => {
    const bytes = encodeMessage(buildUpdate({ attributes: [f.attr] }, f.ctx), f.ctx);
    expect(toHex(bytes)).toBe(updateHex(f.hex));
    // The attribute field alone (after header, withdrawn length and attribute length) is the fixture.
    expect(toHex(bytes.subarray(23))).toBe(f.hex);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: a whole UPDATE holding it decodes to the same value', (_name, f) => {
    // MP_REACH_NLRI announces routes: ORIGIN and AS_PATH must come with it (RFC 4760 §3).
    const mandatory = f.attr.type === 'mp-reach' ? '40010100' + '400200' : '';
    const u = decodeUpdateHex(updateHex(f.hex + mandatory), f.ctx);
    expect(u.attributes[0]).toEqual(f.attr);
    expect(u.attributes).toHaveLength(mandatory ? 3 : 1);
  });

  it.each(fixtures.filter((f) => !['origin', 'as-path', 'next-hop'].includes(f.attr.type)).map((f) => [f.name, f] as const))(
    '%s: decodes beside ORIGIN, AS_PATH, NEXT_HOP and NLRI and re-encodes byte for byte',
    (_name, f) => {
      const h = updateHex('40010100' + '400200' + '400304c0000201' + f.hex, '18c00002');
      const u = decodeUpdateHex(h, f.ctx);
      expect(u.attributes.map((a) => a.type)).toEqual(['origin', 'as-path', 'next-hop', f.attr.type]);
      expect(u.attributes[3]).toEqual(f.attr);
      expect(prefixStrings(u.nlri)).toEqual(['192.0.2.0/24']);
      expect(toHex(encodeMessage(u, f.ctx))).toBe(h);
    },
  );
});

describe('attribute values as people read them', () => {
  it('formats communities, including the well-known ones', () => {
    const f = fixtures.find((x) => x.attr.type === 'communities')!;
    const attr = f.attr as Extract<PathAttribute, { type: 'communities' }>;
    expect(attr.communities.map(formatCommunity)).toEqual([
      '65000:100', '65535:65281', '65535:65282', '65535:65283', '65535:65284', '65535:0', '65535:666',
    ]);
  });

  it('formats large communities', () => {
    expect(formatLargeCommunity({ global: 4200000001, local1: 1, local2: 2 })).toBe('4200000001:1:2');
  });

  it('formats MP_REACH next hops: global only, global + link-local, IPv6 for IPv4 NLRI', () => {
    expect(formatNextHops(fromHex(V6_NH))).toEqual(['2001:db8::1']);
    expect(formatNextHops(fromHex(V6_NH + V6_LL))).toEqual(['2001:db8::1', 'fe80::1']);
    expect(formatNextHops(fromHex('c0000201'))).toEqual(['192.0.2.1']);
  });

  it('reads the NLRI of an RFC 8950 MP_REACH_NLRI as IPv4 prefixes', () => {
    const f = fixtures.find((x) => x.name.includes('RFC 8950'))!;
    const u = decodeUpdateHex(updateHex(f.hex + '40010100400200'), AS4);
    const reach = findAttribute(u, 'mp-reach')!;
    expect(reach.nlri.family?.name).toBe('ipv4-unicast');
    expect(prefixStrings(reach.nlri)).toEqual(['10.1.0.0/16', '192.0.2.128/25']);
    expect(formatNextHops(reach.nextHop)).toEqual(['2001:db8::1']);
  });

  it('buildUpdate puts an RFC 8950 MP_REACH_NLRI first, as the fixture has it', () => {
    const u = buildUpdate({
      mpReach: { family: 'ipv4-unicast', nextHops: ['2001:db8::1'], nlri: ['10.1.0.0/16', '192.0.2.128/25'] },
      attributes: [{ type: 'origin', origin: 'igp' }, { type: 'as-path', segments: [] }],
    }, AS4);
    const f = fixtures.find((x) => x.name.includes('RFC 8950'))!;
    expect(toHex(encodeMessage(u, AS4))).toBe(updateHex(f.hex + '40010100' + '400200'));
  });

  it('buildUpdate makes an IPv6 MP_REACH_NLRI with global + link-local next hops', () => {
    const u = buildUpdate({ mpReach: { family: 'ipv6-unicast', nextHops: ['2001:db8::1', 'fe80::1'], nlri: ['2001:db8:2::/48'] } }, AS4);
    expect(toHex(encodeMessage(u, AS4))).toBe(updateHex('800e2c' + '0002' + '01' + '20' + V6_NH + V6_LL + '00' + '30' + '20010db80002'));
  });

  it('describes each extended community by its RFC meaning', () => {
    const f = fixtures.find((x) => x.attr.type === 'extended-communities')!;
    const u = decodeUpdateHex(updateHex(f.hex), AS4);
    const ext = findAttribute(u, 'extended-communities')!;
    expect(ext.communities.map(describeExtendedCommunity)).toEqual([
      { type: 0x00, subtype: 0x02, hex: '0002fde800000064', transitive: true, kind: 'route-target', asn: 65000, value: 100 },
      { type: 0x02, subtype: 0x02, hex: '0202fa56ea010064', transitive: true, kind: 'route-target', asn: 4200000001, value: 100 },
      { type: 0x01, subtype: 0x02, hex: '0102c00002010007', transitive: true, kind: 'route-target', address: '192.0.2.1', value: 7 },
      { type: 0x00, subtype: 0x03, hex: '0003fde8000000c8', transitive: true, kind: 'route-origin', asn: 65000, value: 200 },
      { type: 0x03, subtype: 0x0c, hex: '030c000000000008', transitive: true, kind: 'encapsulation', tunnelType: 8, tunnelTypeName: 'vxlan' },
      { type: 0x06, subtype: 0x03, hex: '06030a1b2c3d4e5f', transitive: true, kind: 'router-mac', routerMac: '0a:1b:2c:3d:4e:5f' },
      // 1 Gbit/s = 125,000,000 octets/s as an IEEE 754 float: 0x4cee6b28.
      { type: 0x40, subtype: 0x04, hex: '4004fde84cee6b28', transitive: false, kind: 'link-bandwidth', asn: 65000, value: 0x4cee6b28, bandwidth: 125_000_000 },
      { type: 0x80, subtype: 0x06, hex: '8006000000000000', transitive: true },
    ]);
  });

  it('builds extended communities to the same octets', () => {
    expect(toHex(asSpecificCommunity('route-target', 65000, 100))).toBe('0002fde800000064');
    expect(toHex(asSpecificCommunity('route-target', 4200000001, 100))).toBe('0202fa56ea010064');
    expect(toHex(asSpecificCommunity('route-origin', 65000, 200))).toBe('0003fde8000000c8');
    expect(toHex(encapsulationCommunity(8))).toBe('030c000000000008');
    expect(toHex(routerMacCommunity('0a:1b:2c:3d:4e:5f'))).toBe('06030a1b2c3d4e5f');
    expect(() => routerMacCommunity('0a:1b:2c')).toThrow(TypeError);
  });

  it('discards AS4_PATH and AS4_AGGREGATOR received on a 4-octet session (RFC 6793 §3)', () => {
    const r = decodeMessage(fromHex(updateHex('c0110a02020000fde90000fde9' + 'c01208fa56ea09c0000209')), AS4);
    expect(r.action).toBe('attribute-discard');
    expect(r.message?.type === 'UPDATE' && r.message.attributes).toEqual([]);
    expect(r.errors.map((e) => e.attribute)).toEqual([17, 18]);
  });
});

describe('4-octet AS numbers on a 2-octet session (RFC 6793 §4.2.2)', () => {
  it('AS_PATH carries AS_TRANS in place of each AS number that needs 4 octets', () => {
    const u = buildUpdate({ attributes: [{ type: 'as-path', segments: [{ type: 'sequence', asns: [65001, 4200000001] }, { type: 'set', asns: [4200000002, 65002] }] }] }, AS2);
    expect(toHex(encodeMessage(u, AS2).subarray(23))).toBe('40020c' + '0202' + 'fde9' + '5ba0' + '0102' + '5ba0' + 'fdea');
  });

  it('AGGREGATOR carries AS_TRANS for an AS that needs 4 octets', () => {
    const u = buildUpdate({ attributes: [{ type: 'aggregator', asn: 4200000009, address: '192.0.2.9' }] }, AS2);
    expect(toHex(encodeMessage(u, AS2).subarray(23))).toBe('c00706' + '5ba0' + 'c0000209');
  });

  it('AS4_PATH and AS4_AGGREGATOR keep the 4-octet numbers', () => {
    const u = buildUpdate({ attributes: [
      { type: 'as4-path', segments: [{ type: 'sequence', asns: [65001, 4200000001] }] },
      { type: 'as4-aggregator', asn: 4200000009, address: '192.0.2.9' },
    ] }, AS2);
    expect(toHex(encodeMessage(u, AS2).subarray(23))).toBe('c0110a' + '0202' + '0000fde9' + 'fa56ea01' + 'c01208' + 'fa56ea09' + 'c0000209');
  });
});

describe('extended length', () => {
  it('is set on an attribute longer than 255 octets', () => {
    const values = Array.from({ length: 70 }, (_, i) => ((65000 << 16) | i) >>> 0);
    const attr = attribute({ type: 'communities', communities: values });
    const expected = 'd008' + '0118' + values.map((v) => v.toString(16).padStart(8, '0')).join('');
    const bytes = encodeMessage(buildUpdate({ attributes: [attr] }, AS4), AS4);
    expect(toHex(bytes.subarray(23))).toBe(expected);
    const u = decodeUpdateHex(updateHex(expected), AS4);
    expect(u.attributes).toEqual([{ ...attr, flags: 0xd0 }]);
    expect(toHex(encodeMessage(u, AS4))).toBe(toHex(bytes));
  });

  it('is set on a 4-octet AS_PATH of 100 AS numbers (402 octets)', () => {
    const asns = Array.from({ length: 100 }, (_, i) => 4200000000 + i);
    const bytes = encodeMessage(buildUpdate({ attributes: [{ type: 'as-path', segments: [{ type: 'sequence', asns }] }] }, AS4), AS4);
    expect(toHex(bytes.subarray(23, 29))).toBe('5002' + '0192' + '0264');
    const u = decodeUpdateHex(toHex(bytes), AS4);
    expect(findAttribute(u, 'as-path')?.segments).toEqual([{ type: 'sequence', asns }]);
  });

  it('stays on a short attribute that arrived with it', () => {
    const h = updateHex('50010001' + '00' + '9004000400000064' + 'd0080004fde80064');
    const u = decodeUpdateHex(h, AS4);
    expect(u.attributes).toEqual([
      { type: 'origin', flags: 0x50, origin: 'igp' },
      { type: 'med', flags: 0x90, med: 100 },
      { type: 'communities', flags: 0xd0, communities: [65000 * 65536 + 100] },
    ]);
    expect(toHex(encodeMessage(u, AS4))).toBe(h);
  });
});

describe('attributesForPropagation (RFC 4271 §5)', () => {
  it('drops unknown optional non-transitive attributes and sets Partial on unknown optional transitive ones', () => {
    const input: PathAttribute[] = [
      attribute({ type: 'origin', origin: 'igp' }),
      { type: 'unknown', flags: 0x80, code: 200, value: Uint8Array.of(0xab) },
      attribute({ type: 'med', med: 5 }),
      { type: 'unknown', flags: 0xc0, code: 99, value: Uint8Array.of(1, 2, 3) },
      { type: 'unknown', flags: 0xd0, code: 98, value: Uint8Array.of(4) },
    ];
    const snapshot = input.map((a) => ({ ...a }));
    const out = attributesForPropagation(input);
    expect(out).toEqual([
      { type: 'origin', flags: 0x40, origin: 'igp' },
      { type: 'med', flags: 0x80, med: 5 },
      { type: 'unknown', flags: 0xe0, code: 99, value: Uint8Array.of(1, 2, 3) },
      { type: 'unknown', flags: 0xf0, code: 98, value: Uint8Array.of(4) },
    ]);
    expect(input).toEqual(snapshot);
    const bytes = encodeMessage(buildUpdate({ attributes: out }, AS4), AS4);
    expect(toHex(bytes.subarray(23))).toBe('40010100' + '80040400000005' + 'e06303010203' + 'f062000104');
  });
});

describe('add-path NLRI (RFC 7911)', () => {
  const ctx = makeContext({ addPath: new Set(['ipv4-unicast', 'ipv6-unicast'] as const) });
  const attrs = '800e20' + '0002' + '01' + '10' + V6_NH + '00' + '00000005' + '30' + '20010db80001'
    + '40010100' + '400200' + '400304c0000201';
  const h = updateHex(attrs, '00000001' + '18c00002' + '00000002' + '18c00002' + 'ffffffff' + '20c6336401', '00000007' + '080a');

  it('encodes IPv4 and IPv6 prefixes with their path identifiers', () => {
    const u: UpdateMessage = {
      type: 'UPDATE',
      withdrawn: buildNlri('ipv4-unicast', [parsePrefix('10.0.0.0/8', 7)], true),
      attributes: [
        attribute({ type: 'mp-reach', afi: 2, safi: 1, nextHop: parseAddress('2001:db8::1'), reserved: 0, nlri: buildNlri('ipv6-unicast', [parsePrefix('2001:db8:1::/48', 5)], true) }),
        attribute({ type: 'origin', origin: 'igp' }),
        attribute({ type: 'as-path', segments: [] }),
        attribute({ type: 'next-hop', nextHop: '192.0.2.1' }),
      ],
      nlri: buildNlri('ipv4-unicast', [parsePrefix('192.0.2.0/24', 1), parsePrefix('192.0.2.0/24', 2), parsePrefix('198.51.100.1/32', 0xffffffff)], true),
    };
    expect(toHex(encodeMessage(u, ctx))).toBe(h);
  });

  it('decodes them back with the path identifiers', () => {
    const u = decodeUpdateHex(h, ctx);
    const ids = (list: UpdateMessage['nlri']) => prefixesOf(list).map((p) => [p.family, p.length, p.pathId]);
    expect(ids(u.withdrawn)).toEqual([['ipv4-unicast', 8, 7]]);
    expect(prefixStrings(u.withdrawn)).toEqual(['10.0.0.0/8']);
    expect(ids(u.nlri)).toEqual([['ipv4-unicast', 24, 1], ['ipv4-unicast', 24, 2], ['ipv4-unicast', 32, 0xffffffff]]);
    expect(prefixStrings(u.nlri)).toEqual(['192.0.2.0/24', '192.0.2.0/24', '198.51.100.1/32']);
    const seen: [number, number, number][] = [];
    forEachIPv4(u.nlri, (a, l, id) => seen.push([a, l, id]));
    expect(seen).toEqual([[0xc0000200, 24, 1], [0xc0000200, 24, 2], [0xc6336401, 32, 0xffffffff]]);
    const reach = findAttribute(u, 'mp-reach')!;
    expect(ids(reach.nlri)).toEqual([['ipv6-unicast', 48, 5]]);
    expect(prefixStrings(reach.nlri)).toEqual(['2001:db8:1::/48']);
    expect(toHex(encodeMessage(u, ctx))).toBe(h);
  });

  it('refuses to encode path identifiers on a session without add-path', () => {
    const u = decodeUpdateHex(h, ctx);
    expect(() => encodeMessage(u, AS4)).toThrow(RangeError);
  });

  it('the same octets do not parse without add-path', () => {
    const r = decodeMessage(fromHex(h), AS4);
    expect(r.action).toBe('session-reset');
    expect(r.errors[0]).toMatchObject({ code: 3, subcode: 10 });
  });
});

describe('End-of-RIB (RFC 4724 §2)', () => {
  it('IPv4 unicast: the 23-octet empty UPDATE', () => {
    const h = MARKER + '0017' + '02' + '0000' + '0000';
    const built = encodeMessage(endOfRibMessage(1, 1, AS4), AS4);
    expect(built.length).toBe(23);
    expect(toHex(built)).toBe(h);
    expect(endOfRib(decodeUpdateHex(h, AS4))).toEqual({ afi: 1, safi: 1 });
  });

  it('IPv6 unicast: an UPDATE holding only an empty MP_UNREACH_NLRI', () => {
    const h = MARKER + '001d' + '02' + '0000' + '0006' + '800f03' + '0002' + '01';
    expect(toHex(encodeMessage(endOfRibMessage(2, 1, AS4), AS4))).toBe(h);
    expect(endOfRib(decodeUpdateHex(h, AS4))).toEqual({ afi: 2, safi: 1 });
  });

  it('is built the same way with add-path on', () => {
    const ctx = makeContext({ addPath: new Set(['ipv4-unicast', 'ipv6-unicast'] as const) });
    expect(toHex(encodeMessage(endOfRibMessage(1, 1, ctx), ctx))).toBe(MARKER + '0017020000' + '0000');
    expect(toHex(encodeMessage(endOfRibMessage(2, 1, ctx), ctx))).toBe(MARKER + '001d020000' + '0006800f03000201');
  });

  it('is not an UPDATE that withdraws or carries anything else', () => {
    expect(endOfRib(decodeUpdateHex(updateHex('', '', '080a'), AS4))).toBeUndefined();
    expect(endOfRib(decodeUpdateHex(updateHex('800f03' + '0002' + '01' + '40010100'), AS4))).toBeUndefined();
    expect(endOfRib(decodeUpdateHex(updateHex('800f05' + '0002' + '01' + '0820'), AS4))).toBeUndefined();
    expect(endOfRib(decodeUpdateHex(updateHex('40010100'), AS4))).toBeUndefined();
  });

  it('bgpctl decode does not call an UPDATE whose attributes were all discarded an End-of-RIB', () => {
    // Only AS4_PATH, discarded on a 4-octet session: nothing is left once decoded, but the message was not empty.
    const v4 = fromHex(updateHex('c0110a' + '0202' + 'fa56ea01' + '0000fde9'));
    const r4 = decodeMessage(v4, AS4);
    expect(r4.action).toBe('attribute-discard');
    expect(renderDecoded(r4, v4.length, AS4)).toMatchObject({ type: 'UPDATE', attributes: {} });
    expect(renderDecoded(r4, v4.length, AS4).endOfRib).toBeUndefined();
    // An empty MP_UNREACH_NLRI beside a discarded attribute is not "only MP_UNREACH_NLRI".
    const v6 = fromHex(updateHex('800f03' + '0002' + '01' + 'c01208' + 'fa56ea09' + 'c0000209'));
    const r6 = decodeMessage(v6, AS4);
    expect(r6.action).toBe('attribute-discard');
    expect(renderDecoded(r6, v6.length, AS4).endOfRib).toBeUndefined();
    // The real markers still are.
    const eor = encodeMessage(endOfRibMessage(2, 1, AS4), AS4);
    expect(renderDecoded(decodeMessage(eor, AS4), eor.length, AS4).endOfRib).toEqual({ afi: 2, safi: 1 });
  });
});

describe('mergeAs4Path (RFC 6793 §4.2.3)', () => {
  const seq = (...asns: number[]): AsPathSegment => ({ type: 'sequence', asns });
  const set = (...asns: number[]): AsPathSegment => ({ type: 'set', asns });
  const cseq = (...asns: number[]): AsPathSegment => ({ type: 'confed-sequence', asns });
  const cset = (...asns: number[]): AsPathSegment => ({ type: 'confed-set', asns });

  it('keeps AS_PATH when it has fewer AS numbers than AS4_PATH', () => {
    expect(mergeAs4Path([seq(AS_TRANS, 65001)], [seq(4200000001, 4200000002, 65001)])).toEqual([seq(AS_TRANS, 65001)]);
  });

  it('takes AS4_PATH when both have as many AS numbers', () => {
    expect(mergeAs4Path([seq(AS_TRANS, 65001)], [seq(4200000001, 65001)])).toEqual([seq(4200000001, 65001)]);
  });

  it('takes the leading AS numbers from a longer AS_PATH', () => {
    expect(mergeAs4Path([seq(65010, 65011, AS_TRANS, 65001)], [seq(4200000001, 65001)]))
      .toEqual([seq(65010, 65011, 4200000001, 65001)]);
  });

  it('takes the leading AS numbers from across AS_PATH segments', () => {
    expect(mergeAs4Path([seq(65010), seq(65011, AS_TRANS), seq(65001)], [seq(4200000001, 65001)]))
      .toEqual([seq(65010, 65011, 4200000001, 65001)]);
  });

  it('counts an AS_SET as one AS number', () => {
    // AS_PATH: 1 + 1 (the set) = 2 = AS4_PATH's 2 → AS4_PATH whole.
    expect(mergeAs4Path([seq(AS_TRANS), set(65020, 65021, 65022)], [seq(4200000001), set(65020, 65021, 65022)]))
      .toEqual([seq(4200000001), set(65020, 65021, 65022)]);
    // AS_PATH: 2 + 1 = 3, AS4_PATH: 1 + 1 = 2 → one AS number from the front of AS_PATH.
    expect(mergeAs4Path([seq(65010, AS_TRANS), set(65020, 65021)], [seq(4200000001), set(65020, 65021)]))
      .toEqual([seq(65010, 4200000001), set(65020, 65021)]);
    // A leading set is the one AS number needed.
    expect(mergeAs4Path([set(65020, 65021), seq(AS_TRANS, 65001)], [seq(4200000001, 65001)]))
      .toEqual([set(65020, 65021), seq(4200000001, 65001)]);
    // AS_PATH: 1 + 1 = 2 < AS4_PATH's 3 (the big set still counts one) → AS_PATH kept.
    expect(mergeAs4Path([seq(AS_TRANS), set(1, 2, 3, 4)], [seq(4200000001, 4200000002, 65001)]))
      .toEqual([seq(AS_TRANS), set(1, 2, 3, 4)]);
  });

  it('drops confederation segments of AS4_PATH', () => {
    expect(mergeAs4Path([seq(AS_TRANS, 65001)], [cseq(64512), seq(4200000001, 65001), cset(64513)]))
      .toEqual([seq(4200000001, 65001)]);
    expect(mergeAs4Path([seq(65010, AS_TRANS, 65001)], [cseq(64512, 64513), seq(4200000001, 65001)]))
      .toEqual([seq(65010, 4200000001, 65001)]);
  });

  it('keeps leading confederation segments of AS_PATH, which count zero', () => {
    expect(mergeAs4Path([cseq(64512, 64513), seq(AS_TRANS, 65001)], [seq(4200000001, 65001)]))
      .toEqual([cseq(64512, 64513), seq(4200000001, 65001)]);
  });
});

describe('bgpctl decode JSON on a 2-octet session', () => {
  const base = '40010100' + '400304c0000201';
  const as4Path = 'c0110a' + '0202' + 'fa56ea01' + '0000fde9';
  const as4Aggregator = 'c01208' + 'fa56ea09' + 'c0000209';

  it('shows the AS_PATH merged with AS4_PATH and the aggregator from AS4_AGGREGATOR', () => {
    const h = updateHex(base + '400208' + '0203' + 'fdf2' + '5ba0' + 'fde9' + 'c00706' + '5ba0' + 'c0000209' + as4Path + as4Aggregator, '18c00002');
    const bytes = fromHex(h);
    const result = decodeMessage(bytes, AS2);
    expect(result.action).toBe('none');
    const json = renderDecoded(result, bytes.length, AS2);
    expect(json).toEqual({
      type: 'UPDATE',
      length: bytes.length,
      withdrawn: [],
      nlri: ['192.0.2.0/24'],
      attributes: {
        origin: 'igp',
        nextHop: '192.0.2.1',
        asPath: [{ type: 'sequence', asns: [65010, 4200000001, 65001] }],
        aggregator: { asn: 4200000009, address: '192.0.2.9' },
        as4Path: [{ type: 'sequence', asns: [4200000001, 65001] }],
        as4Aggregator: { asn: 4200000009, address: '192.0.2.9' },
      },
    });
  });

  it('ignores AS4_PATH and AS4_AGGREGATOR when AGGREGATOR does not carry AS_TRANS (RFC 6793 §4.2.3)', () => {
    const h = updateHex(base + '400206' + '0202' + '5ba0' + 'fde9' + 'c00706' + 'fded' + 'c0000209' + as4Path + as4Aggregator, '18c00002');
    const bytes = fromHex(h);
    const json = renderDecoded(decodeMessage(bytes, AS2), bytes.length, AS2);
    expect(json.attributes).toMatchObject({
      asPath: [{ type: 'sequence', asns: [AS_TRANS, 65001] }],
      aggregator: { asn: 65005, address: '192.0.2.9' },
    });
  });

  it('shows the raw AS_PATH when there is no AS4_PATH', () => {
    const h = updateHex(base + '400206' + '0202' + 'fdf2' + 'fde9', '18c00002');
    const bytes = fromHex(h);
    const json = renderDecoded(decodeMessage(bytes, AS2), bytes.length, AS2);
    expect(json.attributes).toMatchObject({ asPath: [{ type: 'sequence', asns: [65010, 65001] }] });
  });
});
