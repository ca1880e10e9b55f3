/** Paths, attribute sets and peers for RIB unit tests, interned in one store per test file. */
import { AttributeStore } from '../../src/rib/attribute-store.js';
import { addressKeyOf, prefixKeyFromText, type PrefixKey } from '../../src/common/prefix-key.js';
import type { Path, PathAttributes, PeerRef } from '../../src/rib/types.js';

export function pathFixtures(store = new AttributeStore()) {
  function attrs(over: Partial<PathAttributes> = {}): PathAttributes {
    return store.internContent({
      origin: 0, asPath: [{ type: 'sequence', asns: [65002] }], nextHop: '192.0.2.2', atomicAggregate: false,
      communities: [], largeCommunities: [], extendedCommunities: [], clusterList: [], unknown: [], ...over,
    });
  }
  function peer(address: string, asn: number, over: Partial<PeerRef> = {}): PeerRef {
    return { key: address, address, addressKey: address, asn, localAs: 65001, routerId: '192.0.2.99', ibgp: asn === 65001, rrClient: false, ...over };
  }
  /** A path for `prefix` (text); from `from` (a BGP path) or local (`static`) when undefined. */
  function path(prefix: string, a: PathAttributes, from: PeerRef | undefined, over: Partial<Path> = {}): Path {
    const k = prefixKeyFromText(prefix);
    if (!k) throw new Error(`bad prefix ${prefix}`);
    return { family: k.family, prefix: k.key, pathId: 0, attrs: a, source: from ? 'bgp' : 'static', peer: from, stale: false, receivedAt: 0, ...over };
  }
  return { store, attrs, peer, path };
}

/** The prefix key of a prefix in text (throws on bad input). */
export function key(prefix: string): PrefixKey {
  const k = prefixKeyFromText(prefix) ?? addressKeyOf(prefix);
  if (!k) throw new Error(`bad prefix ${prefix}`);
  return k.key;
}
