/**
 * Why a chain accepted, changed or rejected a route, as plain data (for `bgpctl explain` and `show routes
 * ... detail`, which render it). It runs the same `runChain` as the hot path, with plain (not interned)
 * copies of the changed sets and a trace of every term it looked at, so it touches no store and no memo.
 */
import type { Path, PathAttributes } from '../types.js';
import { applySet, changedAttributes } from './actions.js';
import type { PolicyChain, PolicyDirection } from './compile.js';
import { DECIDED_BY_DEFAULT, DECIDED_BY_NO_POLICY, runChain, type RunState } from './evaluate.js';
import type { PolicyContext, TermAction } from './types.js';

export interface TermStep {
  readonly policy: string;
  readonly term: string;
  readonly matched: boolean;
  /** The attributes this term changed (empty when it did not match or changed nothing). */
  readonly changed: readonly string[];
  readonly action: TermAction;
}

export type PolicyDecision =
  | { readonly by: 'term'; readonly policy: string; readonly term: string }
  /** No term decided: the implicit reject at the end of the chain. */
  | { readonly by: 'default' }
  /** No policy in this direction, and none required (iBGP, or RFC 8212 relaxed): accepted unchanged. */
  | { readonly by: 'no-policy' }
  /** An eBGP session without policy in this direction: rejected (RFC 8212 §2). */
  | { readonly by: 'rfc8212' };

export interface PolicyExplanation {
  readonly direction: PolicyDirection;
  readonly policies: readonly string[];
  readonly verdict: 'accept' | 'reject';
  readonly decidedBy: PolicyDecision;
  /** Every term looked at, in order, up to the one that decided. */
  readonly steps: readonly TermStep[];
  /** The attributes changed over the whole chain (accepted routes). */
  readonly changed: readonly string[];
  /** The route's attributes after the chain (accepted routes). */
  readonly attrs?: PathAttributes;
}

export function explainPolicy(chain: PolicyChain, path: Path, context: PolicyContext): PolicyExplanation {
  const steps: TermStep[] = [];
  const state: RunState = { flags: 0, decided: 0 };
  const result = runChain(
    chain,
    path,
    state,
    (i, family, attrs) => applySet(chain.terms[i]!.term.set, attrs, family, context),
    (i, matched, before, after) => {
      const t = chain.terms[i]!;
      steps.push({ policy: t.policy, term: t.term.name, matched, changed: changedAttributes(before, after), action: t.term.action });
    },
  );
  const d = state.decided;
  const decidedBy: PolicyDecision = d >= 0
    ? { by: 'term', policy: chain.terms[d]!.policy, term: chain.terms[d]!.term.name }
    : { by: d === DECIDED_BY_DEFAULT ? 'default' : d === DECIDED_BY_NO_POLICY ? 'no-policy' : 'rfc8212' };
  const base = { direction: chain.direction, policies: chain.policies, decidedBy, steps };
  if (result === null) return { ...base, verdict: 'reject', changed: [] };
  return { ...base, verdict: 'accept', changed: changedAttributes(path.attrs, result), attrs: result };
}
