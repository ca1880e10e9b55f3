/**
 * Routes this node originates from configuration (BIRD's `protocol static`): each becomes a local path in the
 * Loc-RIB, tagged `static` so policy can match on it, with an empty AS path, ORIGIN IGP, and next hop self
 * unless the config names one.
 */
import ipaddr from 'ipaddr.js';
import type { StaticRouteConfig } from '../config/schema.js';
import type { AttributeStore } from '../rib/attribute-store.js';
import type { LocRib } from '../rib/loc-rib.js';
import { ipv4Key, ipv6Key } from '../rib/prefix.js';
import type { Path } from '../rib/types.js';

export function staticPath(route: StaticRouteConfig, store: AttributeStore, now: number): Path {
  const [addr, length] = ipaddr.parseCIDR(route.prefix);
  const bytes = Uint8Array.from(addr.toByteArray());
  const v4 = addr.kind() === 'ipv4';
  const prefix = v4 ? ipv4Key(((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0, length) : ipv6Key(bytes, 0, length);
  const attrs = store.internContent({
    origin: 0,
    asPath: [],
    nextHop: route.nextHop ?? (v4 ? '0.0.0.0' : '::'),
    atomicAggregate: false,
    communities: route.communities.map((c) => {
      const [hi, lo] = c.split(':').map(Number);
      return ((hi! << 16) | lo!) >>> 0;
    }),
    largeCommunities: [],
    extendedCommunities: [],
    clusterList: [],
    unknown: [],
  });
  return { family: v4 ? 'ipv4-unicast' : 'ipv6-unicast', prefix, pathId: 0, attrs, source: 'static', peer: undefined, stale: false, receivedAt: now };
}

export function originateStatic(routes: readonly StaticRouteConfig[], rib: LocRib, store: AttributeStore, now: number): void {
  for (const r of routes) rib.announce(staticPath(r, store, now));
}
