/**
 * Connected subnets of the configured interfaces as local routes (BIRD's `protocol direct` on `br0` in
 * ../shared/LAB.md), tagged `connected` so policy can match on them and the kernel never gets them back.
 * They follow the live interface table: an address added, removed, or its interface going down changes them.
 * Each carries its interface (`Path.interface`), so policy can match on the device (Calico's tunnel rule).
 */
import ipaddr from 'ipaddr.js';
import type { ConnectedRoutesConfig } from '../config/schema.js';
import type { InterfaceTable } from '../kernel/interfaces.js';
import type { AttributeStore } from '../rib/attribute-store.js';
import type { LocRib } from '../rib/loc-rib.js';
import type { Path } from '../rib/types.js';
import { staticPath } from './static-routes.js';

/**
 * The connected prefixes of the named interfaces that are up (IPv6 link-local subnets excluded), sorted, each
 * with its interface (the first one named, when two carry the same subnet).
 */
export function connectedPrefixes(table: InterfaceTable, names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of names) {
    const link = table.linkByName(name);
    if (!link?.up) continue;
    for (const a of table.addresses(link.ifindex)) {
      const addr = ipaddr.parse(a.address);
      if (addr.kind() === 'ipv6' && addr.range() === 'linkLocal') continue;
      const network = a.version === 4 ? ipaddr.IPv4.networkAddressFromCIDR(`${a.address}/${a.prefixLen}`) : ipaddr.IPv6.networkAddressFromCIDR(`${a.address}/${a.prefixLen}`);
      const prefix = `${network.toString()}/${a.prefixLen}`;
      if (!out.has(prefix)) out.set(prefix, name);
    }
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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
    const wanted = connectedPrefixes(this.deps.table, this.config.interfaces);
    let changed = false;
    for (const [prefix, path] of this.current) {
      if (wanted.get(prefix) === path.interface) continue;
      rib.withdraw(path.family, path.prefix, undefined, 0, 'connected');
      this.current.delete(prefix);
      changed = true;
    }
    for (const [prefix, ifname] of wanted) {
      if (this.current.has(prefix)) continue;
      const path: Path = { ...staticPath({ prefix, communities: this.config.communities }, store, this.deps.now()), source: 'connected', interface: ifname };
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
