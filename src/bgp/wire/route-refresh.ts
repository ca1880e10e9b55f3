/**
 * ROUTE-REFRESH (RFC 2918 §3) with the RFC 7313 §3.2 message subtype in the old reserved octet:
 * 0 normal request, 1 Beginning of Route Refresh, 2 End of Route Refresh. Octets after the 4 fixed ones are
 * RFC 5291 ORF entries, kept as bytes; with BoRR/EoRR they are an error (RFC 7313 §5, code 7 subcode 1).
 */
import type { Writer } from './writer.js';
import { readU16 } from './reader.js';

export type RouteRefreshSubtype = 'normal' | 'borr' | 'eorr' | 'reserved';

export interface RouteRefreshMessage {
  readonly type: 'ROUTE-REFRESH';
  readonly afi: number;
  readonly safi: number;
  /** The raw subtype octet (RFC 7313); other values than 0..2 must be ignored by the receiver. */
  readonly subtype: number;
  /** RFC 5291 ORF entries, as bytes. */
  readonly orf: Uint8Array;
}

export function routeRefreshSubtype(m: RouteRefreshMessage): RouteRefreshSubtype {
  return (['normal', 'borr', 'eorr'] as const)[m.subtype] ?? 'reserved';
}

export function decodeRouteRefresh(body: Uint8Array): RouteRefreshMessage {
  return { type: 'ROUTE-REFRESH', afi: readU16(body, 0), subtype: body[2]!, safi: body[3]!, orf: body.slice(4) };
}

export function encodeRouteRefresh(w: Writer, m: RouteRefreshMessage): void {
  w.u16(m.afi).u8(m.subtype).u8(m.safi).bytes(m.orf);
}
