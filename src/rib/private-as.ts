/**
 * Remove-private-AS on export to an eBGP peer, as FRR's `neighbor X remove-private-AS [all] [replace-AS]`:
 *
 * - Private ASNs are RFC 6996's: 64512–65534 and 4200000000–4294967294. 65535 and 4294967295 are reserved,
 *   not private (RFC 7300): they stay. (FRR counts 65535 as private; tern follows the RFCs.)
 * - Without `all`, the path is changed only when every AS in it is private (a private AS between public ones
 *   is taken to be deliberate); with `all`, every private AS goes wherever it is.
 * - Without `replaceAs`, private ASes are removed (the path gets shorter; a segment left empty goes); with
 *   it, each is replaced by our AS, so the path keeps its length for the neighbour's decision process.
 * - Kept in every mode: the peer's own AS, even when private, so that its loop detection still sees it
 *   (FRR does the same), and our AS on the session, so that what an export policy prepended stays (FRR
 *   removes before its outbound route-map prepends; tern's policy runs first, see export.ts).
 * - Confederation segments (RFC 5065) are neither looked at nor changed.
 *
 * Runs on the path before our AS is prepended. Pure: returns the argument itself when nothing changes, else a
 * new array whose unchanged segments are shared with the argument.
 */
import type { AsPathSegment } from './types.js';

/** The configured mode: FRR's `remove-private-AS`, `... all`, `... replace-AS`, `... all replace-AS`. */
export interface RemovePrivateAs {
  readonly all: boolean;
  readonly replaceAs: boolean;
}

/** The mode for one session: what the peer's AS and our AS on that session are. */
export interface PrivateAsRemoval extends RemovePrivateAs {
  readonly localAs: number;
  readonly peerAs: number;
}

/** RFC 6996 §5: 64512–65534 (2-octet) and 4200000000–4294967294 (4-octet). */
export function isPrivateAs(asn: number): boolean {
  return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294);
}

function isConfed(s: AsPathSegment): boolean {
  return s.type === 'confed-sequence' || s.type === 'confed-set';
}

/** Whether every AS outside the confederation segments is private (false for a path with none). */
function onlyPrivate(path: readonly AsPathSegment[]): boolean {
  let any = false;
  for (const s of path) {
    if (isConfed(s)) continue;
    for (const asn of s.asns) {
      if (!isPrivateAs(asn)) return false;
      any = true;
    }
  }
  return any;
}

export function removePrivateAs(path: readonly AsPathSegment[], r: PrivateAsRemoval): readonly AsPathSegment[] {
  if (!r.all && !onlyPrivate(path)) return path;
  const goes = (asn: number) => isPrivateAs(asn) && asn !== r.peerAs && asn !== r.localAs;
  if (!path.some((s) => !isConfed(s) && s.asns.some(goes))) return path;
  const out: AsPathSegment[] = [];
  for (const s of path) {
    if (isConfed(s) || !s.asns.some(goes)) {
      out.push(s);
    } else if (r.replaceAs) {
      out.push({ type: s.type, asns: s.asns.map((asn) => (goes(asn) ? r.localAs : asn)) });
    } else {
      const kept = s.asns.filter((asn) => !goes(asn));
      if (kept.length > 0) out.push({ type: s.type, asns: kept });
    }
  }
  return out;
}
