/**
 * The daemon's configuration schema (zod v4) and the fully resolved `TernConfig` it produces.
 *
 * Parsing a document with `configSchema` checks every field (strict objects: unknown keys are issues),
 * runs the cross-field checks (unique peers, source address family, keepalive vs hold time, overlapping
 * listen ranges, ...) even when some fields are already wrong, and, only when everything is valid, resolves
 * the result: every configured peer gets its effective settings (its own, else the global ones, else the
 * built-in defaults). Listen ranges keep their template as written; `resolvePeer` merges it for a dynamic peer.
 *
 * Messages say what was expected and what was found ("expected an AS number 1..4294967295, got \"abc\"");
 * positions are the loader's business (load.ts). Pure: no I/O, nothing started.
 */
import { isIPv4 } from 'node:net';
import * as z from 'zod';
import { parseIpAddress, parsePrefix, prefixesOverlap, type IpPrefix } from './addresses.js';
import { describeValue } from './describe-value.js';
import {
  asNumberSchema, bool, expected, FAMILY_NAMES, familySchema, intIn, ipAddressSchema, mapping, MAX_AS, prefixSchema, type FamilyName,
} from './fields.js';
export { FAMILY_NAMES, MAX_AS, type FamilyName } from './fields.js';
import { checkPolicyNames, policiesSchema, policyListSchema, prefixSetsSchema } from './policy-schema.js';
import { suggest } from './suggest.js';
import type { RemovePrivateAs } from '../rib/private-as.js';
export { describeValue } from './describe-value.js';
export { parseIpAddress, parsePrefix, prefixContains, prefixesOverlap, type IpAddress, type IpPrefix } from './addresses.js';

export const ADD_PATH_MODES = ['receive', 'send', 'both'] as const;
export type AddPathMode = (typeof ADD_PATH_MODES)[number];

/** Built-in defaults, for whatever neither the peer, its listen range template, nor the global level sets. */
export const DEFAULTS = {
  listen: { address: '::', port: 179, enabled: true },
  holdTime: 90,
  connectRetryTime: 120,
  families: FAMILY_NAMES,
  gracefulRestart: { enabled: true, restartTime: 120, staleRoutesTime: 360 },
  port: 179,
  passive: false,
  shutdown: false,
  delayOpen: 0,
  ebgpRequiresPolicy: true,
  ebgpMultihop: 1,
  ibgpMultihop: 255,
  maxPrefixRestartAfter: 0,
  advertisementInterval: 0,
  addPathSend: 'all',
  extendedNextHop: false,
  extendedMessage: true,
  routeReflectorClient: false,
  softReconfigurationInbound: false,
  listenRangeLimit: 100,
} as const;

// ---------------------------------------------------------------------------------------------------------
// Messages


/** `['peers', 1, 'remoteAs']` → `peers[1].remoteAs`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

// ---------------------------------------------------------------------------------------------------------
// Field schemas

const routerIdSchema = z.string({ error: expected('a router ID as an IPv4 dotted quad') }).transform((s, ctx) => {
  if (!isIPv4(s)) {
    ctx.issues.push({ code: 'custom', message: `expected a router ID as an IPv4 dotted quad, got ${describeValue(s)}`, input: s });
    return z.NEVER;
  }
  if (s === '0.0.0.0') {
    ctx.issues.push({ code: 'custom', message: 'the router ID must not be 0.0.0.0', input: s });
    return z.NEVER;
  }
  return s;
});

const holdTimeSchema = intIn(0, 65535, 'a hold time of 0 or 3..65535 seconds').refine((v) => v === 0 || v >= 3, {
  error: expected('a hold time of 0 or 3..65535 seconds'),
});
const keepaliveTimeSchema = intIn(1, 21845, 'a keepalive time of 1..21845 seconds');
const connectRetryTimeSchema = intIn(1, 65535, 'a connect retry time of 1..65535 seconds');
const portSchema = intIn(1, 65535, 'a TCP port 1..65535');

const familiesSchema = z
  .array(familySchema, { error: expected(`a list of families (${FAMILY_NAMES.join(', ')})`) })
  .min(1, { error: 'expected at least one family' })
  .superRefine((list, ctx) => {
    list.forEach((f, i) => {
      if (list.indexOf(f) !== i) ctx.addIssue({ code: 'custom', message: `${f} is listed twice`, path: [i], input: f });
    });
  });

const addPathModeSchema = z.enum(ADD_PATH_MODES, { error: expected('receive, send or both') });
const addPathSchema = z.strictObject(
  { 'ipv4-unicast': addPathModeSchema.optional(), 'ipv6-unicast': addPathModeSchema.optional() },
  { error: expected('a mapping of family to receive, send or both') },
);

/**
 * Add-path send (RFC 7911): how many paths per prefix a peer is sent in the families where we offered send
 * and it offered receive: `all` (BIRD's `add paths tx`, FRR's `addpath-tx-all-paths`), or the best N in
 * decision order (GoBGP's `send-max`). Where send is not negotiated it changes nothing.
 */
