/**
 * The fixed-format path attributes: ORIGIN, NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF, ATOMIC_AGGREGATE,
 * AGGREGATOR and AS4_AGGREGATOR, ORIGINATOR_ID, CLUSTER_LIST, OTC.
 *
 * RFC 4271 §4.3 / §5.1 for formats; RFC 7606 §7 for the approach per attribute (treat-as-withdraw for
 * ORIGIN, NEXT_HOP, MED, LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST; attribute discard for ATOMIC_AGGREGATE and
 * AGGREGATOR); RFC 6793 §6 (AS4_AGGREGATOR discard); RFC 7607 (AS 0 in AGGREGATOR makes it malformed);
 * RFC 4456 §8 (ORIGINATOR_ID, CLUSTER_LIST); RFC 9234 §5 (OTC).
 */
import { formatIPv4, parseIPv4 } from '../address.js';
import { AS_TRANS, AttrType, UpdateSubcode } from '../constants.js';
import { readU16, readU32 } from '../reader.js';
import type { Writer } from '../writer.js';
import { expectLength, expectMultiple, MalformedAttribute, type AttributeDescriptor } from './descriptor.js';
import { ORIGINS, type AggregatorAttr, type As4AggregatorAttr, type AtomicAggregateAttr, type ClusterListAttr, type LocalPrefAttr, type MedAttr, type NextHopAttr, type OriginAttr, type OriginatorIdAttr, type OtcAttr } from './types.js';

/** The last address written and its octets: the sets of one table mostly share a next hop. */
let lastAddress = '';
let lastOctets: Uint8Array = new Uint8Array(4);

function writeIPv4(w: Writer, address: string): void {
  if (address !== lastAddress) {
    lastOctets = parseIPv4(address);
    lastAddress = address;
  }
  w.bytes(lastOctets);
}

export const origin: AttributeDescriptor<OriginAttr> = {
  code: AttrType.ORIGIN, name: 'ORIGIN', type: 'origin', optional: false, transitive: true,
  malformed: 'treat-as-withdraw', subcode: UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE,
  decode(value, flags) {
    expectLength(value, 1);
    const o = ORIGINS[value[0]!];
    if (o === undefined) throw new MalformedAttribute(`undefined ORIGIN value ${value[0]}`);
    return { type: 'origin', flags, origin: o };
  },
  encode(a, w) {
    w.u8(ORIGINS.indexOf(a.origin));
  },
};

/** RFC 4271 §6.3: a NEXT_HOP must be a valid host address; these never are. */
function invalidNextHop(b: Uint8Array): string | undefined {
  const first = b[0]!;
  if (first === 0) return '0.0.0.0/8 is not a host address';
  if (first >= 224 && first < 240) return 'a multicast address is not a valid NEXT_HOP';
  if (first === 255 && b[1] === 255 && b[2] === 255 && b[3] === 255) return 'the broadcast address is not a valid NEXT_HOP';
  return undefined;
}

export const nextHop: AttributeDescriptor<NextHopAttr> = {
  code: AttrType.NEXT_HOP, name: 'NEXT_HOP', type: 'next-hop', optional: false, transitive: true,
  malformed: 'treat-as-withdraw', subcode: UpdateSubcode.INVALID_NEXT_HOP_ATTRIBUTE,
  decode(value, flags) {
    expectLength(value, 4);
    const bad = invalidNextHop(value);
    if (bad) throw new MalformedAttribute(`NEXT_HOP ${formatIPv4(value)}: ${bad}`);
    return { type: 'next-hop', flags, nextHop: formatIPv4(value) };
  },
  encode(a, w) {
    writeIPv4(w, a.nextHop);
  },
};

export const med: AttributeDescriptor<MedAttr> = {
  code: AttrType.MULTI_EXIT_DISC, name: 'MULTI_EXIT_DISC', type: 'med', optional: true, transitive: false,
  malformed: 'treat-as-withdraw', subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  decode(value, flags) {
    expectLength(value, 4);
    return { type: 'med', flags, med: readU32(value, 0) };
  },
  encode(a, w) {
    w.u32(a.med);
  },
};

