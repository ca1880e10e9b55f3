/** Which Loc-RIB paths become which kernel routes (src/daemon/kernel-routes.ts). */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { formatPrefixKey, ipv4Key, ipv6Key, type Family, type PrefixKey } from '../../src/common/prefix-key.js';
import type { PrefixTable } from '../../src/common/prefix-table.js';
import { parseConfig } from '../../src/config/load.js';
import { KernelRoutes, pathGateway, routeTarget, type KernelRoutesTarget } from '../../src/daemon/kernel-routes.js';
import type { GatewaySet, RouteTarget } from '../../src/kernel/kernel-sync.js';
import { AttributeStore } from '../../src/rib/attribute-store.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { DEFAULT_DECISION, type Path, type PathAttributes, type PeerRef } from '../../src/rib/types.js';
import { manualClock } from '../../src/common/manual-clock.js';
import { key, pathFixtures } from '../helpers/paths.js';

const store = new AttributeStore();
const KERNEL = (() => {
  const r = parseConfig('routerId: 192.0.2.1\nlocalAs: 65001\nkernel: { enabled: true }\n', 'k.yaml');
  if (!r.ok) throw new Error('config');
  return r.config.kernel;
})();

function attrs(nextHop: string, extra: Partial<PathAttributes> = {}): PathAttributes {
  return store.internContent({ origin: 0, asPath: [], nextHop, atomicAggregate: false, communities: [], largeCommunities: [], extendedCommunities: [], clusterList: [], unknown: [], ...extra });
}

function peer(address: string): PeerRef {
  return { key: address, address, addressKey: address, asn: 65000, localAs: 65001, routerId: '192.0.2.9', ibgp: false, rrClient: false };
}

function path(nextHop: string, from: string | undefined, extra: Partial<PathAttributes> = {}, source: Path['source'] = 'bgp'): Path {
  return { family: 'ipv4-unicast', prefix: ipv4Key(0x0a000000, 24), pathId: 0, attrs: attrs(nextHop, extra), source, peer: from ? peer(from) : undefined, stale: false, receivedAt: 0 };
}

const v6prefix = ipv6Key(Uint8Array.from([0xfd, 0x77, 0x02, 0, ...Array(12).fill(0)]), 0, 48);

describe('kernel routes from the Loc-RIB', () => {
  it('routes a BGP path through its next hop and an ECMP set through each distinct one', () => {
    const a = path('10.0.0.2', '10.0.0.2');
    const b = path('10.0.0.3', '10.0.0.3');
    expect(routeTarget(a, [a], KERNEL)).toEqual({ kind: 'unicast', gateways: ['10.0.0.2'] });
    expect(routeTarget(a, [a, b, path('10.0.0.3', '10.0.0.9')], KERNEL)!.gateways).toEqual(['10.0.0.2', '10.0.0.3']);
  });

  it('blackholes an owned block, leaves connected routes to the kernel, and follows blackholeOwned', () => {
    const owned = path('0.0.0.0', undefined, {}, 'static');
    expect(routeTarget(owned, [owned], KERNEL)).toMatchObject({ kind: 'blackhole', gateways: [] });
    expect(routeTarget(owned, [owned], { ...KERNEL, blackholeOwned: false })).toBeUndefined();
    const connected = path('0.0.0.0', undefined, {}, 'connected');
    expect(routeTarget(connected, [connected], KERNEL)).toBeUndefined();
    const staticVia = path('10.0.0.7', undefined, {}, 'static');
    expect(routeTarget(staticVia, [staticVia], KERNEL)!.gateways).toEqual(['10.0.0.7']);
    expect(routeTarget(undefined, [], KERNEL)).toBeUndefined();
  });

  it('gives a link-local next hop the interface of the session it came over (RFC 2545)', () => {
    const zoneOf = (a: string): string | undefined => a.split('%')[1] ?? (a === 'fd77:2::2' ? 'to-frr' : undefined);
    // Only a link-local next hop, from a peer over a link-local session.
    expect(pathGateway(path('fe80::2', 'fe80::2%eth0'), zoneOf)).toBe('fe80::2%eth0');
    // `::` plus the link-local one, from a peer with a global address: the interface comes from the peer's subnet.
    expect(pathGateway(path('::', 'fd77:2::2', { nextHopLinkLocal: 'fe80::1:2' }), zoneOf)).toBe('fe80::1:2%to-frr');
    // A global next hop wins over the link-local one.
    expect(pathGateway(path('fd77:2::2', 'fd77:2::2', { nextHopLinkLocal: 'fe80::1:2' }), zoneOf)).toBe('fd77:2::2');
    // No interface known: no route rather than a wrong one.
    expect(pathGateway(path('fe80::2', 'fd77:9::9'), zoneOf)).toBeUndefined();
    const p = { ...path('fe80::2', 'fe80::2%eth0'), family: 'ipv6-unicast' as const, prefix: v6prefix };
    expect(routeTarget(p, [p], KERNEL, zoneOf)).toEqual({ kind: 'unicast', gateways: ['fe80::2%eth0'] });
  });
});

/** What KernelRoutes asks of the kernel side, recorded: the route each prefix should have. */
class RecordingKernel implements KernelRoutesTarget {
  /** Prefix key → "blackhole" or the gateways. */
  readonly wanted = new Map<PrefixKey, string>();
  readonly targets: RouteTarget[] = [];
  flushes = 0;

  gatewaySetOf(target: RouteTarget): GatewaySet {
    this.targets.push(target);
    return { kind: target.kind, gateways: target.gateways, checked: -1 };
  }

