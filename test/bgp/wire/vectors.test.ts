/**
 * Every captured message from BIRD 2, GoBGP and FRR: decoding agrees with tshark's decoding, and encoding the
 * decoded message gives back the same bytes.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeMessage, encodeCapability, encodeMessage, openCapabilities, Writer,
  type CodecContext, type OpenMessage, type UpdateMessage,
} from '../../../src/bgp/wire/index.js';
import { renderDecoded, type Json } from '../../../src/cli/render-message.js';
import { availableVectorFiles, fromHex, loadVectors, toHex, vectorContext, type TsharkAttr, type Vector } from '../../helpers/vectors.js';

const SEGMENT_TYPES: Record<string, string> = {
  AS_SEQUENCE: 'sequence', AS_SET: 'set', AS_CONFED_SEQUENCE: 'confed-sequence', AS_CONFED_SET: 'confed-set',
};

type Obj = Record<string, unknown>;

/**
 * Captured messages that the receiver must reject: the capture deliberately provoked the sender into them.
 * Decoding still has to agree with tshark for these.
 */
const MUST_REJECT: Readonly<Record<string, { code: number; subcode: number }>> = {
  v02393: { code: 2, subcode: 6 }, // GoBGP configured with hold time 2: Unacceptable Hold Time (RFC 4271 §6.2)
};

/**
 * FRR's CAPABILITY message (type 6, draft-ietf-idr-dynamic-cap), sent to a peer that negotiated dynamic
 * capabilities. tern never offers that capability, so for tern it is a Bad Message Type (RFC 4271 §6.1).
 */
function mustReject(v: Vector): { code: number; subcode: number } | undefined {
  if (v.type_name === 'CAPABILITY') return { code: 1, subcode: 3 };
  return MUST_REJECT[v.id];
}

function prefixList(list: unknown): unknown[] {
  return ((list as Obj[] | undefined) ?? []).map((p) => (p.path_id !== undefined ? { prefix: p.prefix, pathId: p.path_id } : p.prefix));
}

function segments(a: Obj): unknown[] {
  return (a.segments as Obj[]).map((s) => ({ type: SEGMENT_TYPES[s.type as string], asns: s.asns }));
}

function extCommunity(e: Obj): Obj {
  const out: Obj = { type: Number.parseInt(e.type as string, 16) };
  for (const [k, v] of Object.entries(e)) {
    if (k.startsWith('stype_')) out.subtype = Number.parseInt(v as string, 16);
    else if (k === 'value_as2' || k === 'value_as4') out.asn = Number(v);
    else if (k === 'value_an2' || k === 'value_an4') out.value = Number(v);
    else if (k === 'value_IP4') out.address = v;
    else if (k === 'tunnel_type') out.tunnelType = Number(v);
    else if (k === 'evpn.esi.router_mac') out.routerMac = v;
  }
  return out;
}

/** tshark's attribute → [our JSON key, expected value]; undefined where tshark says nothing to compare. */
function expectedAttribute(a: TsharkAttr, ctx: CodecContext, all: TsharkAttr[]): [string, unknown] | undefined {
  const has = (name: string) => all.some((x) => x.name === name);
  switch (a.name) {
    case 'ORIGIN': return ['origin', (a.origin as string).toLowerCase()];
    // On a 2-octet session with AS4_PATH the JSON shows the merged path; the raw one is checked separately.
    case 'AS_PATH': return !ctx.as4 && has('AS4_PATH') ? undefined : ['asPath', segments(a)];
    case 'AS4_PATH': return ['as4Path', segments(a)];
    case 'NEXT_HOP': return ['nextHop', a.next_hop];
    case 'MULTI_EXIT_DISC': return ['med', a.med];
    case 'LOCAL_PREF': return ['localPref', a.local_pref];
    case 'ATOMIC_AGGREGATE': return ['atomicAggregate', true];
    case 'AGGREGATOR': return !ctx.as4 && has('AS4_AGGREGATOR') ? undefined : ['aggregator', { asn: a.aggregator_as, address: a.aggregator_address }];
    case 'AS4_AGGREGATOR': return ['as4Aggregator', { asn: a.aggregator_as, address: a.aggregator_address }];
    case 'COMMUNITIES': return ['communities', a.communities];
    case 'LARGE_COMMUNITY': return ['largeCommunities', a.large_communities];
    case 'ORIGINATOR_ID': return ['originatorId', a.originator_id];
    case 'CLUSTER_LIST': return ['clusterList', a.cluster_list];
    case 'EXTENDED_COMMUNITIES': return ['extendedCommunities', (a.ext_communities as Obj[]).map(extCommunity)];
    case 'MP_REACH_NLRI': return ['mpReach', { afi: a.afi, safi: a.safi, nextHops: a.next_hops, nlri: prefixList(a.nlri) }];
    case 'MP_UNREACH_NLRI': return ['mpUnreach', { afi: a.afi, safi: a.safi, withdrawn: prefixList(a.withdrawn) }];
    default: return undefined;
  }
}

