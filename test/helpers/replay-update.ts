/**
 * A scenario's UPDATE (plain data, `bgpctl decode` field names) → an UpdateMessage of the project codec, as
 * the remote peer would build it. The harness then encodes it and decodes the bytes as the session would.
 */
import { parseCommunity, parseLargeCommunity } from '../../src/config/communities.js';
import {
  attribute, buildNlri, parseAddress, parsePrefix, type AsPathSegment, type AttributeSpec, type CodecContext,
  type FamilyName, type NlriList, type PathAttribute, type Prefix, type UpdateMessage,
} from '../../src/bgp/wire/index.js';
import type { NlriItem, UpdateAttributes, UpdateEvent } from './replay-scenario.js';

function prefixOf(item: NlriItem): Prefix | string {
  return typeof item === 'string' ? item : parsePrefix(item.prefix, item.pathId);
}

function familyOfItems(items: readonly NlriItem[], given: FamilyName | undefined): FamilyName {
  if (given) return given;
  const first = items[0];
  const text = first === undefined ? '' : typeof first === 'string' ? first : first.prefix;
  return text.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast';
}

function nlri(family: FamilyName, items: readonly NlriItem[] | undefined, ctx: CodecContext): NlriList {
  return buildNlri(family, (items ?? []).map(prefixOf), ctx.addPath.has(family));
}

function community(text: string): number {
  const c = parseCommunity(text, false);
  if (typeof c === 'string') throw new Error(c);
  return c.value;
}

function largeCommunity(text: string): { global: number; local1: number; local2: number } {
  const c = parseLargeCommunity(text, false);
  if (typeof c === 'string') throw new Error(c);
  return { global: c.global ?? 0, local1: c.local1 ?? 0, local2: c.local2 ?? 0 };
}

function segments(path: NonNullable<UpdateAttributes['asPath']>): AsPathSegment[] {
  if (path.length === 0) return [];
  return typeof path[0] === 'number' ? [{ type: 'sequence', asns: path as number[] }] : (path as AsPathSegment[]);
}

/** The well-formed attributes in wire order (RFC 4271 §5: by type code), then the raw ones. */
function pathAttributes(a: UpdateAttributes): PathAttribute[] {
  const specs: AttributeSpec[] = [];
  if (a.origin) specs.push({ type: 'origin', origin: a.origin });
  if (a.asPath) specs.push({ type: 'as-path', segments: segments(a.asPath) });
  if (a.nextHop) specs.push({ type: 'next-hop', nextHop: a.nextHop });
  if (a.med !== undefined) specs.push({ type: 'med', med: a.med });
  if (a.localPref !== undefined) specs.push({ type: 'local-pref', localPref: a.localPref });
  if (a.atomicAggregate) specs.push({ type: 'atomic-aggregate' });
  if (a.aggregator) specs.push({ type: 'aggregator', asn: a.aggregator.asn, address: a.aggregator.address });
  if (a.communities) specs.push({ type: 'communities', communities: a.communities.map(community) });
  if (a.originatorId) specs.push({ type: 'originator-id', originatorId: a.originatorId });
  if (a.clusterList) specs.push({ type: 'cluster-list', clusterList: a.clusterList });
  if (a.largeCommunities) specs.push({ type: 'large-communities', communities: a.largeCommunities.map(largeCommunity) });
  if (a.otc !== undefined) specs.push({ type: 'otc', asn: a.otc });
  const raw: PathAttribute[] = (a.raw ?? []).map((r) => ({ type: 'unknown', code: r.code, flags: r.flags, value: Uint8Array.from(Buffer.from(r.hex, 'hex')) }));
  return [...specs.map(attribute), ...raw];
}

/** The UpdateMessage the peer sends; `ctx` is its sending context (our receive context). */
export function updateMessage(u: UpdateEvent, ctx: CodecContext): UpdateMessage {
  const attributes: PathAttribute[] = [];
  // MP attributes first, as RFC 7606 §5.1 asks of senders.
  if (u.mpUnreach) {
    const f = familyOfItems(u.mpUnreach.withdrawn, u.mpUnreach.family);
    attributes.push(attribute({ type: 'mp-unreach', afi: f === 'ipv4-unicast' ? 1 : 2, safi: 1, withdrawn: nlri(f, u.mpUnreach.withdrawn, ctx) }));
  }
  if (u.mpReach) {
    const f = familyOfItems(u.mpReach.nlri, u.mpReach.family);
    const nextHop = Uint8Array.from(u.mpReach.nextHops.flatMap((h) => [...parseAddress(h)]));
    attributes.push(attribute({ type: 'mp-reach', afi: f === 'ipv4-unicast' ? 1 : 2, safi: 1, nextHop, reserved: 0, nlri: nlri(f, u.mpReach.nlri, ctx) }));
  }
  attributes.push(...pathAttributes(u.attributes ?? {}));
  return { type: 'UPDATE', withdrawn: nlri('ipv4-unicast', u.withdrawn, ctx), attributes, nlri: nlri('ipv4-unicast', u.nlri, ctx) };
}