const addPathSendSchema = z.union([z.literal('all'), intIn(1, 255, 'a number of paths 1..255')], { error: expected('all, or a number of paths 1..255') });

const maxPrefixSchema = z.strictObject(
  {
    limit: intIn(1, MAX_AS, `a prefix limit 1..${MAX_AS}`),
    restartAfter: intIn(0, 65535, 'a restart delay of 0..65535 seconds (0: stay down until reset by hand)').optional(),
  },
  { error: expected('a mapping with limit and restartAfter') },
);

/**
 * Soft reconfiguration: `inbound` keeps a peer's routes as received, before import policy (FRR `neighbor X
 * soft-reconfiguration inbound`, BIRD `import table`), for `bgpctl neighbor X soft-in` and for explanations.
 * Off by default, as in FRR and BIRD: it costs memory per route.
 */
const softReconfigurationSchema = z.strictObject(
  { inbound: bool().optional() },
  { error: expected('a mapping with inbound: true or false') },
);

const shutdownMessageSchema = z
  .string({ error: expected('a string') })
  .refine((s) => utf8Length(s) <= 255, { error: (iss) => `shutdown message is ${utf8Length(String(iss.input))} octets long, at most 255 are allowed` });

const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
const hostnameSchema = z
  .string({ error: expected('a host name') })
  .refine((s) => HOSTNAME.test(s) && s.length <= 255, { error: expected('a host name of letters, digits, "-" and "." (at most 255)') });

/**
 * FRR's `neighbor X remove-private-AS [all] [replace-AS]` on eBGP sessions (src/rib/private-as.ts): `true`,
 * or a mapping with `all` and / or `replaceAs`; `false` turns off what a template or the global level set.
 */
const removePrivateAsSchema = z.union([bool(), z.strictObject({ all: bool().optional(), replaceAs: bool().optional() })], {
  error: expected('true, false, or a mapping with all and replaceAs (true or false)'),
});

/** Settings a configured peer may set, and a listen range template too. All optional: resolvePeer fills them. */
const peerSettingsShape = {
  description: z.string({ error: expected('a string') }).optional(),
  port: portSchema.optional(),
  passive: bool().optional(),
  shutdown: bool().optional(),
  shutdownMessage: shutdownMessageSchema.optional(),
  holdTime: holdTimeSchema.optional(),
  keepaliveTime: keepaliveTimeSchema.optional(),
  connectRetryTime: connectRetryTimeSchema.optional(),
  delayOpen: intIn(0, 240, 'a delay of 0..240 seconds (0: off)').optional(),
  families: familiesSchema.optional(),
  sourceAddress: ipAddressSchema.optional(),
  multihop: intIn(1, 255, 'a TTL of 1..255').optional(),
  localAs: asNumberSchema.optional(),
  maxPrefix: maxPrefixSchema.optional(),
  /** Minimum route advertisement interval (RFC 4271 §9.2.1.1), seconds; 0: off. */
  advertisementInterval: intIn(0, 600, 'an interval of 0..600 seconds (0: off)').optional(),
  addPath: addPathSchema.optional(),
  addPathSend: addPathSendSchema.optional(),
  extendedNextHop: bool().optional(),
  extendedMessage: bool().optional(),
  requireCapabilities: z
    .array(intIn(1, 255, 'a capability code 1..255'), { error: expected('a list of capability codes') })
    .optional(),
  routeReflectorClient: bool().optional(),
  /** Policies applied to routes from this peer, in order (see policy-schema.ts). */
  import: policyListSchema.optional(),
  /** Policies applied to routes to this peer, in order. */
  export: policyListSchema.optional(),
  /** RFC 8212: an eBGP peer without import (export) policy gets nothing accepted (advertised). */
  ebgpRequiresPolicy: bool().optional(),
  removePrivateAs: removePrivateAsSchema.optional(),
  softReconfiguration: softReconfigurationSchema.optional(),
};

