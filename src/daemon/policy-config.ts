/**
 * Configuration → policy: the validated `policies` and `prefixSets` of the config become the RIB's plain
 * policy data (prefix texts to prefix keys, prefix-set references expanded, terms named), and a peer's
 * `import` / `export` lists become compiled chains for a session (RFC 8212 decided per session, since a
 * dynamic neighbour's AS, hence eBGP or iBGP, is known only when it connects).
 */
import type { PeerConfig, TernConfig } from '../config/schema.js';
import type { MatchConfig, PolicyTermConfig, PrefixEntryConfig, PrefixItemConfig, SetConfig } from '../config/policy-schema.js';
import { compileChain, type PolicyChain } from '../rib/policy/compile.js';
import type { IpRange, Policy, PolicyMatch, PolicySet, PolicyTerm, PrefixRange } from '../rib/policy/types.js';
import { prefixKeyFromText } from '../common/prefix-key.js';

/** A session's chains. */
export interface PeerPolicies {
  readonly import: PolicyChain;
  readonly export: PolicyChain;
}

function ipRange(text: string): IpRange {
  const k = prefixKeyFromText(text);
  // The config only lets valid prefixes through; a failure here is a bug, not bad input.
  if (!k) throw new Error(`policy-config: not a prefix: ${text}`);
  return { family: k.family, prefix: k.key };
}

function prefixRange(e: PrefixEntryConfig): PrefixRange {
  return { ...ipRange(e.prefix), ge: e.ge, le: e.le };
}

function prefixRanges(items: readonly PrefixItemConfig[], sets: TernConfig['prefixSets']): PrefixRange[] {
  return items.flatMap((item) => ('set' in item ? (sets[item.set] ?? []) : [item]).map(prefixRange));
}

function match(m: MatchConfig, sets: TernConfig['prefixSets']): PolicyMatch {
  const length = m.asPath?.length;
  return {
    ...(m.prefix && { prefix: prefixRanges(m.prefix, sets) }),
    ...(m.family && { family: m.family }),
    ...(m.neighbor && {
      neighbor: { ...(m.neighbor.address && { address: m.neighbor.address.map(ipRange) }), ...(m.neighbor.asn && { asn: m.neighbor.asn }) },
    }),
    ...(m.communities && { communities: m.communities }),
    ...(m.largeCommunities && { largeCommunities: m.largeCommunities }),
    ...(m.asPath && {
      asPath: {
        ...(m.asPath.contains && { contains: m.asPath.contains }),
        ...(m.asPath.originAs && { originAs: m.asPath.originAs }),
        ...(length?.min !== undefined && { minLength: length.min }),
        ...(length?.max !== undefined && { maxLength: length.max }),
      },
    }),
    ...(m.nextHop && { nextHop: m.nextHop.map(ipRange) }),
    ...(m.source && { source: m.source }),
    ...(m.interface && { interface: m.interface }),
  };
}

function set(s: SetConfig): PolicySet {
  const large = s.largeCommunities;
  return {
    ...(s.localPref !== undefined && { localPref: s.localPref }),
    ...(s.med !== undefined && { med: s.med }),
    ...(s.communities && {
      communities: { ...(s.communities.add && { add: s.communities.add.map((c) => c.value) }), ...(s.communities.remove && { remove: s.communities.remove }) },
    }),
    ...(large && {
      largeCommunities: {
        ...(large.add && { add: large.add.map((c) => ({ global: c.global ?? 0, local1: c.local1 ?? 0, local2: c.local2 ?? 0 })) }),
        ...(large.remove && { remove: large.remove }),
      },
    }),
    ...(s.prepend && { prepend: s.prepend }),
    ...(s.nextHop !== undefined && { nextHop: s.nextHop }),
  };
}

function term(t: PolicyTermConfig, index: number, sets: TernConfig['prefixSets']): PolicyTerm {
  return { name: t.name ?? `term ${index + 1}`, match: match(t.match, sets), set: set(t.set), action: t.action };
}

/** Every configured policy, by name. */
export function policiesFromConfig(config: Pick<TernConfig, 'policies' | 'prefixSets'>): ReadonlyMap<string, Policy> {
  return new Map(Object.entries(config.policies).map(([name, terms]) => [name, { name, terms: terms.map((t, i) => term(t, i, config.prefixSets)) }]));
}

function named(policies: ReadonlyMap<string, Policy>, names: readonly string[]): Policy[] {
  return names.map((n) => {
    const p = policies.get(n);
    if (!p) throw new Error(`policy-config: unknown policy ${n}`); // the config checks references
    return p;
  });
}

/** The chains of a session with `peer` (undefined: a peer the configuration does not know, no policy). */
export function peerPolicies(policies: ReadonlyMap<string, Policy>, peer: PeerConfig | undefined, ibgp: boolean): PeerPolicies {
  const base = { ebgp: !ibgp, ebgpRequiresPolicy: peer?.ebgpRequiresPolicy ?? true };
  return {
    import: compileChain(named(policies, peer?.import ?? []), { ...base, direction: 'import' }),
    export: compileChain(named(policies, peer?.export ?? []), { ...base, direction: 'export' }),
  };
}
