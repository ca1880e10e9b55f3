/**
 * Path attributes between the wire and the RIB: decoded attributes become one interned RIB set (with the
 * RFC 6793 §4.2.3 merge on 2-octet sessions), and a RIB set becomes wire attributes for a given session
 * (AS_TRANS + AS4_PATH toward 2-octet peers, RFC 6793 §4.2.2; unknown transitive attributes with the Partial
 * bit, RFC 4271 §5).
 */
import type { AttributeStore } from '../rib/attribute-store.js';
import { NONE } from '../rib/attribute-set.js';
import type { Family } from '../common/prefix-key.js';
import type { Origin, PathAttributes } from '../rib/types.js';
import {
  AS_TRANS, defaultFlags, findAttribute, formatNextHops, mergeAs4Path, parseAddress, type CodecContext,
  type AttributeOf, type PathAttribute, type UpdateMessage,
} from '../bgp/wire/index.js';

const ORIGIN_CODES = { igp: 0, egp: 1, incomplete: 2 } as const;
const ORIGIN_NAMES = ['igp', 'egp', 'incomplete'] as const;

/**
 * The RIB attribute set of an UPDATE for one list of its NLRI. `reach` is the MP_REACH_NLRI the list came in,
 * undefined for the IPv4 NLRI field. RFC 4760 §2, §3: the next hop of MP_REACH_NLRI belongs to the NLRI inside
 * it; the NLRI field keeps NEXT_HOP even when the same UPDATE carries MP_REACH_NLRI (IPv6, or IPv4 over an
 * IPv6 next hop, RFC 8950). Called once per list, never per prefix.
 */
export function ribAttributes(u: UpdateMessage, family: Family, reach: AttributeOf<'mp-reach'> | undefined, ctx: CodecContext, store: AttributeStore): PathAttributes {
  const hops = reach ? formatNextHops(reach.nextHop) : family === 'ipv4-unicast' ? [findAttribute(u, 'next-hop')?.nextHop ?? '0.0.0.0'] : ['::'];
  const path = nonEmpty(findAttribute(u, 'as-path')?.segments);
  const as4Path = findAttribute(u, 'as4-path');
  const agg = findAttribute(u, 'aggregator');
  const as4Agg = findAttribute(u, 'as4-aggregator');
  const useAs4 = !ctx.as4 && (!agg || agg.asn === AS_TRANS);
  const asPath = useAs4 && as4Path ? mergeAs4Path(path, as4Path.segments) : path;
  const aggregator = useAs4 && as4Agg ? { asn: as4Agg.asn, address: as4Agg.address } : agg ? { asn: agg.asn, address: agg.address } : undefined;
  const med = findAttribute(u, 'med')?.med;
  const localPref = findAttribute(u, 'local-pref')?.localPref;
  const originatorId = findAttribute(u, 'originator-id')?.originatorId;
  const otc = findAttribute(u, 'otc')?.asn;
  // Every field written, absent ones undefined, in attribute-set.ts's order: one object shape for all sets.
  const attrs: PathAttributes = {
    origin: ORIGIN_CODES[findAttribute(u, 'origin')?.origin ?? 'incomplete'] as Origin,
    asPath,
    nextHop: hops[0]!,
    nextHopLinkLocal: hops[1] || undefined,
    med,
    localPref,
    atomicAggregate: findAttribute(u, 'atomic-aggregate') !== undefined,
    aggregator,
    communities: nonEmpty(findAttribute(u, 'communities')?.communities),
    largeCommunities: nonEmpty(findAttribute(u, 'large-communities')?.communities),
    extendedCommunities: nonEmpty(findAttribute(u, 'extended-communities')?.communities),
    originatorId: originatorId || undefined,
    clusterList: nonEmpty(findAttribute(u, 'cluster-list')?.clusterList),
    otc,
    unknown: unknownTransitive(u.attributes),
  };
  return store.internContent(attrs);
}

/** A decoded list, or the shared empty one (attribute-set.ts says why) when it is absent or empty. */
function nonEmpty<T>(list: readonly T[] | undefined): readonly T[] {
  return list !== undefined && list.length > 0 ? list : NONE;
}

/** The unknown optional transitive attributes, which go on to other peers (RFC 4271 §5). */
function unknownTransitive(attributes: readonly PathAttribute[]): PathAttributes['unknown'] {
  let out: { code: number; flags: number; value: Uint8Array }[] | undefined;
  for (const a of attributes) {
    if (a.type === 'unknown' && (a.flags & 0x40) !== 0) (out ??= []).push({ code: a.code, flags: a.flags, value: a.value });
  }
  return out ?? NONE;
}