export const localPref: AttributeDescriptor<LocalPrefAttr> = {
  code: AttrType.LOCAL_PREF, name: 'LOCAL_PREF', type: 'local-pref', optional: false, transitive: true,
  malformed: 'treat-as-withdraw', subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  // RFC 7606 §7.5: from an external neighbour LOCAL_PREF is discarded, whatever its length.
  ignoreIn: (ctx) => (ctx.ebgp === true ? 'LOCAL_PREF received from an external peer' : undefined),
  decode(value, flags) {
    expectLength(value, 4);
    return { type: 'local-pref', flags, localPref: readU32(value, 0) };
  },
  encode(a, w) {
    w.u32(a.localPref);
  },
};

export const atomicAggregate: AttributeDescriptor<AtomicAggregateAttr> = {
  code: AttrType.ATOMIC_AGGREGATE, name: 'ATOMIC_AGGREGATE', type: 'atomic-aggregate', optional: false, transitive: true,
  malformed: 'attribute-discard', subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  decode(value, flags) {
    expectLength(value, 0);
    return { type: 'atomic-aggregate', flags };
  },
  encode() {},
};

function decodeAggregatorFields(value: Uint8Array, asnBytes: 2 | 4): { asn: number; address: string } {
  expectLength(value, asnBytes + 4);
  const asn = asnBytes === 4 ? readU32(value, 0) : readU16(value, 0);
  // RFC 7607 §2: AS 0 in AGGREGATOR / AS4_AGGREGATOR makes the attribute malformed.
  if (asn === 0) throw new MalformedAttribute('aggregator AS 0 (RFC 7607)', UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR);
  return { asn, address: formatIPv4(value, asnBytes) };
}

export const aggregator: AttributeDescriptor<AggregatorAttr> = {
  code: AttrType.AGGREGATOR, name: 'AGGREGATOR', type: 'aggregator', optional: true, transitive: true,
  malformed: 'attribute-discard', subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  decode(value, flags, ctx) {
    return { type: 'aggregator', flags, ...decodeAggregatorFields(value, ctx.as4 ? 4 : 2) };
  },
  encode(a, w, ctx) {
    if (ctx.as4) w.u32(a.asn);
    else w.u16(a.asn > 0xffff ? AS_TRANS : a.asn); // RFC 6793 §4.2.2
    writeIPv4(w, a.address);
  },
};

export const as4Aggregator: AttributeDescriptor<As4AggregatorAttr> = {
  code: AttrType.AS4_AGGREGATOR, name: 'AS4_AGGREGATOR', type: 'as4-aggregator', optional: true, transitive: true,
  malformed: 'attribute-discard', subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  // RFC 6793 §3: a NEW speaker never sends AS4_AGGREGATOR to a NEW speaker; one received anyway is discarded.
  ignoreIn: (ctx) => (ctx.as4 ? 'AS4_AGGREGATOR on a 4-octet AS session' : undefined),
  decode(value, flags) {
    return { type: 'as4-aggregator', flags, ...decodeAggregatorFields(value, 4) };
  },
  encode(a, w) {
    w.u32(a.asn);
    writeIPv4(w, a.address);
  },
};

export const originatorId: AttributeDescriptor<OriginatorIdAttr> = {
  code: AttrType.ORIGINATOR_ID, name: 'ORIGINATOR_ID', type: 'originator-id', optional: true, transitive: false,
  malformed: 'treat-as-withdraw', subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  decode(value, flags) {
    expectLength(value, 4);
    return { type: 'originator-id', flags, originatorId: formatIPv4(value) };
  },
  encode(a, w) {
    writeIPv4(w, a.originatorId);
  },
};

export const clusterList: AttributeDescriptor<ClusterListAttr> = {
  code: AttrType.CLUSTER_LIST, name: 'CLUSTER_LIST', type: 'cluster-list', optional: true, transitive: false,
  malformed: 'treat-as-withdraw', subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  decode(value, flags) {
    expectMultiple(value, 4);
    const ids = new Array<string>(value.length / 4); // at its length, as communities.ts says why
    for (let i = 0; i < ids.length; i++) ids[i] = formatIPv4(value, i * 4);
    return { type: 'cluster-list', flags, clusterList: ids };
  },
  encode(a, w) {
    for (const id of a.clusterList) writeIPv4(w, id);
  },
};

export const otc: AttributeDescriptor<OtcAttr> = {
  code: AttrType.OTC, name: 'OTC', type: 'otc', optional: true, transitive: true,
  malformed: 'treat-as-withdraw', subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  decode(value, flags) {
    expectLength(value, 4);
    return { type: 'otc', flags, asn: readU32(value, 0) };
  },
  encode(a, w) {
    w.u32(a.asn);
  },
};