export const peerSettingsSchema = z.strictObject(peerSettingsShape, mapping('peer settings'));

export const peerSchema = z.strictObject(
  { address: ipAddressSchema, remoteAs: asNumberSchema, ...peerSettingsShape },
  mapping('peer settings'),
);

const rangeRemoteAsSchema = z
  .union([asNumberSchema, z.array(asNumberSchema).min(1, { error: 'expected at least one AS number' }), z.literal('any')], {
    error: expected(`an AS number 1..${MAX_AS}, a list of AS numbers, or "any"`),
  })
  .transform((v): number[] | 'any' => (v === 'any' ? 'any' : typeof v === 'number' ? [v] : [...new Set(v)]));

export const listenRangeSchema = z.strictObject(
  {
    prefix: prefixSchema,
    remoteAs: rangeRemoteAsSchema,
    limit: intIn(1, 65535, 'a limit of 1..65535 peers').default(DEFAULTS.listenRangeLimit),
    peer: peerSettingsSchema.prefault({}),
  },
  mapping('listen range settings'),
);

const listenSchema = z.strictObject(
  {
    address: ipAddressSchema.default(DEFAULTS.listen.address),
    port: intIn(0, 65535, 'a TCP port 0..65535 (0: any free port)').default(DEFAULTS.listen.port),
    enabled: bool().default(DEFAULTS.listen.enabled),
  },
  mapping('listen settings'),
);

const gracefulRestartSchema = z.strictObject(
  {
    enabled: bool().default(DEFAULTS.gracefulRestart.enabled),
    restartTime: intIn(1, 4095, 'a restart time of 1..4095 seconds').default(DEFAULTS.gracefulRestart.restartTime),
    staleRoutesTime: intIn(1, 65535, 'a stale routes time of 1..65535 seconds').default(DEFAULTS.gracefulRestart.staleRoutesTime),
  },
  mapping('graceful restart settings'),
);

const communitySchema = z.string({ error: expected('a community such as 65000:100') }).transform((v, ctx) => {
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(v);
  const hi = m ? Number(m[1]) : -1;
  const lo = m ? Number(m[2]) : -1;
  if (!m || hi > 65535 || lo > 65535) {
    ctx.issues.push({ code: 'custom', message: `expected a community ASN:VALUE with both parts 0..65535, got ${describeValue(v)}`, input: v });
    return z.NEVER;
  }
  return v;
});

/** A route this node originates (BIRD's `protocol static`): announced with next hop self unless given. */
export const staticRouteSchema = z.strictObject(
  {
    prefix: prefixSchema,
    nextHop: ipAddressSchema.optional(),
    communities: z.array(communitySchema).default(() => []),
  },
  mapping('static route settings'),
);

/**
 * Kernel FIB sync (BIRD's `protocol kernel`): where learned routes go, how they are tagged, and the overlay
 * for next hops that are not on a local subnet. Off by default: a route reflector has no business in its FIB.
 */