  wantAt(_family: Family, table: PrefixTable, slot: number, set: GatewaySet | undefined): void {
    const key = table.keyOf(slot);
    if (set) this.wanted.set(key, set.kind === 'blackhole' ? 'blackhole' : set.gateways.join(' '));
    else this.wanted.delete(key);
  }

  remove(key: PrefixKey): void {
    this.wanted.delete(key);
  }

  *wantedKeys(): Generator<PrefixKey> {
    yield* this.wanted.keys();
  }

  flush(): void {
    this.flushes++;
  }

  finishStartup(): void {}

  /** The wanted routes as text, sorted. */
  routes(): string[] {
    return [...this.wanted].map(([k, v]) => `${formatPrefixKey(k)} ${v}`).sort();
  }
}

describe('KernelRoutes hand-over from the Loc-RIB slots', () => {
  const fx = pathFixtures();
  const zoneOf = (a: string): string | undefined => (a === 'fd77:2::2' ? 'to-frr' : undefined);

  function setup() {
    const rib = new LocRib({ decision: { ...DEFAULT_DECISION, maxPaths: 2 }, localAs: 65001, routerId: '192.0.2.1', clusterId: '192.0.2.1' });
    const kernel = new RecordingKernel();
    const routes = new KernelRoutes({
      rib, kernel, config: KERNEL, clock: manualClock(), logger: silentLogger, sweepAfter: 120, peers: () => [], deferring: () => false, zoneOf,
    });
    /** What the daemon does once per turn (route-exchange.ts flush): hand the changed slots over, then let the RIB free them. */
    const flush = (): void => {
      for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
        const slots = rib.takeChangedSlots(family);
        if (slots.length) routes.changed(family, slots);
        rib.collect(family, slots);
      }
    };
    return { rib, kernel, routes, flush };
  }

  it('reads compact slots, ECMP entries and owned blocks into routes, and sends the changes', () => {
    const { rib, kernel, flush } = setup();
    const a = fx.peer('10.0.0.2', 65002);
    const b = fx.peer('10.0.0.3', 65002);
    const viaA = fx.attrs({ nextHop: '10.0.0.2' });
    for (const p of ['10.1.0.0/24', '10.1.1.0/24', '10.1.2.0/24']) rib.announce(fx.path(p, viaA, a));
    rib.announce(fx.path('10.2.0.0/24', fx.attrs({ nextHop: '10.0.0.9' }), a));
    // Two equal paths from the same neighbouring AS: an ECMP route.
    rib.announce(fx.path('10.3.0.0/24', viaA, a));
    rib.announce(fx.path('10.3.0.0/24', fx.attrs({ nextHop: '10.0.0.3' }), b));
    // A block this node owns, and a path no route can be made of (its next hop is ours).
    rib.announce(fx.path('10.4.0.0/26', fx.attrs({ nextHop: '0.0.0.0' }), undefined));
    rib.announce(fx.path('10.5.0.0/24', fx.attrs({ nextHop: '0.0.0.0' }), a));
    flush();
    expect(kernel.routes()).toEqual([
      '10.1.0.0/24 10.0.0.2', '10.1.1.0/24 10.0.0.2', '10.1.2.0/24 10.0.0.2', '10.2.0.0/24 10.0.0.9', '10.3.0.0/24 10.0.0.2 10.0.0.3',
      '10.4.0.0/26 blackhole',
    ]);
    expect(kernel.flushes).toBe(1);
    // A run of compact slots with one attribute set and peer asks for its gateway set once, not per route.
    expect(kernel.targets.filter((t) => t.gateways.join() === '10.0.0.2')).toHaveLength(1);

    // The second path goes: the ECMP route shrinks; the first peer withdraws a prefix: its route goes.
    rib.withdraw('ipv4-unicast', key('10.3.0.0/24'), '10.0.0.3', 0);
    rib.withdraw('ipv4-unicast', key('10.1.1.0/24'), '10.0.0.2', 0);
    flush();
    expect(kernel.routes()).toEqual(['10.1.0.0/24 10.0.0.2', '10.1.2.0/24 10.0.0.2', '10.2.0.0/24 10.0.0.9', '10.3.0.0/24 10.0.0.2', '10.4.0.0/26 blackhole']);
  });

  it('gives an IPv6 route with a link-local next hop the interface of its session', () => {
    const { rib, kernel, flush } = setup();
    const frr = fx.peer('fd77:2::2', 65002);
    rib.announce(fx.path('fd77:200::/48', fx.attrs({ nextHop: '::', nextHopLinkLocal: 'fe80::1:2' }), frr));
    rib.announce(fx.path('fd77:300::/48', fx.attrs({ nextHop: 'fd77:2::2' }), frr));
    flush();
    expect(kernel.routes()).toEqual(['fd77:200::/48 fe80::1:2%to-frr', 'fd77:300::/48 fd77:2::2']);
  });

  it('makes the kernel want exactly the Loc-RIB on reset', () => {
    const { rib, kernel, routes } = setup();
    rib.announce(fx.path('10.1.0.0/24', fx.attrs({ nextHop: '10.0.0.2' }), fx.peer('10.0.0.2', 65002)));
    rib.announce(fx.path('10.4.0.0/26', fx.attrs({ nextHop: '0.0.0.0' }), undefined));
    kernel.wanted.set(key('10.9.0.0/24'), '10.0.0.9'); // wanted before, gone from the RIB since
    routes.reset();
    expect(kernel.routes()).toEqual(['10.1.0.0/24 10.0.0.2', '10.4.0.0/26 blackhole']);
  });
});
