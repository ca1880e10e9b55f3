/**
 * Connected subnets of the configured interfaces as local routes (BIRD's `protocol direct` on `br0` in
 * ../shared/LAB.md), tagged `connected` so policy can match on them and the kernel never gets them back.
 * They follow the live interface table: an address added, removed, or its interface going down changes them.
 */
import ipaddr from 'ipaddr.js';
import type { ConnectedRoutesConfig } from '../config/schema.js';
import type { InterfaceTable } from '../kernel/interfaces.js';
import type { AttributeStore } from '../rib/attribute-store.js';
import type { LocRib } from '../rib/loc-rib.js';
import type { Path } from '../rib/types.js';
import { staticPath } from './static-routes.js';

/** The connected prefixes of the named interfaces that are up (IPv6 link-local subnets excluded). */
export function connectedPrefixes(table: InterfaceTable, names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const name of names) {
    const link = table.linkByName(name);
    if (!link?.up) continue;
    for (const a of table.addresses(link.ifindex)) {
      const addr = ipaddr.parse(a.address);
      if (addr.kind() === 'ipv6' && addr.range() === 'linkLocal') continue;
      const network = a.version === 4 ? ipaddr.IPv4.networkAddressFromCIDR(`${a.address}/${a.prefixLen}`) : ipaddr.IPv6.networkAddressFromCIDR(`${a.address}/${a.prefixLen}`);
      out.add(`${network.toString()}/${a.prefixLen}`);
    }
  }
  return [...out].sort();
}

export class ConnectedRoutes {
  private current = new Map<string, Path>();

  constructor(
    private readonly config: ConnectedRoutesConfig,
    private readonly deps: { table: InterfaceTable; rib: LocRib; store: AttributeStore; now: () => number; changed: () => void },
  ) {}

  /** Recompute from the interface table; announces new subnets and withdraws vanished ones. */
  refresh(): void {
    const { rib, store } = this.deps;
    const wanted = new Set(connectedPrefixes(this.deps.table, this.config.interfaces));
    let changed = false;
    for (const [prefix, path] of this.current) {
      if (wanted.has(prefix)) continue;
      rib.withdraw(path.family, path.prefix, undefined, 0, 'connected');
      this.current.delete(prefix);
      changed = true;
    }
    for (const prefix of wanted) {
      if (this.current.has(prefix)) continue;
      const path: Path = { ...staticPath({ prefix, communities: this.config.communities }, store, this.deps.now()), source: 'connected' };
      rib.announce(path);
      this.current.set(prefix, path);
      changed = true;
    }
    if (changed) this.deps.changed();
  }

  prefixes(): string[] {
    return [...this.current.keys()];
  }
}
