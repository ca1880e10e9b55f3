/**
 * The link between an UPDATE's NLRI and a peer's pre-policy Adj-RIB-In (src/rib/adj-rib-in.ts, soft
 * reconfiguration inbound): the prefixes of one NLRI list as announced with `attrs`, or as withdrawn. A pass
 * of its own over the list, so the import hot path stays as it is and peers that keep nothing pay nothing.
 */
import type { AdjRibIn } from '../rib/adj-rib-in.js';
import { ipv4Key, ipv6Key, type Family } from '../common/prefix-key.js';
import type { PathAttributes } from '../rib/types.js';
import { forEachIPv4, forEachPrefix, type NlriList } from '../bgp/wire/index.js';

/** Record the list's prefixes as announced with `attrs` (interned; the table takes its own references), or withdrawn. */
export function keepReceived(table: AdjRibIn, family: Family, list: NlriList, attrs?: PathAttributes): void {
  if (family === 'ipv4-unicast') {
    forEachIPv4(list, (addr, len, pathId) => {
      if (attrs) table.announce(family, ipv4Key(addr, len), pathId, attrs);
      else table.withdraw(family, ipv4Key(addr, len), pathId);
    });
  } else {
    forEachPrefix(list, (bytes, off, len, pathId) => {
      if (attrs) table.announce(family, ipv6Key(bytes, off, len), pathId, attrs);
      else table.withdraw(family, ipv6Key(bytes, off, len), pathId);
    });
  }
}
