/**
 * A decoded message as the JSON object `bgpctl decode` prints. The field names are an interface that
 * operators' scripts depend on (see README "bgpctl decode"); add fields, never rename them.
 */
import {
  AS_TRANS, describeExtendedCommunity, endOfRib, findAttribute, formatCommunity, formatLargeCommunity,
  formatNextHops, mergeAs4Path, notificationNames, openAsn, openCapabilities, prefixesOf, prefixStrings,
  formatPrefix, routeRefreshSubtype, shutdownCommunication, isUnknownCapability,
  type BgpMessage, type Capability, type CodecContext, type DecodeResult, type NlriList, type PathAttribute,
  type UpdateMessage, type AsPathSegment,
} from '../bgp/wire/index.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function nlriJson(list: NlriList): Json[] {
  if (!list.family) return [];
  if (!list.addPath) return prefixStrings(list);
  const family = list.family;
  return prefixesOf(list).map((p) => ({ prefix: formatPrefix(family, p.address, p.length), pathId: p.pathId ?? 0 }));
}

function capabilityJson(c: Capability): Json {
  if (isUnknownCapability(c)) {
    const out: { [k: string]: Json } = { code: c.code, name: c.name, hex: hex(c.value) };
    if (c.malformed) out.malformed = c.malformed;
    return out;
  }
  return JSON.parse(JSON.stringify(c)) as Json;
}

function segmentsJson(segments: readonly AsPathSegment[]): Json {
  return segments.map((s) => ({ type: s.type, asns: [...s.asns] }));
}

function attributeEntries(a: PathAttribute): [string, Json] {
  switch (a.type) {
    case 'origin': return ['origin', a.origin];
    case 'as-path': return ['asPath', segmentsJson(a.segments)];
    case 'next-hop': return ['nextHop', a.nextHop];
    case 'med': return ['med', a.med];
    case 'local-pref': return ['localPref', a.localPref];
    case 'atomic-aggregate': return ['atomicAggregate', true];
    case 'aggregator': return ['aggregator', { asn: a.asn, address: a.address }];
    case 'communities': return ['communities', a.communities.map(formatCommunity)];
    case 'originator-id': return ['originatorId', a.originatorId];
    case 'cluster-list': return ['clusterList', [...a.clusterList]];
    case 'mp-reach': return ['mpReach', { afi: a.afi, safi: a.safi, nextHops: formatNextHops(a.nextHop), nlri: nlriJson(a.nlri), ...(a.nlri.family ? {} : { nlriHex: hex(a.nlri.data) }) }];
    case 'mp-unreach': return ['mpUnreach', { afi: a.afi, safi: a.safi, withdrawn: nlriJson(a.withdrawn), ...(a.withdrawn.family ? {} : { withdrawnHex: hex(a.withdrawn.data) }) }];
    case 'extended-communities': return ['extendedCommunities', a.communities.map((c) => JSON.parse(JSON.stringify(describeExtendedCommunity(c))) as Json)];
    case 'as4-path': return ['as4Path', segmentsJson(a.segments)];
    case 'as4-aggregator': return ['as4Aggregator', { asn: a.asn, address: a.address }];
    case 'large-communities': return ['largeCommunities', a.communities.map(formatLargeCommunity)];
    case 'otc': return ['otc', a.asn];
    case 'unknown': return ['unknown', [{ code: a.code, flags: a.flags, hex: hex(a.value) }]];
  }
}

function updateJson(u: UpdateMessage, ctx: CodecContext, clean: boolean): { [k: string]: Json } {
  const attributes: { [k: string]: Json } = {};
  for (const a of u.attributes) {
    const [key, value] = attributeEntries(a);
    const prev = attributes[key];
    attributes[key] = key === 'unknown' && Array.isArray(prev) ? [...prev, ...(value as Json[])] : value;
  }
  // RFC 6793 §4.2.3: on a 2-octet session the real path and aggregator come from AS4_PATH / AS4_AGGREGATOR.
  if (!ctx.as4) {
    const path = findAttribute(u, 'as-path');
    const as4Path = findAttribute(u, 'as4-path');
    const agg = findAttribute(u, 'aggregator');
    const as4Agg = findAttribute(u, 'as4-aggregator');
    const aggregatorUsesAs4 = !agg || agg.asn === AS_TRANS;
    if (as4Agg && agg && agg.asn === AS_TRANS) attributes.aggregator = { asn: as4Agg.asn, address: as4Agg.address };
    if (path && as4Path && aggregatorUsesAs4) attributes.asPath = segmentsJson(mergeAs4Path(path.segments, as4Path.segments));
  }
  const out: { [k: string]: Json } = { withdrawn: nlriJson(u.withdrawn), nlri: nlriJson(u.nlri), attributes };
  // An UPDATE whose attributes were all dropped as malformed looks empty once decoded, but was not the
  // minimum-length (or MP_UNREACH_NLRI-only) End-of-RIB marker of RFC 4724 §2: only a clean decode can be one.
  const eor = clean ? endOfRib(u) : undefined;
  if (eor) out.endOfRib = eor as unknown as Json;
  return out;
}

function messageFields(m: BgpMessage, ctx: CodecContext, clean: boolean): { [k: string]: Json } {
  switch (m.type) {
    case 'OPEN':
      return {
        version: m.version, asn: openAsn(m), myAs: m.myAs, holdTime: m.holdTime, routerId: m.routerId,
        capabilities: openCapabilities(m).map(capabilityJson),
        ...(m.extendedParameters ? { extendedParameters: true } : {}),
      };
    case 'UPDATE':
      return updateJson(m, ctx, clean);
    case 'NOTIFICATION': {
      const msg = shutdownCommunication(m);
      return { code: m.code, subcode: m.subcode, ...notificationNames(m), data: hex(m.data), ...(msg !== undefined ? { shutdownMessage: msg } : {}) };
    }
    case 'KEEPALIVE':
      return {};
    case 'ROUTE-REFRESH':
      return { afi: m.afi, safi: m.safi, subtype: m.subtype, subtypeName: routeRefreshSubtype(m), ...(m.orf.length ? { orfHex: hex(m.orf) } : {}) };
  }
}

/** The JSON object for one decoded message of `length` octets. */
export function renderDecoded(result: DecodeResult, length: number, ctx: CodecContext): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  if (result.message) {
    out.type = result.message.type;
    out.length = length;
    Object.assign(out, messageFields(result.message, ctx, result.errors.length === 0));
  } else {
    out.type = null;
    out.length = length;
  }
  if (result.errors.length > 0) {
    out.errors = result.errors.map((e) => ({ action: e.action, code: e.code, subcode: e.subcode, reason: e.reason, ...(e.data.length ? { data: hex(e.data) } : {}) }));
  }
  return out;
}
