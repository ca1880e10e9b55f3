/** Which Loc-RIB paths become which kernel routes (src/daemon/kernel-routes.ts). */
import { describe, expect, it } from 'vitest';
import { ipv4Key, ipv6Key } from '../../src/common/prefix-key.js';
import { parseConfig } from '../../src/config/load.js';
import { pathGateway, wantedRoute } from '../../src/daemon/kernel-routes.js';
import { AttributeStore } from '../../src/rib/attribute-store.js';
import type { Path, PathAttributes, PeerRef } from '../../src/rib/types.js';

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
    expect(wantedRoute(a.prefix, a, [a], KERNEL)).toEqual({ key: a.prefix, kind: 'unicast', gateways: ['10.0.0.2'] });
    expect(wantedRoute(a.prefix, a, [a, b, path('10.0.0.3', '10.0.0.9')], KERNEL)!.gateways).toEqual(['10.0.0.2', '10.0.0.3']);
  });

  it('blackholes an owned block, leaves connected routes to the kernel, and follows blackholeOwned', () => {
    const owned = path('0.0.0.0', undefined, {}, 'static');
    expect(wantedRoute(owned.prefix, owned, [owned], KERNEL)).toMatchObject({ kind: 'blackhole', gateways: [] });
    expect(wantedRoute(owned.prefix, owned, [owned], { ...KERNEL, blackholeOwned: false })).toBeUndefined();
    const connected = path('0.0.0.0', undefined, {}, 'connected');
    expect(wantedRoute(connected.prefix, connected, [connected], KERNEL)).toBeUndefined();
    const staticVia = path('10.0.0.7', undefined, {}, 'static');
    expect(wantedRoute(staticVia.prefix, staticVia, [staticVia], KERNEL)!.gateways).toEqual(['10.0.0.7']);
    expect(wantedRoute(staticVia.prefix, undefined, [], KERNEL)).toBeUndefined();
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
    expect(wantedRoute(v6prefix, p, [p], KERNEL, zoneOf)).toEqual({ key: v6prefix, kind: 'unicast', gateways: ['fe80::2%eth0'] });
  });
});
