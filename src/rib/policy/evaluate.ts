/**
 * Running a policy chain on routes: the hot path of import and export.
 *
 * `runChain` is the one definition of the semantics (see types.ts): terms in order, the first `accept` or
 * `reject` decides, `next` applies its changes and goes on, no decision rejects. It takes the attribute
 * changes as a callback so that the evaluator (interning, memo) and explain.ts (plain copies, a trace)
 * share it.
 *
 * `PolicyEvaluator` is one chain on one session: it interns the sets terms produce (changed sets are
 * interned like any other, so export and UPDATE packing still group by identity) and remembers
 * - per term and family, input set → output set (a term's changes depend on nothing else), and
 * - when the chain is memoizable (compile.ts), per family, input set → outcome, so a route costs one Map
 *   lookup however many terms there are.
 * A route the chain does not change comes back as the very object that went in, and evaluating it
 * allocates nothing. The memo holds one store reference per set the evaluator interned; `clear` gives them
 * back (session down, or the memo grew past its bound: sets are held by paths, not by the memo).
 */
import type { AttributeStore } from '../attribute-store.js';
import type { Family } from '../../common/prefix-key.js';
import type { Path, PathAttributes } from '../types.js';
import { applySet } from './actions.js';
import type { PolicyChain } from './compile.js';
import { matches } from './match.js';
import type { PolicyContext } from './types.js';

/** `RunState.decided` when no term decided and the chain's default rejected the route. */
export const DECIDED_BY_DEFAULT = -1;
/** `RunState.decided` for a chain without policies that accepts everything. */
export const DECIDED_BY_NO_POLICY = -2;
/** `RunState.decided` for an eBGP chain without policies under RFC 8212. */
export const DECIDED_BY_RFC8212 = -3;

/** What a run reports besides its result; the caller owns the object and may reuse it. */
export interface RunState {
  /** SET_* flags of the terms applied to an accepted route. */
  flags: number;
  /** The index in `chain.terms` of the deciding term, or one of the DECIDED_BY_* values. */
  decided: number;
}

/** The attributes after term `index`'s changes. */
export type ApplyTerm = (index: number, family: Family, attrs: PathAttributes) => PathAttributes;
/** Called for every term looked at (explanations). */
export type OnTerm = (index: number, matched: boolean, before: PathAttributes, after: PathAttributes) => void;

function familyIndex(f: Family): 0 | 1 {
  return f === 'ipv4-unicast' ? 0 : 1;
}

/** The chain on `path`: the accepted route's attributes, or null when rejected. */
export function runChain(chain: PolicyChain, path: Path, state: RunState, apply: ApplyTerm, onTerm?: OnTerm): PathAttributes | null {
  state.flags = 0;
  if (chain.mode === 'accept-all') {
    state.decided = DECIDED_BY_NO_POLICY;
    return path.attrs;
  }
  if (chain.mode === 'rfc8212') {
    state.decided = DECIDED_BY_RFC8212;
    return null;
  }
  const fi = familyIndex(path.family);
  let attrs = path.attrs;
  const terms = chain.terms;
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i]!;
    if (!matches(t.match, path, attrs)) {
      onTerm?.(i, false, attrs, attrs);
      continue;
    }
    const action = t.term.action;
    if (action === 'reject') {
      onTerm?.(i, true, attrs, attrs);
      state.decided = i;
      return null;
    }
    const before = attrs;
    if (t.modifies) {
      attrs = apply(i, path.family, attrs);
      state.flags |= t.flags[fi];
    }
    onTerm?.(i, true, before, attrs);
    if (action === 'accept') {
      state.decided = i;
      return attrs;
    }
  }
  state.decided = DECIDED_BY_DEFAULT;
  return null;
}

interface Outcome {
  readonly attrs: PathAttributes | null;
  readonly flags: number;
}

/**
 * Entries (over all memo maps) past which the evaluator starts over. The maps hold their keys: input sets
 * the store may have dropped since (a set decoded anew is a new object), so without a bound a long session
 * would keep every set it ever saw. 16k entries are a few MB at most and far more than a node's peers use.
 */
export const MEMO_LIMIT = 1 << 14;

export class PolicyEvaluator {
  private readonly outcomes: [Map<PathAttributes, Outcome>, Map<PathAttributes, Outcome>] = [new Map(), new Map()];
  private readonly termMemo: [Map<PathAttributes, PathAttributes>, Map<PathAttributes, PathAttributes>][];
  /** Sets this evaluator interned, one store reference each. */
  private held: PathAttributes[] = [];
  private entries = 0;
  private readonly state: RunState = { flags: 0, decided: 0 };
  private readonly apply: ApplyTerm;

  constructor(readonly chain: PolicyChain, readonly context: PolicyContext, private readonly store: AttributeStore) {
    this.termMemo = chain.terms.map(() => [new Map(), new Map()]);
    this.apply = (i, family, attrs) => this.applyTerm(i, family, attrs);
  }

  /** SET_* flags of the route last accepted by `evaluate` (export.ts reads them right after the call). */
  get flags(): number {
    return this.state.flags;
  }

  /** Whether the chain lets everything through unchanged (the caller may skip it). */
  get passesAll(): boolean {
    return this.chain.mode === 'accept-all';
  }

  /** The route's attributes after the chain (the same object when unchanged), or null when rejected. */
  evaluate(path: Path): PathAttributes | null {
    const chain = this.chain;
    if (chain.mode === 'accept-all') {
      this.state.flags = 0;
      return path.attrs;
    }
    if (this.entries >= MEMO_LIMIT) this.clear();
    if (!chain.memoizable) return runChain(chain, path, this.state, this.apply);
    const memo = this.outcomes[familyIndex(path.family)];
    const known = memo.get(path.attrs);
    if (known) {
      this.state.flags = known.flags;
      return known.attrs;
    }
    const attrs = runChain(chain, path, this.state, this.apply);
    memo.set(path.attrs, { attrs, flags: this.state.flags });
    this.entries++;
    return attrs;
  }

  private applyTerm(i: number, family: Family, attrs: PathAttributes): PathAttributes {
    const memo = this.termMemo[i]![familyIndex(family)];
    let out = memo.get(attrs);
    if (out === undefined) {
      const changed = applySet(this.chain.terms[i]!.term.set, attrs, family, this.context);
      if (changed === attrs) {
        out = attrs;
      } else {
        out = this.store.internContent(changed);
        this.held.push(out);
      }
      memo.set(attrs, out);
      this.entries++;
    }
    return out;
  }

  /** Forget every remembered outcome and give back the store references of the sets interned here. */
  clear(): void {
    for (const m of this.outcomes) m.clear();
    for (const pair of this.termMemo) for (const m of pair) m.clear();
    for (const a of this.held) this.store.release(a);
    this.held = [];
    this.entries = 0;
  }
}
