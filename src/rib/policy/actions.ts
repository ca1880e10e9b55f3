/**
 * A term's attribute changes. `applySet` never modifies its argument (interned sets are frozen and shared):
 * it returns the same object when nothing would change, so a term that sets LOCAL_PREF 200 on a route that
 * has it already costs no new set, and otherwise a new, not yet interned set (the evaluator interns it).
 *
 * - communities / largeCommunities: `remove` first (every community matching a pattern goes), then `add`
 *   appends those not carried yet, in the order given (RFC 1997 §3 leaves order unspecified).
 * - prepend: `asn` `times` times in front of the path (prependAs, RFC 4271 §5.1.2 segment rules).
 * - nextHop: `self` is our address on the session for the route's family, skipped when we have none; an
 *   address applies to routes of its own family only. Setting a next hop drops an IPv6 link-local one,
 *   which belonged to the previous next hop (RFC 2545 §3).
 */
import { prependAs } from '../as-path.js';
import { attributeSet } from '../attribute-set.js';
import type { Family } from '../../common/prefix-key.js';
import type { LargeCommunity, PathAttributes } from '../types.js';
import { communityMatches, largeMatches } from './match.js';
import type { PolicyContext, PolicySet } from './types.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** `set` applied to `a`: `a` itself when nothing changes, else a new set. */
export function applySet(set: PolicySet, a: PathAttributes, family: Family, ctx: PolicyContext): PathAttributes {
  let out: Writable<PathAttributes> | undefined;
  const w = (): Writable<PathAttributes> => (out ??= attributeSet(a));
  if (set.localPref !== undefined && a.localPref !== set.localPref) w().localPref = set.localPref;
  if (set.med !== undefined && a.med !== set.med) w().med = set.med;
  if (set.communities) {
    const next = changeList(a.communities, set.communities, communityMatches, (x, y) => x === y);
    if (next !== a.communities) w().communities = next;
  }
  if (set.largeCommunities) {
    const next = changeList(a.largeCommunities, set.largeCommunities, largeMatches, sameLarge);
    if (next !== a.largeCommunities) w().largeCommunities = next;
  }
  if (set.prepend) {
    const asn = set.prepend.asn === 'own' ? ctx.localAs : set.prepend.asn;
    w().asPath = prependAs(a.asPath, asn, set.prepend.times);
  }
  const hop = set.nextHop === undefined ? undefined : set.nextHop === 'self' ? ctx.nextHopSelf[family] : set.nextHop;
  if (hop !== undefined && hop.includes(':') === (family === 'ipv6-unicast') && (hop !== a.nextHop || a.nextHopLinkLocal !== undefined)) {
    const o = w();
    o.nextHop = hop;
    o.nextHopLinkLocal = undefined; // not `delete`, which would give the set a shape of its own (attribute-set.ts)
  }
  return out ?? a;
}

/** `list` without what matches `remove`, then with `add` appended where not carried; `list` itself when unchanged. */
function changeList<V, P>(
  list: readonly V[],
  change: { readonly add?: readonly V[]; readonly remove?: readonly P[] },
  matchesPattern: (p: P, v: V) => boolean,
  same: (a: V, b: V) => boolean,
): readonly V[] {
  let out: V[] | undefined;
  const remove = change.remove;
  if (remove && list.some((c) => remove.some((p) => matchesPattern(p, c)))) {
    out = list.filter((c) => !remove.some((p) => matchesPattern(p, c)));
  }
  for (const c of change.add ?? []) {
    const cur = out ?? list;
    if (!cur.some((x) => same(x, c))) (out ??= [...list]).push(c);
  }
  return out ?? list;
}

function sameLarge(a: LargeCommunity, b: LargeCommunity): boolean {
  return a.global === b.global && a.local1 === b.local1 && a.local2 === b.local2;
}

/** The attributes whose values differ between two sets (for explanations), in a fixed order. */
export function changedAttributes(before: PathAttributes, after: PathAttributes): string[] {
  if (before === after) return [];
  const out: string[] = [];
  if (before.localPref !== after.localPref) out.push('localPref');
  if (before.med !== after.med) out.push('med');
  if (before.communities !== after.communities) out.push('communities');
  if (before.largeCommunities !== after.largeCommunities) out.push('largeCommunities');
  if (before.asPath !== after.asPath) out.push('asPath');
  if (before.nextHop !== after.nextHop || before.nextHopLinkLocal !== after.nextHopLinkLocal) out.push('nextHop');
  return out;
}