const overlaySchema = z.strictObject(
  {
    encapsulation: z.enum(['none', 'ipip', 'vxlan'], { error: expected('none, ipip or vxlan') }).default('none'),
    crossSubnet: bool().default(true),
    /** The node's underlay address (tunnel source; other nodes derive our VTEP MAC from it). Default: routerId. */
    tunnelSource: ipAddressSchema.optional(),
    ipip: z.strictObject({ device: z.string().min(1).max(15).default('tunl0') }, mapping('IPIP settings')).prefault({}),
    vxlan: z.strictObject(
      {
        device: z.string().min(1).max(15).default('vxlan.tern'),
        vni: intIn(1, 16777215, 'a VXLAN network identifier 1..16777215').default(4096),
        port: portSchema.default(4789),
      },
      mapping('VXLAN settings'),
    ).prefault({}),
  },
  mapping('overlay settings'),
);

const kernelSchema = z.strictObject(
  {
    enabled: bool().default(false),
    table: intIn(1, 4294967295, 'a routing table id').default(254),
    /** rtm_protocol of tern's routes; 186 is "bgp" in iproute2's rt_protos. */
    protocol: intIn(1, 255, 'a route protocol id 1..255').default(186),
    metric: intIn(0, 4294967295, 'a route metric').default(20),
    /** Blackhole routes for the blocks this node owns (static routes without a next hop). */
    blackholeOwned: bool().default(true),
    /** Seconds between re-reads of the kernel's routes that repair what changed behind tern's back; 0 = off. */
    antiEntropy: intIn(0, 86400, 'an anti-entropy interval of 0..86400 seconds').default(30),
    overlay: overlaySchema.prefault({}),
  },
  mapping('kernel settings'),
);

/** Best-path selection knobs (RFC 4271 §9.1.2.2) and multipath. */
const decisionSchema = z.strictObject(
  {
    /** ECMP: paths equal through the IGP-cost step, up to this many (1 = off). */
    maxPaths: intIn(1, 64, 'a number of paths 1..64').default(1),
    /** eBGP multipath across different neighbouring ASes (FRR `bestpath as-path multipath-relax`). */
    multipathRelax: bool().default(false),
    /** Compare MED between paths from different neighbouring ASes (FRR `always-compare-med`). */
    alwaysCompareMed: bool().default(false),
    /** A missing MED is the worst (FRR `bestpath med missing-as-worst`); RFC 4271 treats it as 0. */
    missingMedAsWorst: bool().default(false),
  },
  mapping('decision settings'),
);

/** Connected subnets of these interfaces become local routes (BIRD's `protocol direct`). */
const connectedRoutesSchema = z.strictObject(
  {
    interfaces: z.array(z.string().min(1).max(15), { error: expected('a list of interface names') }).default(() => []),
    communities: z.array(communitySchema).default(() => []),
  },
  mapping('connected route settings'),
);

/** The document as written, with the global defaults applied but peers not yet resolved. */
export const configObjectSchema = z.strictObject(
  {
    routerId: routerIdSchema,
    localAs: asNumberSchema,
    listen: listenSchema.prefault({}),
    holdTime: holdTimeSchema.default(DEFAULTS.holdTime),
    keepaliveTime: keepaliveTimeSchema.optional(),
    connectRetryTime: connectRetryTimeSchema.default(DEFAULTS.connectRetryTime),
    families: familiesSchema.default(() => [...DEFAULTS.families]),
    gracefulRestart: gracefulRestartSchema.prefault({}),
    hostname: hostnameSchema.optional(),
    peers: z.array(peerSchema, { error: expected('a list of peers') }).default(() => []),
    listenRanges: z.array(listenRangeSchema, { error: expected('a list of listen ranges') }).default(() => []),
    staticRoutes: z.array(staticRouteSchema, { error: expected('a list of static routes') }).default(() => []),
    connectedRoutes: connectedRoutesSchema.prefault({}),
    kernel: kernelSchema.prefault({}),
    decision: decisionSchema.prefault({}),
    ebgpRequiresPolicy: bool().default(DEFAULTS.ebgpRequiresPolicy),
    removePrivateAs: removePrivateAsSchema.optional(),
    /** What every peer inherits unless it (or its listen range template) says otherwise. */
    softReconfiguration: softReconfigurationSchema.optional(),
    prefixSets: prefixSetsSchema,
    policies: policiesSchema,
  },
  mapping('tern settings'),
);

