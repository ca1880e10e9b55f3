/**
 * One object shape for every path attribute set. V8 gives objects built with different keys, or the same keys
 * in another order, different hidden classes ("maps"); code compiled while it saw one map is thrown away
 * (deoptimised) when another arrives, and code that sees several becomes slower. Sets were built with
 * conditional spreads (`...(med !== undefined ? { med } : {})`) and rest destructuring, so a set with a MED,
 * one without, and an exported one each had a map of their own: warm-up (daemon/warm-up.ts) compiled the
 * decision and export code for one of them and the first real table deoptimised it again ("wrong map" in
 * `--trace-deopt`). Every set the store interns goes through `attributeSet`: all fields present, in one
 * order, absent ones `undefined`.
 */
import type { PathAttributes } from './types.js';

/**
 * The one empty list of every set without communities, cluster list, unknown attributes…: never mutated
 * (the fields are readonly). Arrays have maps too, by elements kind, and an empty array made by `[]` in
 * interpreted code is not of the kind `.map()` makes once compiled: sets built by warm-up and sets built
 * later had different maps for their `unknown`, and `contentKey`'s compiled code was thrown away at the
 * first real set (`--trace-deopt`: "wrong map"). Frozen: a push onto it would have added to every set.
 */
export const NONE: readonly never[] = Object.freeze([]);

/** A list, or NONE when it is empty. */
function list<T>(l: readonly T[]): readonly T[] {
  return l.length === 0 ? NONE : l;
}

/**
 * `a` with every field present, in the order of the PathAttributes interface, and every empty list the one
 * NONE: the store builds every set it interns with this, so that holds whoever made the set (policy that
 * removed the last community assigns an empty list of its own).
 */
export function attributeSet(a: PathAttributes): PathAttributes {
  return {
    origin: a.origin,
    asPath: list(a.asPath),
    nextHop: a.nextHop,
    nextHopLinkLocal: a.nextHopLinkLocal,
    med: a.med,
    localPref: a.localPref,
    atomicAggregate: a.atomicAggregate,
    aggregator: a.aggregator,
    communities: list(a.communities),
    largeCommunities: list(a.largeCommunities),
    extendedCommunities: list(a.extendedCommunities),
    originatorId: a.originatorId,
    clusterList: list(a.clusterList),
    otc: a.otc,
    unknown: list(a.unknown),
  };
}