function needsAs4(attrs: PathAttributes): boolean {
  return attrs.asPath.some((s) => s.asns.some((a) => a > 0xffff)) || (attrs.aggregator?.asn ?? 0) > 0xffff;
}

/** Each attribute type's usual flags, looked up once. */
const FLAGS = {
  origin: defaultFlags('origin'), asPath: defaultFlags('as-path'), nextHop: defaultFlags('next-hop'), med: defaultFlags('med'),
  localPref: defaultFlags('local-pref'), atomicAggregate: defaultFlags('atomic-aggregate'), aggregator: defaultFlags('aggregator'),
  communities: defaultFlags('communities'), originatorId: defaultFlags('originator-id'), clusterList: defaultFlags('cluster-list'),
  extendedCommunities: defaultFlags('extended-communities'), as4Path: defaultFlags('as4-path'), as4Aggregator: defaultFlags('as4-aggregator'),
  largeCommunities: defaultFlags('large-communities'), otc: defaultFlags('otc'),
} as const;

/**
 * Wire attributes for a RIB set on a session (MP_REACH_NLRI excluded: the packer writes it). Once per
 * exported set and update group; the objects are written out field by field, in the decoder's order
 * (type, flags, value), not spread from a spec: spreading objects of a dozen shapes was most of the cost of
 * encoding a set (about 15 µs of it).
 */
export function wireAttributes(a: PathAttributes, family: Family, ctx: CodecContext): PathAttribute[] {
  const out: PathAttribute[] = [
    { type: 'origin', flags: FLAGS.origin, origin: ORIGIN_NAMES[a.origin] },
    { type: 'as-path', flags: FLAGS.asPath, segments: a.asPath },
  ];
  if (family === 'ipv4-unicast' && !a.nextHop.includes(':')) out.push({ type: 'next-hop', flags: FLAGS.nextHop, nextHop: a.nextHop });
  if (a.med !== undefined) out.push({ type: 'med', flags: FLAGS.med, med: a.med });
  if (a.localPref !== undefined && ctx.ebgp === false) out.push({ type: 'local-pref', flags: FLAGS.localPref, localPref: a.localPref });
  if (a.atomicAggregate) out.push({ type: 'atomic-aggregate', flags: FLAGS.atomicAggregate });
  if (a.aggregator) out.push({ type: 'aggregator', flags: FLAGS.aggregator, asn: a.aggregator.asn, address: a.aggregator.address });
  if (a.communities.length) out.push({ type: 'communities', flags: FLAGS.communities, communities: a.communities });
  if (a.originatorId) out.push({ type: 'originator-id', flags: FLAGS.originatorId, originatorId: a.originatorId });
  if (a.clusterList.length) out.push({ type: 'cluster-list', flags: FLAGS.clusterList, clusterList: a.clusterList });
  if (a.extendedCommunities.length) {
    out.push({ type: 'extended-communities', flags: FLAGS.extendedCommunities, communities: a.extendedCommunities });
  }
  if (!ctx.as4 && needsAs4(a)) {
    out.push({ type: 'as4-path', flags: FLAGS.as4Path, segments: a.asPath.filter((s) => s.type === 'sequence' || s.type === 'set') });
    if (a.aggregator && a.aggregator.asn > 0xffff) {
      out.push({ type: 'as4-aggregator', flags: FLAGS.as4Aggregator, asn: a.aggregator.asn, address: a.aggregator.address });
    }
  }
  if (a.largeCommunities.length) out.push({ type: 'large-communities', flags: FLAGS.largeCommunities, communities: a.largeCommunities });
  if (a.otc !== undefined) out.push({ type: 'otc', flags: FLAGS.otc, asn: a.otc });
  for (const u of a.unknown) out.push({ type: 'unknown', flags: u.flags | 0x20, code: u.code, value: u.value });
  return out;
}

/** The MP_REACH_NLRI next-hop field for a RIB set: IPv6 global (+ link-local), or IPv4 for RFC 8950 off. */
export function mpNextHop(a: PathAttributes): Uint8Array {
  const global = parseAddress(a.nextHop);
  if (!a.nextHopLinkLocal) return global;
  const out = new Uint8Array(32);
  out.set(global.length === 16 ? global : new Uint8Array(16));
  out.set(parseAddress(a.nextHopLinkLocal), 16);
  return out;
}
