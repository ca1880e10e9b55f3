/**
 * Interning of path attribute sets: identical sets are one object, so the decision process, export and
 * UPDATE packing can compare and group by identity. Sets are interned by `contentKey`, whoever made them
 * (decoded from an UPDATE, changed by policy, exported), so equal content is one set even when peers encode
 * it differently (attribute order, flags, AS_TRANS with AS4_PATH). Keying decoded sets by their wire bytes
 * instead would skip building the object on a hit, but a hit is rare where it would matter: an UPDATE
 * carries one set, and a new UPDATE is mostly a new set. What a hit would save is 2–4 µs an UPDATE (the
 * set built and its key): in a table of 100 UPDATEs of one set, under 1% of it.
 *
 * Sets stay interned while referenced: by a path, an export verdict (export.ts) or an id in a per-prefix
 * array (attribute-ids.ts). `release` is counted so a set nothing uses can be dropped (a full-table churn
 * must not grow the store without bound), and a store made with `trackDrops` keeps the sets it dropped
 * until `takeDropped`, so that the caches keyed by sets can let go of them.
 */
import { attributeSet } from './attribute-set.js';
import type { PathAttributes } from './types.js';

interface Slot {
  readonly attrs: PathAttributes;
  readonly key: string;
  refs: number;
}

export class AttributeStore {
  private readonly byKey = new Map<string, Slot>();
  /**
   * The slot of each interned set, for retain and release; emptied by the store itself when a set is
   * dropped. (It was a WeakMap from set to key: a set already dropped was still found through its key, and
   * counted against a newer set of the same content.)
   */
  private readonly bySet = new Map<PathAttributes, Slot>();
  /**
   * With `trackDrops`, the sets dropped (their last reference gone) since the last `takeDropped`. A list the
   * owner drains rather than a callback: a callback is a closure of its owner, another one for warm-up's
   * scratch exchange than for the daemon's, and the compiled `release` was thrown away when the real one
   * came ("wrong call target").
   */
  private readonly dropped: Set<PathAttributes> | undefined;

  constructor(options: { readonly trackDrops?: boolean } = {}) {
    // A Set rather than an array: an array literal's elements kind is learnt per allocation site, so the
    // daemon's list was born another kind than warm-up's had been and the compiled push was thrown away.
    this.dropped = options.trackDrops === true ? new Set() : undefined;
  }

  /** Sets dropped and not yet taken (always 0 without `trackDrops`). */
  get droppedCount(): number {
    return this.dropped === undefined ? 0 : this.dropped.size;
  }

  /** The sets dropped since the last call, oldest first; the store forgets them. */
  takeDropped(): PathAttributes[] {
    const d = this.dropped;
    if (d === undefined || d.size === 0) return [];
    const out = [...d];
    d.clear();
    return out;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The interned set for `key`, building it with `build` on a miss. Counts one reference. */
  intern(key: string, build: () => PathAttributes): PathAttributes {
    let slot = this.byKey.get(key);
    if (!slot) {
      const attrs = Object.freeze(build());
      slot = { attrs, key, refs: 0 };
      this.byKey.set(key, slot);
      this.bySet.set(attrs, slot);
    }
    slot.refs++;
    return slot.attrs;
  }

  /** Intern a set built in memory (policy, export) by its content; a new set is stored in the one shape of attribute-set.ts. */
  internContent(attrs: PathAttributes): PathAttributes {
    return this.intern(contentKey(attrs), () => attributeSet(attrs));
  }

  /** `count` references more to an interned set (paths now hold it). */
  retain(attrs: PathAttributes, count = 1): void {
    if (count === 0) return;
    const slot = this.bySet.get(attrs);
    if (slot) slot.refs += count;
  }

  /** `count` references fewer; the set is forgotten when none remain. */
  release(attrs: PathAttributes, count = 1): void {
    if (count === 0) return;
    const slot = this.bySet.get(attrs);
    if (!slot) return;
    slot.refs -= count;
    if (slot.refs > 0) return;
    this.byKey.delete(slot.key);
    this.bySet.delete(attrs);
    if (this.dropped !== undefined) this.dropped.add(attrs);
  }
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

/**
 * A canonical text of a set's content: equal sets give equal keys, and sets that differ in any field give
 * different ones (fields are separated by "|", which none of them can contain: numbers, addresses, hex,
 * segment type names). Built by hand rather than with JSON.stringify, which took about 4 µs a set: every set
 * decoded from a peer and every set made by export is interned by this key.
 *
 * The parts are joined once, which makes one flat string. Built with `+=`, the key was a tree of some twenty
 * cons strings that the store's Map kept as it was: 565 bytes a set held (key and entry) instead of 118, and
 * hashing and comparing the tree made interning slower (100k distinct sets: 3.7 → 2.7 µs to intern one,
 * 3.4 → 2.4 µs to find one again).
 */
export function contentKey(a: PathAttributes): string {
  const p: (string | number)[] = [a.origin, '|'];
  for (const s of a.asPath) p.push(s.type, ':', s.asns.join(','), ';');
  p.push('|', a.nextHop, '|', a.nextHopLinkLocal ?? '', '|', a.med ?? '', '|', a.localPref ?? '', '|', a.atomicAggregate ? 1 : 0, '|');
  if (a.aggregator) p.push(a.aggregator.asn, '@', a.aggregator.address);
  p.push('|', a.communities.join(','), '|');
  for (const l of a.largeCommunities) p.push(l.global, ':', l.local1, ':', l.local2, ',');
  p.push('|');
  for (const e of a.extendedCommunities) p.push(hex(e), ',');
  p.push('|', a.originatorId ?? '', '|', a.clusterList.join(','), '|', a.otc ?? '', '|');
  for (const u of a.unknown) p.push(u.code, '/', u.flags, '/', hex(u.value), ',');
  return p.join('');
}
