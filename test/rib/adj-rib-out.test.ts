import { describe, expect, it } from 'vitest';
import { AttributeStore } from '../../src/rib/attribute-store.js';
import { emptyOutput, UpdateGroup, type GroupOutput } from '../../src/rib/adj-rib-out.js';
import type { ExportTarget } from '../../src/rib/export.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { formatPrefixKey, ipv4Key, type Family } from '../../src/common/prefix-key.js';
import { DEFAULT_DECISION, type PathAttributes, type PeerRef } from '../../src/rib/types.js';

const V4: Family = 'ipv4-unicast';

function setup() {
  const store = new AttributeStore();
  const rib = new LocRib({ decision: DEFAULT_DECISION, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1' });
  const target: ExportTarget = {
    key: 'group 1', ibgp: false, rrClient: false, localAs: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1',
    nextHopSelf: { [V4]: '192.0.2.1' }, memo: new Map(),
  };
  const group = new UpdateGroup<string>('k', target, [V4], rib, store);
  const attrs = (asn: number, nextHop: string, extra: Partial<PathAttributes> = {}): PathAttributes => store.internContent({
    origin: 0, asPath: [{ type: 'sequence', asns: [asn] }], nextHop, atomicAggregate: false, communities: [], largeCommunities: [],
    extendedCommunities: [], clusterList: [], unknown: [], ...extra,
  });
  const peer = (key: string, asn: number): PeerRef => ({ key, address: key, addressKey: key, asn, localAs: 65001, routerId: key, ibgp: false, rrClient: false });
  const slot = (third: number) => rib.slotOf(V4, ipv4Key((10 << 24 | third << 8) >>> 0, 24), true);
  /** Run the group over what changed and describe its output in words. */
  const step = (hold = false): string[] => {
    const out = emptyOutput<string>();
    const slots = rib.takeChangedSlots(V4);
    group.update(V4, slots, out, hold);
    rib.collect(V4, slots);
    return describe_(out);
  };
  const describe_ = (out: GroupOutput<string>): string[] => {
    const text = (s: number) => formatPrefixKey(rib.prefixes(V4).keyOf(s));
    const lines: string[] = [];
    for (const [who, b] of [...[...out.shared].map(([k, b]) => [k === undefined ? 'all' : `all but ${k}`, b] as const), ...[...out.single].map(([k, b]) => [`only ${k}`, b] as const)]) {
      for (const s of b.withdraw) lines.push(`${who}: withdraw ${text(s)}`);
      for (const [a, slots] of b.announce) for (const s of slots) lines.push(`${who}: announce ${text(s)} path ${a.asPath.map((x) => x.asns.join(' ')).join(' ')} via ${a.nextHop}`);
    }
    return lines.sort();
  };
  return { store, rib, group, attrs, peer, slot, step, describe_ };
}

describe('UpdateGroup (Adj-RIB-Out shared by a group)', () => {
  it('computes each change once for the group, sends only differences, and withdraws what it advertised', () => {
    const { rib, group, attrs, peer, slot, step } = setup();
    const a = peer('192.0.2.2', 65002);
    group.add('192.0.2.10', 'm1');
    group.add('192.0.2.11', 'm2');
    const x = attrs(65002, '192.0.2.2');
    rib.announceAt(V4, slot(1), a, 0, x, 0);
    rib.announceAt(V4, slot(2), a, 0, x, 0);
    expect(step()).toEqual(['all: announce 10.0.1.0/24 path 65001 65002 via 192.0.2.1', 'all: announce 10.0.2.0/24 path 65001 65002 via 192.0.2.1']);
    // The same route again: the Loc-RIB reports nothing, the group sends nothing.
    rib.announceAt(V4, slot(1), a, 0, x, 0);
    expect(step()).toEqual([]);
    rib.withdrawAt(V4, slot(1), a.key, 0);
    expect(step()).toEqual(['all: withdraw 10.0.1.0/24']);
    expect(group.advertised(V4)).toBe(1);
  });

  it('keeps split horizon per member: the source is left out, and withdrawn from when it takes over a prefix', () => {
    const { rib, group, attrs, peer, slot, step } = setup();
    const m1 = peer('192.0.2.10', 65010);
    const outsider = peer('192.0.2.2', 65002);
    group.add(m1.key, 'm1');
    group.add('192.0.2.11', 'm2');
    const s = slot(1);
    rib.announceAt(V4, s, outsider, 0, attrs(65002, '192.0.2.2', { asPath: [{ type: 'sequence', asns: [65002, 65100, 65101] }] }), 0);
    expect(step()).toEqual(['all: announce 10.0.1.0/24 path 65001 65002 65100 65101 via 192.0.2.1']);
    // A member announces a better (shorter) path: everybody else gets it, the member loses the old one.
    rib.announceAt(V4, s, m1, 0, attrs(65010, '192.0.2.10'), 0);
    expect(step()).toEqual(['all but m1: announce 10.0.1.0/24 path 65001 65010 via 192.0.2.1', 'only m1: withdraw 10.0.1.0/24']);
    // The member withdraws: the outsider's path is back for everybody, the member included.
    rib.withdrawAt(V4, s, m1.key, 0);
    expect(step()).toEqual(['all: announce 10.0.1.0/24 path 65001 65002 65100 65101 via 192.0.2.1']);
    // Only the member's path, then none: the withdrawal goes to those that had it.
    rib.withdrawAt(V4, s, outsider.key, 0);
    rib.announceAt(V4, s, m1, 0, attrs(65010, '192.0.2.10'), 0);
    expect(step()).toEqual(['all but m1: announce 10.0.1.0/24 path 65001 65010 via 192.0.2.1', 'only m1: withdraw 10.0.1.0/24']);
    rib.withdrawAt(V4, s, m1.key, 0);
    expect(step()).toEqual(['all but m1: withdraw 10.0.1.0/24']);
  });

  it('tells a member that joins later what the group advertised, without its own routes', () => {
    const { rib, group, attrs, peer, slot, step, describe_ } = setup();
    const m3 = peer('192.0.2.12', 65012);
    group.add('192.0.2.10', 'm1');
    rib.announceAt(V4, slot(1), peer('192.0.2.2', 65002), 0, attrs(65002, '192.0.2.2'), 0);
    rib.announceAt(V4, slot(2), m3, 0, attrs(65012, '192.0.2.12'), 0); // e.g. kept stale through its restart
    step();
    group.add(m3.key, 'm3');
    const table = group.tableFor(m3.key, V4);
    expect(describe_({ shared: new Map(), single: new Map([['m3', table]]) })).toEqual(['only m3: announce 10.0.1.0/24 path 65001 65002 via 192.0.2.1']);
    // From then on m3 is out of the shared batches for its prefix.
    rib.announceAt(V4, slot(2), m3, 0, attrs(65012, '192.0.2.12', { med: 5 }), 0);
    expect(step()).toEqual([]);
  });

  it('holds announcements back under MRAI but sends withdrawals at once, and releases the latest state', () => {
    const { rib, group, attrs, peer, slot, step, describe_ } = setup();
    group.add('192.0.2.10', 'm1');
    const a = peer('192.0.2.2', 65002);
    rib.announceAt(V4, slot(1), a, 0, attrs(65002, '192.0.2.2'), 0);
    rib.announceAt(V4, slot(2), a, 0, attrs(65002, '192.0.2.2'), 0);
    expect(step()).toHaveLength(2);
    rib.announceAt(V4, slot(1), a, 0, attrs(65002, '192.0.2.2', { asPath: [{ type: 'sequence', asns: [65002, 7] }] }), 0);
    rib.announceAt(V4, slot(3), a, 0, attrs(65002, '192.0.2.2'), 0);
    rib.withdrawAt(V4, slot(2), a.key, 0);
    expect(step(true)).toEqual(['all: withdraw 10.0.2.0/24']);
    // Within the interval the route changes again: only the latest goes out.
    rib.announceAt(V4, slot(1), a, 0, attrs(65002, '192.0.2.2', { asPath: [{ type: 'sequence', asns: [65002, 8] }] }), 0);
    expect(step(true)).toEqual([]);
    const out = emptyOutput<string>();
    group.releasePending(V4, out);
    expect(describe_(out)).toEqual(['all: announce 10.0.1.0/24 path 65001 65002 8 via 192.0.2.1', 'all: announce 10.0.3.0/24 path 65001 65002 via 192.0.2.1']);
  });

  it('keeps a withdrawn prefix\'s slot until the group withdrew it, then frees it for reuse', () => {
    const { rib, group, attrs, peer, slot, step } = setup();
    group.add('192.0.2.10', 'm1');
    const a = peer('192.0.2.2', 65002);
    const s = slot(1);
    rib.announceAt(V4, s, a, 0, attrs(65002, '192.0.2.2'), 0);
    step();
    rib.withdrawAt(V4, s, a.key, 0);
    // Not yet taken by the group: the prefix still has its slot.
    expect(rib.slotOf(V4, ipv4Key((10 << 24 | 1 << 8) >>> 0, 24), false)).toBe(s);
    step();
    // Taken and withdrawn by the group: retired, removed from the table by the next prune.
    expect(rib.retired).toBe(1);
    expect(rib.prune()).toBe(0);
    expect(rib.slotOf(V4, ipv4Key((10 << 24 | 1 << 8) >>> 0, 24), false)).toBe(-1);
    expect(rib.prefixes(V4).size).toBe(0);
  });

  it('gives back every slot and exported set when it closes', () => {
    const { rib, group, attrs, peer, slot, step, store } = setup();
    group.add('192.0.2.10', 'm1');
    const before = store.size;
    rib.announceAt(V4, slot(1), peer('192.0.2.2', 65002), 0, attrs(65002, '192.0.2.2'), 0);
    step();
    expect(store.size).toBeGreaterThan(before); // the exported set
    store.release(rib.withdrawAt(V4, slot(1), '192.0.2.2', 0)!); // the path's reference, given back as route-exchange does
    rib.takeChangedSlots(V4); // not given to the group: it still holds the slot
    expect(rib.prefixes(V4).size).toBe(1);
    group.close();
    rib.prune();
    expect(rib.prefixes(V4).size).toBe(0);
    expect(store.size).toBe(before);
  });
});