// ---------------------------------------------------------------------------------------------------------
// Types

/** Optional per-peer settings, as written (a configured peer's own, or a listen range's template). */
export type PeerSettings = z.output<typeof peerSettingsSchema>;
/** A configured peer as written. */
export type PeerInput = z.output<typeof peerSchema>;
export type AddPathConfig = z.output<typeof addPathSchema>;
export type MaxPrefixConfig = Required<z.output<typeof maxPrefixSchema>>;
export type ListenConfig = z.output<typeof listenSchema>;
export type GracefulRestartConfig = z.output<typeof gracefulRestartSchema>;
export type StaticRouteConfig = z.output<typeof staticRouteSchema>;
export type KernelConfig = z.output<typeof kernelSchema>;
export type ConnectedRoutesConfig = z.output<typeof connectedRoutesSchema>;
/** A listen range; `peer` is its template as written (merge it with `resolvePeer`). */
export type ListenRangeConfig = z.output<typeof listenRangeSchema>;
type RawConfig = z.output<typeof configObjectSchema>;

/** A peer with every setting resolved: its own, else its template's, else the global one, else the default. */
export interface PeerConfig {
  /** Canonical address (RFC 5952, zone kept): the peer's key. */
  address: string;
  remoteAs: number;
  /** Effective local AS (the peer's override or the global one). */
  localAs: number;
  description?: string;
  port: number;
  passive: boolean;
  /** Administratively down. */
  shutdown: boolean;
  /** RFC 9003 shutdown communication. */
  shutdownMessage?: string;
  holdTime: number;
  /**
   * Keepalive interval: the configured one (own, template, global), else holdTime/3; 0 when holdTime is 0
   * (no keepalives). The session uses at most a third of the negotiated hold time.
   */
  keepaliveTime: number;
  connectRetryTime: number;
  /** Seconds to wait for the peer's OPEN before sending ours; 0 = off. */
  delayOpen: number;
  families: FamilyName[];
  sourceAddress?: string;
  /** Outgoing TTL: configured, else 1 for eBGP and 255 for iBGP. */
  multihop: number;
  maxPrefix?: MaxPrefixConfig;
  /** Minimum route advertisement interval in seconds (0: off). */
  advertisementInterval: number;
  addPath: AddPathConfig;
  /** Paths per prefix sent where add-path send is negotiated (own, template; default all). */
  addPathSend: 'all' | number;
  extendedNextHop: boolean;
  extendedMessage: boolean;
  requireCapabilities: number[];
  routeReflectorClient: boolean;
  /** Policy names applied to routes from this peer, in order. */
  import: string[];
  /** Policy names applied to routes to this peer, in order. */
  export: string[];
  /** RFC 8212 in force for this peer when it is eBGP (own setting, else the global one, else true). */
  ebgpRequiresPolicy: boolean;
  /** Private ASes removed from the paths sent on an eBGP session (own setting, else global); absent: off. */
  removePrivateAs?: RemovePrivateAs;
  /** Keep the peer's routes as received, before import policy (own, template, global; default off). */
  softReconfiguration: { inbound: boolean };
}

/** The whole resolved configuration: what `parseConfig` returns. */
export interface TernConfig extends Omit<RawConfig, 'peers'> {
  peers: PeerConfig[];
}

/** The global settings a peer inherits. A `TernConfig` is one. */
export type GlobalPeerDefaults = Pick<TernConfig, 'localAs' | 'holdTime' | 'keepaliveTime' | 'connectRetryTime' | 'families'> &
  Partial<Pick<TernConfig, 'ebgpRequiresPolicy' | 'removePrivateAs' | 'softReconfiguration'>>;

// ---------------------------------------------------------------------------------------------------------
// Resolution

/**
 * Whether ternd needs the kernel side for this config: FIB sync, or the interface table for connected
 * routes. Without it the kernel code and the netlink package are not even loaded (daemon.ts).
 */
export function usesKernel(config: TernConfig): boolean {
  return config.kernel.enabled || config.connectedRoutes.interfaces.length > 0;
}

