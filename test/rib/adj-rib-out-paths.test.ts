import { describe, expect, it } from 'vitest';
import { AdjRibOutPaths, emptyPathsOutput, memberView, type PathLimit, type PathsOutput } from '../../src/rib/adj-rib-out-paths.js';
import { AttributeStore } from '../../src/rib/attribute-store.js';
import type { ExportTarget } from '../../src/rib/export.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { formatPrefixKey, ipv4Key, type Family } from '../../src/common/prefix-key.js';
import { DEFAULT_DECISION, type PathAttributes, type PeerRef } from '../../src/rib/types.js';

const V4: Family = 'ipv4-unicast';
const NO_ADVERTISE = 0xffffff02;

/** An iBGP group of route-reflector clients (what add-path send is mostly for), members m1 and m2. */
function setup(limit: PathLimit = 'all', members: readonly [string, string][] = [['10.0.0.11', 'm1'], ['10.0.0.12', 'm2']]) {
  const store = new AttributeStore();
  const rib = new LocRib({ decision: DEFAULT_DECISION, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1' });
  rib.trackCandidates = true;
  const target: ExportTarget = {
    key: 'group 1', ibgp: true, rrClient: true, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1',
    nextHopSelf: { [V4]: '10.0.0.1' }, memo: new Map(),
  };
  const group = new AdjRibOutPaths<string>(target, [V4], limit, rib, store);
  for (const [key, name] of members) group.add(key, name);
  /** A path of `hops` ASes (65002 first) via `nextHop`. */
  const attrs = (nextHop: string, hops = 1, extra: Partial<PathAttributes> = {}): PathAttributes => store.internContent({
    origin: 0, asPath: [{ type: 'sequence', asns: [65002, 65003, 65004, 65005].slice(0, hops) }], nextHop, atomicAggregate: false,
    communities: [], largeCommunities: [], extendedCommunities: [], clusterList: [], unknown: [], localPref: 100, ...extra,
  });
  /** An iBGP route-reflector client (its routes are reflected to every other client). */
  const client = (key: string): PeerRef => ({ key, address: key, addressKey: key, asn: 65001, localAs: 65001, routerId: key, ibgp: true, rrClient: true });
  const s = rib.slotOf(V4, ipv4Key((10 << 24 | 1 << 8) >>> 0, 24), true);
  const text = (slot: number) => formatPrefixKey(rib.prefixes(V4).keyOf(slot));
  const describe_ = (out: PathsOutput<string>): string[] => {
    const lines: string[] = [];
    const batches = [
      ...[...out.shared.values()].map((x) => [x.except.length ? `all but ${x.except.join(',')}` : 'all', x.batch] as const),
      ...[...out.single].map(([m, b]) => [`only ${m}`, b] as const),
    ];
    for (const [who, b] of batches) {
      b.withdraw.slots.forEach((slot, i) => lines.push(`${who}: withdraw ${text(slot)} #${b.withdraw.ids[i]}`));
      for (const [a, l] of b.announce) l.slots.forEach((slot, i) => lines.push(`${who}: announce ${text(slot)} #${l.ids[i]} via ${a.nextHop}`));
    }
    return lines.sort();
  };
  /** Run the group over both change queues of the Loc-RIB and describe its output. */
  const step = (hold = false): string[] => {
    const out = emptyPathsOutput<string>();
    const slots = [...rib.takeChangedSlots(V4), ...rib.takeCandidateSlots(V4)];
    group.update(V4, slots, out, hold);
    rib.collect(V4, slots);
    return describe_(out);
  };
  return { store, rib, group, attrs, client, s, step, describe_ };
}

describe('AdjRibOutPaths (add-path send: several paths per prefix)', () => {
  it('gives each path an identifier that stays while it exists: a change replaces, a withdrawal removes only that id', () => {
    const { rib, group, attrs, client, s, step } = setup();
    const a = client('10.0.0.21');
    const b = client('10.0.0.22');
    rib.announceAt(V4, s, a, 0, attrs('10.0.0.21'), 0);
    rib.announceAt(V4, s, b, 0, attrs('10.0.0.22', 2), 0);
    expect(step()).toEqual(['all: announce 10.0.1.0/24 #1 via 10.0.0.21', 'all: announce 10.0.1.0/24 #2 via 10.0.0.22']);
    // The second path changes (not the best): an implicit replace under its own id.
    rib.announceAt(V4, s, b, 0, attrs('10.0.0.23', 2), 0);
    expect(step()).toEqual(['all: announce 10.0.1.0/24 #2 via 10.0.0.23']);
    // The best path becomes worse than the other: the order changes, the ids do not, and only it is re-sent.
    rib.announceAt(V4, s, a, 0, attrs('10.0.0.21', 3), 0);
    expect(step()).toEqual(['all: announce 10.0.1.0/24 #1 via 10.0.0.21']);
    expect(group.paths(V4, s).map((p) => `#${p.id} ${p.attrs.nextHop}`)).toEqual(['#2 10.0.0.23', '#1 10.0.0.21']);
    // One path goes: exactly its id is withdrawn.
    rib.withdrawAt(V4, s, a.key, 0);
    expect(step()).toEqual(['all: withdraw 10.0.1.0/24 #1']);
    // A new path takes the smallest free id again.
    rib.announceAt(V4, s, client('10.0.0.24'), 0, attrs('10.0.0.24'), 0);
    expect(step()).toEqual(['all: announce 10.0.1.0/24 #1 via 10.0.0.24']);
    // The same state again: nothing.
    rib.announceAt(V4, s, b, 0, attrs('10.0.0.23', 2), 0);
    expect(step()).toEqual([]);
    // Everything goes: both ids withdrawn, the slot let go.
    rib.withdrawAt(V4, s, b.key, 0);
    rib.withdrawAt(V4, s, '10.0.0.24', 0);
    expect(step()).toEqual(['all: withdraw 10.0.1.0/24 #1', 'all: withdraw 10.0.1.0/24 #2']);
    expect(group.advertised(V4)).toBe(0);
    expect(rib.prune()).toBe(0);
    expect(rib.prefixes(V4).size).toBe(0);
  });

  it('keeps paths of one source apart by their received path ids', () => {
    const { rib, attrs, client, s, step } = setup();
    const a = client('10.0.0.21');
    rib.announceAt(V4, s, a, 1, attrs('10.0.0.31'), 0);
    rib.announceAt(V4, s, a, 2, attrs('10.0.0.32', 2), 0);
    expect(step()).toEqual(['all: announce 10.0.1.0/24 #1 via 10.0.0.31', 'all: announce 10.0.1.0/24 #2 via 10.0.0.32']);
    rib.withdrawAt(V4, s, a.key, 1);
    expect(step()).toEqual(['all: withdraw 10.0.1.0/24 #1']);
  });

  it('sends the best N: the cut moves when the order changes, each path keeping its id', () => {
    const { rib, attrs, client, s, step } = setup(1);
    const a = client('10.0.0.21');
    const b = client('10.0.0.22');
    rib.announceAt(V4, s, a, 0, attrs('10.0.0.21'), 0);
    expect(step()).toEqual(['all: announce 10.0.1.0/24 #1 via 10.0.0.21']);
    // A worse second path: beyond the cut, nothing to send (it gets id 2 all the same).
    rib.announceAt(V4, s, b, 0, attrs('10.0.0.22', 2), 0);
    expect(step()).toEqual([]);
    // It becomes the best: it comes in under id 2, the old best goes out under id 1.
    rib.announceAt(V4, s, b, 0, attrs('10.0.0.22', 1, { localPref: 200 }), 0);
    expect(step()).toEqual(['all: announce 10.0.1.0/24 #2 via 10.0.0.22', 'all: withdraw 10.0.1.0/24 #1']);
    // The best is withdrawn: the other moves into the cut.
    rib.withdrawAt(V4, s, b.key, 0);
    expect(step()).toEqual(['all: announce 10.0.1.0/24 #1 via 10.0.0.21', 'all: withdraw 10.0.1.0/24 #2']);
  });

  it('never sends a member its own path: the first N of the paths that did not come from it', () => {
    // m1 is 10.0.0.11, whose path is the best.
    const both = setup('all');
    const one = setup(1);
    for (const { rib, attrs, client, s } of [both, one]) {
      rib.announceAt(V4, s, client('10.0.0.11'), 0, attrs('10.0.0.11'), 0);
      rib.announceAt(V4, s, client('10.0.0.22'), 0, attrs('10.0.0.22', 2), 0);
    }
    expect(both.step()).toEqual([
      'all but m1: announce 10.0.1.0/24 #1 via 10.0.0.11', 'all but m1: announce 10.0.1.0/24 #2 via 10.0.0.22',
      'only m1: announce 10.0.1.0/24 #2 via 10.0.0.22',
    ]);
    expect(one.step()).toEqual(['all but m1: announce 10.0.1.0/24 #1 via 10.0.0.11', 'only m1: announce 10.0.1.0/24 #2 via 10.0.0.22']);
    expect(one.group.pathsFor('10.0.0.11', V4, one.s).map((p) => p.id)).toEqual([2]);
    // m1 withdraws its path: the others lose id 1, m1 keeps what it had.
    one.rib.withdrawAt(V4, one.s, '10.0.0.11', 0);
    expect(one.step()).toEqual(['all but m1: announce 10.0.1.0/24 #2 via 10.0.0.22', 'all but m1: withdraw 10.0.1.0/24 #1']);
    // A member's table (joining, route refresh) is its own view with the same ids.
    const t = both.group.tableFor('10.0.0.11', V4);
    expect([...t.announce.values()].flatMap((l) => l.ids)).toEqual([2]);
    expect([...both.group.tableFor('10.0.0.12', V4).announce.values()].flatMap((l) => l.ids).sort()).toEqual([1, 2]);
  });

  it('puts every path through the export rules on its own', () => {
    const { rib, group, attrs, client, s, step } = setup();
    rib.announceAt(V4, s, client('10.0.0.21'), 0, attrs('10.0.0.21', 1, { communities: [NO_ADVERTISE] }), 0);
    rib.announceAt(V4, s, client('10.0.0.22'), 0, attrs('10.0.0.22', 2), 0);
    // The best path carries NO_ADVERTISE: only the second goes, reflected (RFC 4456 §8).
    expect(step()).toEqual(['all: announce 10.0.1.0/24 #1 via 10.0.0.22']);
    const [sent] = group.paths(V4, s);
    expect(sent?.attrs.originatorId).toBe('10.0.0.22');
    expect(sent?.attrs.clusterList).toEqual(['10.0.0.1']);
  });

  it('under MRAI withdraws at once and holds new and changed paths, and a replacement in a best-N cut', () => {
    const all = setup('all');
    const a = all.client('10.0.0.21');
    const b = all.client('10.0.0.22');
    all.rib.announceAt(V4, all.s, a, 0, all.attrs('10.0.0.21'), 0);
    expect(all.step(true)).toEqual([]);
    expect(all.group.pending[V4].size).toBe(1);
    expect(all.step()).toEqual([]); // nothing changed since: the pending slot waits for releasePending
    const out = emptyPathsOutput<string>();
    all.group.releasePending(V4, out);
    expect(all.describe_(out)).toEqual(['all: announce 10.0.1.0/24 #1 via 10.0.0.21']);
    all.rib.announceAt(V4, all.s, b, 0, all.attrs('10.0.0.22', 2), 0);
    all.step();
    // One path withdrawn and the other changed while MRAI runs: the withdrawal now, the change later.
    all.rib.withdrawAt(V4, all.s, a.key, 0);
    all.rib.announceAt(V4, all.s, b, 0, all.attrs('10.0.0.23', 2), 0);
    expect(all.step(true)).toEqual(['all: withdraw 10.0.1.0/24 #1']);
    const later = emptyPathsOutput<string>();
    all.group.releasePending(V4, later);
    expect(all.describe_(later)).toEqual(['all: announce 10.0.1.0/24 #2 via 10.0.0.23']);

    // Best 1: withdrawing the best brings the second into the cut, a replacement: it all waits.
    const one = setup(1);
    one.rib.announceAt(V4, one.s, a, 0, one.attrs('10.0.0.21'), 0);
    one.rib.announceAt(V4, one.s, b, 0, one.attrs('10.0.0.22', 2), 0);
    one.step();
    one.rib.withdrawAt(V4, one.s, a.key, 0);
    expect(one.step(true)).toEqual([]);
    const replaced = emptyPathsOutput<string>();
    one.group.releasePending(V4, replaced);
    expect(one.describe_(replaced)).toEqual(['all: announce 10.0.1.0/24 #2 via 10.0.0.22', 'all: withdraw 10.0.1.0/24 #1']);
  });

  it('lets go of every slot on reset', () => {
    const { rib, group, attrs, client, s, step } = setup();
    rib.announceAt(V4, s, client('10.0.0.21'), 0, attrs('10.0.0.21'), 0);
    step();
    rib.withdrawAt(V4, s, '10.0.0.21', 0);
    rib.collect(V4, rib.takeChangedSlots(V4)); // not given to the group: it still holds the slot
    expect(rib.prune()).toBe(0);
    expect(rib.prefixes(V4).size).toBe(1);
    group.reset();
    rib.prune();
    expect(rib.prefixes(V4).size).toBe(0);
    expect(group.advertised(V4)).toBe(0);
  });

  it('cuts a member view at the limit after leaving out the member\'s own paths', () => {
    const p = (id: number, from: string) => ({ source: 'bgp' as const, from, pathId: id, id, attrs: {} as PathAttributes });
    const list = [p(1, 'x'), p(2, 'y'), p(3, 'x'), p(4, 'z')];
    expect(memberView(list, undefined, 2).map((x) => x.id)).toEqual([1, 2]);
    expect(memberView(list, 'x', 2).map((x) => x.id)).toEqual([2, 4]);
    expect(memberView(list, 'y', 'all').map((x) => x.id)).toEqual([1, 3, 4]);
  });
});
