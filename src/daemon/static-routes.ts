/**
 * Routes this node originates from configuration (BIRD's `protocol static`): each becomes a local path in the
 * Loc-RIB, tagged `static` so policy can match on it, with an empty AS path, ORIGIN IGP, and next hop self
 * unless the config names one.
 */
import type { StaticRouteConfig } from '../config/schema.js';
import type { AttributeStore } from '../rib/attribute-store.js';
import { NONE } from '../rib/attribute-set.js';
import type { LocRib } from '../rib/loc-rib.js';
import { prefixKeyFromText } from '../common/prefix-key.js';
import type { Path } from '../rib/types.js';

export function staticPath(route: StaticRouteConfig, store: AttributeStore, now: number): Path {
  const parsed = prefixKeyFromText(route.prefix);
  if (!parsed) throw new Error(`not a prefix: ${route.prefix}`); // the config schema has checked it
  const v4 = parsed.family === 'ipv4-unicast';
  const prefix = parsed.key;
  const attrs = store.internContent({
    origin: 0,
    asPath: NONE,
    nextHop: route.nextHop ?? (v4 ? '0.0.0.0' : '::'),
    atomicAggregate: false,
    communities: route.communities.map((c) => {
      const [hi, lo] = c.split(':').map(Number);
      return ((hi! << 16) | lo!) >>> 0;
    }),
    largeCommunities: NONE,
    extendedCommunities: NONE,
    clusterList: NONE,
    unknown: NONE,
  });
  return { family: parsed.family, prefix, pathId: 0, attrs, source: 'static', peer: undefined, stale: false, receivedAt: now };
}

export function originateStatic(routes: readonly StaticRouteConfig[], rib: LocRib, store: AttributeStore, now: number): void {
  for (const r of routes) rib.announce(staticPath(r, store, now));
}