/**
 * The effective settings of one peer: `peer`'s own, else the `template`'s (a listen range's `peer`), else
 * `global`'s, else the built-in defaults. For a dynamic neighbour accepted from a listen range:
 * `resolvePeer(config, { address, remoteAs }, range.peer)` with `address` canonical (see `parseIpAddress`).
 */
export function resolvePeer(
  global: GlobalPeerDefaults,
  peer: PeerSettings & { address: string; remoteAs: number },
  template: PeerSettings = {},
): PeerConfig {
  const own = <K extends keyof PeerSettings>(k: K): PeerSettings[K] => peer[k] ?? template[k];
  const localAs = own('localAs') ?? global.localAs;
  const holdTime = own('holdTime') ?? global.holdTime;
  const description = own('description');
  const shutdownMessage = own('shutdownMessage');
  const sourceAddress = own('sourceAddress');
  const maxPrefix = own('maxPrefix');
  const privateAs = own('removePrivateAs') ?? global.removePrivateAs;
  return {
    address: peer.address,
    remoteAs: peer.remoteAs,
    localAs,
    ...(description !== undefined && { description }),
    port: own('port') ?? DEFAULTS.port,
    passive: own('passive') ?? DEFAULTS.passive,
    shutdown: own('shutdown') ?? DEFAULTS.shutdown,
    ...(shutdownMessage !== undefined && { shutdownMessage }),
    holdTime,
    keepaliveTime: holdTime === 0 ? 0 : (own('keepaliveTime') ?? global.keepaliveTime ?? Math.floor(holdTime / 3)),
    connectRetryTime: own('connectRetryTime') ?? global.connectRetryTime,
    delayOpen: own('delayOpen') ?? DEFAULTS.delayOpen,
    families: [...(own('families') ?? global.families)],
    ...(sourceAddress !== undefined && { sourceAddress }),
    multihop: own('multihop') ?? (localAs === peer.remoteAs ? DEFAULTS.ibgpMultihop : DEFAULTS.ebgpMultihop),
    ...(maxPrefix && { maxPrefix: { limit: maxPrefix.limit, restartAfter: maxPrefix.restartAfter ?? DEFAULTS.maxPrefixRestartAfter } }),
    advertisementInterval: own('advertisementInterval') ?? DEFAULTS.advertisementInterval,
    addPath: { ...own('addPath') },
    addPathSend: own('addPathSend') ?? DEFAULTS.addPathSend,
    extendedNextHop: own('extendedNextHop') ?? DEFAULTS.extendedNextHop,
    extendedMessage: own('extendedMessage') ?? DEFAULTS.extendedMessage,
    requireCapabilities: [...(own('requireCapabilities') ?? [])],
    routeReflectorClient: own('routeReflectorClient') ?? DEFAULTS.routeReflectorClient,
    import: [...(own('import') ?? [])],
    export: [...(own('export') ?? [])],
    ebgpRequiresPolicy: own('ebgpRequiresPolicy') ?? global.ebgpRequiresPolicy ?? DEFAULTS.ebgpRequiresPolicy,
    ...(privateAs && { removePrivateAs: privateAs === true ? { all: false, replaceAs: false } : { all: privateAs.all ?? false, replaceAs: privateAs.replaceAs ?? false } }),
    softReconfiguration: {
      inbound: peer.softReconfiguration?.inbound ?? template.softReconfiguration?.inbound ?? global.softReconfiguration?.inbound
        ?? DEFAULTS.softReconfigurationInbound,
    },
  };
}

function resolveConfig(raw: RawConfig): TernConfig {
  return { ...raw, peers: raw.peers.map((p) => resolvePeer(raw, p)) };
}

// ---------------------------------------------------------------------------------------------------------
// Cross-field checks
//
// They run even when some fields are invalid (so that every error is reported at once), so they read the
// value defensively: a field that is not valid is skipped, its own error has been reported already.

type Loose = Record<string, unknown>;
type Path = (string | number)[];

function loose(v: unknown): Loose | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Loose) : undefined;
}

