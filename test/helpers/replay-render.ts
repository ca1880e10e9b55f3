/**
 * What a replay step produced, as plain JSON for golden files:
 * - RIB changes (the `ribChanged` hook): family, prefix as text, the best path's source and attributes, and the
 *   ECMP set as the sources of its paths. Sorted by family and prefix: the order inside one flush means nothing.
 * - Messages a peer was sent, decoded with the project codec into the objects `bgpctl decode` prints
 *   (src/cli/render-message.ts). Order that means nothing is normalized away, so that a rewrite of the RIB or
 *   of UPDATE packing that changes only that order leaves the golden files alone: UPDATEs between two
 *   "barriers" (End-of-RIB markers and non-UPDATE messages, whose position does mean something) are sorted,
 *   and so are the prefixes inside each UPDATE.
 */
import { decodeMessage, formatCommunity, formatLargeCommunity, type CodecContext } from '../../src/bgp/wire/index.js';
import { renderDecoded, hex, type Json } from '../../src/cli/render-message.js';
import type { RibChange } from '../../src/rib/loc-rib.js';
import { formatPrefixKey, prefixKeyFromText, type PrefixKey } from '../../src/common/prefix-key.js';
import type { Path, PathAttributes } from '../../src/rib/types.js';

type JsonObject = { [key: string]: Json };

const ORIGINS = ['igp', 'egp', 'incomplete'] as const;

/** A RIB attribute set, with the `bgpctl decode` names; empty lists and absent values left out. */
export function ribAttributesJson(a: PathAttributes): JsonObject {
  const out: JsonObject = {
    origin: ORIGINS[a.origin],
    asPath: a.asPath.map((s) => ({ type: s.type, asns: [...s.asns] })),
    nextHop: a.nextHop,
  };
  if (a.nextHopLinkLocal) out.nextHopLinkLocal = a.nextHopLinkLocal;
  if (a.med !== undefined) out.med = a.med;
  if (a.localPref !== undefined) out.localPref = a.localPref;
  if (a.atomicAggregate) out.atomicAggregate = true;
  if (a.aggregator) out.aggregator = { ...a.aggregator };
  if (a.communities.length) out.communities = a.communities.map(formatCommunity);
  if (a.largeCommunities.length) out.largeCommunities = a.largeCommunities.map(formatLargeCommunity);
  if (a.extendedCommunities.length) out.extendedCommunities = a.extendedCommunities.map(hex);
  if (a.originatorId) out.originatorId = a.originatorId;
  if (a.clusterList.length) out.clusterList = [...a.clusterList];
  if (a.otc !== undefined) out.otc = a.otc;
  if (a.unknown.length) out.unknown = a.unknown.map((u) => ({ code: u.code, flags: u.flags, hex: hex(u.value) }));
  return out;
}

/** Where a path came from: the peer's key (`#id` with a path id), or `local:<source>`. */
export function pathSource(p: Path): string {
  const who = p.peer ? p.peer.key : `local:${p.source}`;
  return p.pathId ? `${who}#${p.pathId}` : who;
}

function comparePrefixKeys(a: PrefixKey, b: PrefixKey): number {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function ribChangesJson(changes: readonly RibChange[]): Json[] {
  return [...changes]
    .sort((x, y) => comparePrefixKeys(x.prefix, y.prefix))
    .map((c) => ({
      family: c.family,
      prefix: formatPrefixKey(c.prefix),
      best: c.best ? { source: pathSource(c.best), ...(c.best.stale ? { stale: true } : {}), attributes: ribAttributesJson(c.best.attrs) } : null,
      multipath: c.multipath.map(pathSource),
    }));
}

function prefixText(item: Json): string {
  if (typeof item === 'string') return item;
  const o = item as JsonObject;
  return `${String(o.prefix)}#${String(o.pathId)}`;
}

function sortPrefixes(list: Json | undefined): void {
  if (!Array.isArray(list)) return;
  const key = (j: Json) => {
    const text = prefixText(j);
    const k = prefixKeyFromText(text.split('#')[0]!);
    return { k: k?.key ?? text, id: Number(text.split('#')[1] ?? 0) };
  };
  list.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return comparePrefixKeys(ka.k, kb.k) || ka.id - kb.id;
  });
}

function normalizeUpdate(m: JsonObject): JsonObject {
  sortPrefixes(m.withdrawn);
  sortPrefixes(m.nlri);
  const attrs = m.attributes as JsonObject | undefined;
  sortPrefixes((attrs?.mpReach as JsonObject | undefined)?.nlri);
  sortPrefixes((attrs?.mpUnreach as JsonObject | undefined)?.withdrawn);
  return m;
}

function isBarrier(m: JsonObject): boolean {
  return m.type !== 'UPDATE' || m.endOfRib !== undefined;
}

/** Decode what a peer was sent (whole messages, in order) and normalize the order that carries no meaning. */
export function sentJson(messages: readonly { readonly bytes: Uint8Array; readonly ctx: CodecContext }[]): JsonObject[] {
  const decoded = messages.map(({ bytes, ctx }) => renderDecoded(decodeMessage(bytes, ctx), bytes.length, ctx));
  const out: JsonObject[] = [];
  let run: JsonObject[] = [];
  const flushRun = () => {
    const keyed = run.map((m) => ({ m, k: JSON.stringify(m) }));
    keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    out.push(...keyed.map((x) => x.m));
    run = [];
  };
  for (const m of decoded) {
    if (m.type === 'UPDATE') normalizeUpdate(m);
    if (isBarrier(m)) {
      flushRun();
      out.push(m);
    } else {
      run.push(m);
    }
  }
  flushRun();
  return out;
}