function expectedUpdate(v: Vector, ctx: CodecContext): Obj {
  const d = v.decoded;
  const attrs = d.path_attributes ?? [];
  const attributes: Obj = {};
  for (const a of attrs) {
    const e = expectedAttribute(a, ctx, attrs);
    if (e) attributes[e[0]] = e[1];
  }
  const unknown = attrs.filter((a) => a.name === 'unknown').map((a) => ({ code: a.type_code, flags: a.flags }));
  if (unknown.length) attributes.unknown = unknown;
  const out: Obj = { withdrawn: prefixList(d.withdrawn), nlri: prefixList(d.nlri), attributes };
  if (v.end_of_rib) out.endOfRib = v.end_of_rib;
  return out;
}

function expectedCapability(c: Obj): Obj {
  const out: Obj = { code: c.code, name: c.name };
  switch (c.name) {
    case 'multiprotocol': return { ...out, afi: c.afi, safi: c.safi };
    case 'four-octet-as': return { ...out, asn: c.asn };
    case 'graceful-restart':
      return {
        ...out, restartState: c.restart_state, notification: c.notification, restartTime: c.restart_time,
        families: (c.afs as Obj[]).map((f) => ({ afi: f.afi, safi: f.safi, flags: f.flags, forwarding: f.forwarding_state })),
      };
    case 'add-path': return { ...out, families: (c.afs as Obj[]).map((f) => ({ afi: f.afi, safi: f.safi, sendReceive: f.send_receive })) };
    case 'extended-next-hop': return { ...out, entries: (c.entries as Obj[]).map((e) => ({ afi: e.afi, safi: e.safi, nextHopAfi: e.nexthop_afi })) };
    case 'fqdn': return { ...out, hostname: c.hostname, domain: c.domain };
    default: return out;
  }
}

function expectedJson(v: Vector, ctx: CodecContext): Obj {
  const d = v.decoded;
  const base = { type: v.type_name, length: v.length };
  switch (v.type_name) {
    case 'OPEN':
      return {
        ...base, version: d.version, myAs: d.my_as, holdTime: d.hold_time, routerId: d.bgp_id,
        capabilities: (d.capabilities as Obj[]).map(expectedCapability),
      };
    case 'UPDATE': return { ...base, ...expectedUpdate(v, ctx) };
    case 'NOTIFICATION': {
      const out: Obj = { ...base, code: d.code, subcode: d.subcode, data: d.data };
      if (d.shutdown_communication !== undefined) out.shutdownMessage = d.shutdown_communication;
      return out;
    }
    case 'ROUTE-REFRESH': return { ...base, afi: d.afi, safi: d.safi, subtype: d.subtype };
    default: return base;
  }
}

for (const file of availableVectorFiles()) {
  const vectors = loadVectors(file);
  describe(`captured messages in ${file.split('/').slice(-2).join('/')}`, () => {
    it('holds messages of every type', () => {
      const types = new Set(vectors.map((v) => v.type_name));
      expect(vectors.length).toBeGreaterThan(100);
      expect([...types].sort()).toEqual(expect.arrayContaining(['KEEPALIVE', 'NOTIFICATION', 'OPEN', 'UPDATE']));
    });

    it.each(vectors.map((v) => [v.id, v] as const))('%s decodes as tshark does and re-encodes byte for byte', (_id, v) => {
      const ctx = vectorContext(v);
      const bytes = fromHex(v.hex);
      const result = decodeMessage(bytes, ctx);
      const reject = mustReject(v);
      if (reject) {
        expect(result.action).toBe('session-reset');
        expect(result.errors.map((e) => ({ code: e.code, subcode: e.subcode }))).toEqual([reject]);
      } else {
        expect(result.errors).toEqual([]);
        expect(result.action).toBe('none');
      }
      if (v.type_name === 'CAPABILITY') return;
      const json = renderDecoded(result, bytes.length, ctx) as Record<string, Json>;
      expect(json).toMatchObject(expectedJson(v, ctx));
      expect(toHex(encodeMessage(result.message!, ctx))).toBe(v.hex);

      if (result.message?.type === 'UPDATE') {
        // Flags and wire order of every attribute, and the raw AS_PATH (the JSON may show the merged one).
        const u: UpdateMessage = result.message;
        const attrs = v.decoded.path_attributes ?? [];
        expect(u.attributes.map((a) => a.flags)).toEqual(attrs.map((a) => a.flags));
        const rawPath = u.attributes.find((a) => a.type === 'as-path');
        const tsharkPath = attrs.find((a) => a.name === 'AS_PATH');
        if (tsharkPath && rawPath?.type === 'as-path') expect(rawPath.segments).toEqual(segments(tsharkPath));
      }
      if (result.message?.type === 'OPEN') {
        // Each capability re-encodes to the value tshark saw (covers those tshark does not decode: role, LLGR).
        const caps = openCapabilities(result.message as OpenMessage);
        const tsharkCaps = v.decoded.capabilities as Obj[];
        expect(caps.map((c) => {
          const w = new Writer();
          encodeCapability(w, c);
          return toHex(w.finish().subarray(2));
        })).toEqual(tsharkCaps.map((c) => c.value));
      }
    });
  });
}