function looseList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function valid<T>(schema: z.ZodType<T>, v: unknown): T | undefined {
  if (v === undefined) return undefined;
  const r = schema.safeParse(v);
  return r.success ? r.data : undefined;
}

/** A setting as inherited through the levels: the first level that has it, and whether it is valid there. */
interface Inherited<T> {
  value: T | undefined;
  at: Path | undefined;
  /** Present but invalid: checks that depend on it are skipped. */
  invalid: boolean;
}

function inherit<T>(schema: z.ZodType<T>, key: string, levels: readonly { obj: Loose | undefined; path: Path }[]): Inherited<T> {
  for (const { obj, path } of levels) {
    const v = obj?.[key];
    if (v === undefined) continue;
    const value = valid(schema, v);
    return { value, at: [...path, key], invalid: value === undefined };
  }
  return { value: undefined, at: undefined, invalid: false };
}

type AddIssue = (path: Path, message: string) => void;

function checkTimers(levels: readonly { obj: Loose | undefined; path: Path }[], addIssue: AddIssue): void {
  const hold = inherit(holdTimeSchema, 'holdTime', levels);
  const keepalive = inherit(keepaliveTimeSchema, 'keepaliveTime', levels);
  if (hold.invalid || keepalive.invalid || keepalive.value === undefined || keepalive.at === undefined) return;
  const holdTime = hold.value ?? DEFAULTS.holdTime;
  if (holdTime === 0 || keepalive.value * 3 <= holdTime) return;
  const here = levels[0]?.path ?? [];
  const isHere = (p: Path | undefined) => p !== undefined && p.length === here.length + 1 && formatPath(p.slice(0, -1)) === formatPath(here);
  // Report once, where it can be fixed: at the most specific level that sets either timer.
  if (!isHere(keepalive.at) && !isHere(hold.at)) return;
  const at = isHere(keepalive.at) ? keepalive.at : (hold.at ?? keepalive.at);
  const from = (p: Path) => (isHere(p) ? '' : p.length === 1 ? ' (global)' : ` (from ${formatPath(p)})`);
  const holdFrom = hold.at ? from(hold.at) : ' (the default)';
  const kaFrom = from(keepalive.at);
  addIssue(
    at,
    `keepaliveTime ${keepalive.value}${kaFrom} must be at most a third of holdTime ${holdTime}${holdFrom}, i.e. at most ${Math.floor(holdTime / 3)}`,
  );
}

function checkAddPath(settings: Loose, families: unknown, path: Path, addIssue: AddIssue): void {
  const addPath = loose(settings['addPath']);
  const list = valid(familiesSchema, families);
  if (!addPath || !list) return;
  for (const family of FAMILY_NAMES) {
    if (addPath[family] !== undefined && !list.includes(family)) {
      addIssue([...path, 'addPath', family], `add-path for ${family}, which this peer does not negotiate (families: ${list.join(', ')})`);
    }
  }
}

/** `addPathSend` says how many paths go where add-path send is offered: without `addPath` send it says nothing. */
function checkAddPathSend(settings: Loose, path: Path, addIssue: AddIssue): void {
  if (valid(addPathSendSchema, settings['addPathSend']) === undefined) return;
  const addPath = valid(addPathSchema, settings['addPath'] ?? {});
  if (!addPath) return;
  if (Object.values(addPath).some((mode) => mode === 'send' || mode === 'both')) return;
  addIssue([...path, 'addPathSend'], 'addPathSend without add-path send: also set addPath: { <family>: send } (or both) for the families to send several paths in');
}

function familyWord(f: 4 | 6): string {
  return f === 4 ? 'IPv4' : 'IPv6';
}

