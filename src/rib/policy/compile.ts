/**
 * A peer's policies for one direction, prepared as a chain: the terms of every policy in order, each with
 * its match compiled (prefix ranges as numbers, patterns as RegExps, per-text caches), plus what the
 * evaluator needs to know up front:
 *
 * - `mode`: `policies`, or for a peer without any: `accept-all` (iBGP, or eBGP with RFC 8212 relaxed) or
 *   `rfc8212` (eBGP: nothing in, nothing out; RFC 8212 §2).
 * - `memoizable`: whether a route's outcome is a function of its attribute set and family alone, so the
 *   evaluator may remember it per set. On import the peer and the source (`bgp`) are the same for every
 *   route of the chain, so only prefix and interface matches get in the way; on export routes come from
 *   every peer and source, so neighbour and source matches do too.
 * - per term, the flags of what it sets that the eBGP rewrite in export.ts must keep (SET_MED,
 *   SET_NEXT_HOP), per family (an address next hop applies to its own family only).
 */
import { compileMatch, type CompiledMatch } from './match.js';
import type { Policy, PolicyTerm } from './types.js';

/** A term set the MED: export keeps it on eBGP sessions (export.ts drops a received MED, RFC 4271 §5.1.4). */
export const SET_MED = 1;
/** A term set an explicit next hop: export keeps it on eBGP sessions instead of putting in its own. */
export const SET_NEXT_HOP = 2;

export type PolicyDirection = 'import' | 'export';

export interface CompiledTerm {
  readonly policy: string;
  readonly term: PolicyTerm;
  readonly match: CompiledMatch;
  /** Whether the term has any attribute change. */
  readonly modifies: boolean;
  /** SET_* flags for an IPv4 route and for an IPv6 route. */
  readonly flags: readonly [number, number];
}

export type ChainMode = 'policies' | 'accept-all' | 'rfc8212';

export interface PolicyChain {
  readonly direction: PolicyDirection;
  readonly mode: ChainMode;
  /** The policy names, in order (empty unless mode is `policies`). */
  readonly policies: readonly string[];
  readonly terms: readonly CompiledTerm[];
  readonly memoizable: boolean;
}

export interface ChainOptions {
  readonly direction: PolicyDirection;
  /** The session is eBGP. */
  readonly ebgp: boolean;
  /** RFC 8212 in force for eBGP (the default; `ebgpRequiresPolicy: false` relaxes it). */
  readonly ebgpRequiresPolicy: boolean;
}

function termFlags(t: PolicyTerm): [number, number] {
  const med = t.set.med !== undefined ? SET_MED : 0;
  const hop = t.set.nextHop;
  const address = hop !== undefined && hop !== 'self';
  const v6 = address && hop.includes(':');
  return [med | (address && !v6 ? SET_NEXT_HOP : 0), med | (v6 ? SET_NEXT_HOP : 0)];
}

function compileTerm(policy: string, term: PolicyTerm): CompiledTerm {
  return { policy, term, match: compileMatch(term.match), modifies: Object.keys(term.set).length > 0, flags: termFlags(term) };
}

export function compileChain(policies: readonly Policy[], o: ChainOptions): PolicyChain {
  if (policies.length === 0) {
    const mode: ChainMode = o.ebgp && o.ebgpRequiresPolicy ? 'rfc8212' : 'accept-all';
    return { direction: o.direction, mode, policies: [], terms: [], memoizable: true };
  }
  const terms = policies.flatMap((p) => p.terms.map((t) => compileTerm(p.name, t)));
  const memoizable = terms.every((t) => (o.direction === 'import' ? !t.match.prefixDependent : !t.match.routeDependent));
  return { direction: o.direction, mode: 'policies', policies: policies.map((p) => p.name), terms, memoizable };
}
