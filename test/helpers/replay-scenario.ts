/**
 * Replay scenarios: what a scenario file (test/golden/*.yaml) says, validated into typed events.
 *
 * A scenario is a ternd configuration (`config`, the same YAML a real ternd reads: peers, policies, decision,
 * static routes), the local addresses next-hop-self may pick from (`interfaces`), and a list of events, each a
 * one-key mapping plus an optional `note` that is copied into the golden output for its reader:
 *   up            a configured peer's session comes up; the remote side's OPEN is described by what it offers
 *   update        the peer sends an UPDATE, given as attributes + NLRI in the field names `bgpctl decode` uses
 *   endOfRib      the peer sends End-of-RIB for a family (RFC 4724 §2)
 *   routeRefresh  the peer sends ROUTE-REFRESH: a request (RFC 2918), BoRR or EoRR (RFC 7313)
 *   down          the session ends, for a named reason (tcp-closed and hold-timer-expired: no NOTIFICATION)
 *   advance       time passes on the manual clock (timers such as the graceful-restart stale timer fire)
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';

const family = z.enum(['ipv4-unicast', 'ipv6-unicast']);
const asn = z.number().int().min(0).max(4294967295);
/** A prefix, or with add-path a prefix and its path identifier. */
const nlriItem = z.union([z.string(), z.strictObject({ prefix: z.string(), pathId: z.number().int().min(0) })]);
const segment = z.strictObject({ type: z.enum(['sequence', 'set', 'confed-sequence', 'confed-set']), asns: z.array(asn) });

const attributesSchema = z.strictObject({
  origin: z.enum(['igp', 'egp', 'incomplete']).optional(),
  /** A list of AS numbers (one AS_SEQUENCE) or a list of segments. */
  asPath: z.union([z.array(asn), z.array(segment)]).optional(),
  nextHop: z.string().optional(),
  med: z.number().int().optional(),
  localPref: z.number().int().optional(),
  atomicAggregate: z.boolean().optional(),
  aggregator: z.strictObject({ asn, address: z.string() }).optional(),
  /** `65000:100` or a well-known name (`no-export`, `no-advertise`, ...). */
  communities: z.array(z.string()).optional(),
  largeCommunities: z.array(z.string()).optional(),
  originatorId: z.string().optional(),
  clusterList: z.array(z.string()).optional(),
  otc: asn.optional(),
  /** Attributes written byte for byte after the others (malformed ones, for RFC 7606 cases). */
  raw: z.array(z.strictObject({ code: z.number().int().min(0).max(255), flags: z.number().int().min(0).max(255), hex: z.string() })).optional(),
});

const updateSchema = z.strictObject({
  from: z.string(),
  withdrawn: z.array(nlriItem).optional(),
  nlri: z.array(nlriItem).optional(),
  attributes: attributesSchema.optional(),
  /** Prefixes of the family in MP_REACH_NLRI (IPv6; or IPv4 over an IPv6 next hop, RFC 8950). */
  mpReach: z.strictObject({ family: family.optional(), nextHops: z.array(z.string()).min(1).max(2), nlri: z.array(nlriItem) }).optional(),
  mpUnreach: z.strictObject({ family: family.optional(), withdrawn: z.array(nlriItem) }).optional(),
});

const addPathMode = z.enum(['receive', 'send', 'both']);
const upSchema = z.strictObject({
  peer: z.string(),
  /** Our address on the session (next-hop-self starts from it). */
  localAddress: z.string(),
  /** The AS in the peer's OPEN; default: the configured remoteAs. */
  asn: asn.optional(),
  /** The peer's BGP identifier; default: its address (IPv4 peers only). */
  routerId: z.string().optional(),
  /** The families the peer offers; default: the configured ones. */
  families: z.array(family).optional(),
  /** What the peer offers, per family (its own direction: `send` means it sends path ids). */
  addPath: z.partialRecord(family, addPathMode).optional(),
  extendedNextHop: z.boolean().optional(),
  extendedMessage: z.boolean().optional(),
  gracefulRestart: z.strictObject({
    restartTime: z.number().int().min(0).max(4095),
    restarting: z.boolean().optional(),
    /** The F bit (forwarding state kept): for every family, or set for the families listed; default true. */
    forwarding: z.union([z.boolean(), z.array(family)]).optional(),
    /** The families the capability lists; default: every family the peer offers. */
    families: z.array(family).optional(),
  }).optional(),
  /** Capabilities the peer leaves out of its OPEN (it sends the others tern knows). */
  without: z.array(z.enum(['four-octet-as', 'route-refresh', 'enhanced-route-refresh'])).optional(),
});

const downReason = z.enum(['tcp-closed', 'hold-timer-expired', 'notification-received', 'admin-down', 'update-error']);

const note = { note: z.string().optional() };
const eventSchema = z.union([
  z.strictObject({ up: upSchema, ...note }),
  z.strictObject({ update: updateSchema, ...note }),
  z.strictObject({ endOfRib: z.strictObject({ from: z.string(), family }), ...note }),
  z.strictObject({ routeRefresh: z.strictObject({ from: z.string(), family, subtype: z.enum(['request', 'borr', 'eorr']) }), ...note }),
  z.strictObject({ down: z.strictObject({ peer: z.string(), reason: downReason }), ...note }),
  z.strictObject({ advance: z.strictObject({ seconds: z.number().min(0) }), ...note }),
]);

const scenarioSchema = z.strictObject({
  description: z.string(),
  /** A ternd configuration document (as parsed YAML). */
  config: z.record(z.string(), z.unknown()),
  /** Interfaces and their addresses, as next-hop-self sees them (a session's local address finds its interface). */
  interfaces: z.record(z.string(), z.array(z.string())).default({}),
  events: z.array(eventSchema).min(1),
});

export type ReplayFamily = z.output<typeof family>;
export type NlriItem = z.output<typeof nlriItem>;
export type UpdateAttributes = z.output<typeof attributesSchema>;
export type UpdateEvent = z.output<typeof updateSchema>;
export type UpEvent = z.output<typeof upSchema>;
export type DownEventReason = z.output<typeof downReason>;
export type ReplayEvent = z.output<typeof eventSchema>;
export type Scenario = z.output<typeof scenarioSchema> & { readonly name: string };

/** Read and check a scenario file; throws with the zod issues when it does not say what the harness knows. */
export function loadScenario(file: string): Scenario {
  return parseScenario(readFileSync(file, 'utf8'), basename(file).replace(/\.ya?ml$/, ''));
}

/** A scenario written inline (unit tests that assert on single steps rather than a golden file). */
export function parseScenario(text: string, name: string): Scenario {
  const r = scenarioSchema.safeParse(parse(text));
  if (!r.success) throw new Error(`${name}: ${z.prettifyError(r.error)}`);
  return { ...r.data, name };
}