function crossCheck(value: unknown, addIssue: AddIssue): void {
  const root = loose(value);
  if (!root) return;
  const peers = looseList(root['peers']);
  const ranges = looseList(root['listenRanges']);
  const globalLevel = { obj: root, path: [] as Path };

  checkTimers([globalLevel], addIssue);

  const seen = new Map<string, number>();
  peers.forEach((p, i) => {
    const peer = loose(p);
    if (!peer) return;
    const path: Path = ['peers', i];
    const address = typeof peer['address'] === 'string' ? parseIpAddress(peer['address']) : undefined;
    if (address && typeof valid(ipAddressSchema, peer['address']) === 'string') {
      const first = seen.get(address.text);
      if (first === undefined) seen.set(address.text, i);
      else addIssue([...path, 'address'], `duplicate peer address ${address.text} (already used by peers[${first}])`);
    }
    const source = valid(ipAddressSchema, peer['sourceAddress']);
    const sourceIp = source === undefined ? undefined : parseIpAddress(source);
    if (address && sourceIp && sourceIp.family !== address.family) {
      addIssue(
        [...path, 'sourceAddress'],
        `sourceAddress ${sourceIp.text} is ${familyWord(sourceIp.family)} but the peer address ${address.text} is ${familyWord(address.family)}`,
      );
    }
    checkTimers([{ obj: peer, path }, globalLevel], addIssue);
    checkAddPath(peer, peer['families'] ?? root['families'] ?? [...DEFAULTS.families], path, addIssue);
    checkAddPathSend(peer, path, addIssue);
    if (peer['passive'] === true && listenDisabled(root)) {
      addIssue([...path, 'passive'], 'a passive peer can never connect while listen.enabled is false');
    }
  });

  const prefixes: { prefix: IpPrefix; index: number }[] = [];
  ranges.forEach((r, i) => {
    const range = loose(r);
    if (!range) return;
    const path: Path = ['listenRanges', i];
    const prefix = typeof range['prefix'] === 'string' ? parsePrefix(range['prefix']) : undefined;
    if (prefix && typeof prefix !== 'string') {
      const other = prefixes.find((o) => prefixesOverlap(o.prefix, prefix));
      if (other) {
        addIssue([...path, 'prefix'], `listen range ${prefix.text} overlaps listenRanges[${other.index}] (${other.prefix.text})`);
      }
      prefixes.push({ prefix, index: i });
    }
    const template = loose(range['peer']);
    if (!template) return;
    const tpath: Path = [...path, 'peer'];
    const source = valid(ipAddressSchema, template['sourceAddress']);
    const sourceIp = source === undefined ? undefined : parseIpAddress(source);
    if (prefix && typeof prefix !== 'string' && sourceIp && sourceIp.family !== prefix.family) {
      addIssue(
        [...tpath, 'sourceAddress'],
        `sourceAddress ${sourceIp.text} is ${familyWord(sourceIp.family)} but the listen range ${prefix.text} is ${familyWord(prefix.family)}`,
      );
    }
    checkTimers([{ obj: template, path: tpath }, globalLevel], addIssue);
    checkAddPath(template, template['families'] ?? root['families'] ?? [...DEFAULTS.families], tpath, addIssue);
    checkAddPathSend(template, tpath, addIssue);
  });
  const peerLevels = [
    ...peers.map((p, i) => ({ obj: loose(p), path: ['peers', i] as Path })),
    ...ranges.map((r, i) => ({ obj: loose(loose(r)?.['peer']), path: ['listenRanges', i, 'peer'] as Path })),
  ].filter((l): l is { obj: Loose; path: Path } => l.obj !== undefined);
  checkPolicyNames(root, peerLevels, addIssue, suggest);
  if (ranges.length > 0 && listenDisabled(root)) {
    addIssue(['listen', 'enabled'], 'listenRanges need the daemon to listen, but listen.enabled is false');
  }
}

function listenDisabled(root: Loose): boolean {
  return loose(root['listen'])?.['enabled'] === false;
}

// ---------------------------------------------------------------------------------------------------------

/** The schema of a whole configuration document; its output is the resolved `TernConfig`. */
export const configSchema = configObjectSchema
  .superRefine(
    (value, ctx) => {
      crossCheck(value, (path, message) => ctx.addIssue({ code: 'custom', path, message, input: undefined }));
    },
    { when: () => true },
  )
  .transform(resolveConfig);

// The output of the schema is exactly the exported interface.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _outputIsTernConfig: Same<z.output<typeof configSchema>, TernConfig> = true;
void _outputIsTernConfig;
