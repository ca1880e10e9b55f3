/**
 * Address families the codec understands, as a descriptor table (one row per AFI/SAFI, as BIRD does).
 * A family not in the table is still carried: its NLRI stay opaque bytes and re-encode unchanged.
 */

export type FamilyName = 'ipv4-unicast' | 'ipv6-unicast' | 'ipv4-multicast' | 'ipv6-multicast';

export interface Family {
  readonly name: FamilyName;
  readonly afi: number;
  readonly safi: number;
  /** Octets of a full address. */
  readonly addressBytes: 4 | 16;
  /** The longest valid prefix length. */
  readonly maxBits: 32 | 128;
}

export const Afi = { IPV4: 1, IPV6: 2 } as const;
export const Safi = { UNICAST: 1, MULTICAST: 2 } as const;

export const IPV4_UNICAST: Family = { name: 'ipv4-unicast', afi: 1, safi: 1, addressBytes: 4, maxBits: 32 };
export const IPV6_UNICAST: Family = { name: 'ipv6-unicast', afi: 2, safi: 1, addressBytes: 16, maxBits: 128 };

/** RFC 4760 multicast SAFI: same NLRI encoding; decoded and shown, not routed by tern. */
export const IPV4_MULTICAST: Family = { name: 'ipv4-multicast', afi: 1, safi: 2, addressBytes: 4, maxBits: 32 };
export const IPV6_MULTICAST: Family = { name: 'ipv6-multicast', afi: 2, safi: 2, addressBytes: 16, maxBits: 128 };

export const FAMILIES: readonly Family[] = [IPV4_UNICAST, IPV6_UNICAST, IPV4_MULTICAST, IPV6_MULTICAST];

export function familyOf(afi: number, safi: number): Family | undefined {
  if (safi !== 1 && safi !== 2) return undefined;
  if (afi === 1) return safi === 1 ? IPV4_UNICAST : IPV4_MULTICAST;
  if (afi === 2) return safi === 1 ? IPV6_UNICAST : IPV6_MULTICAST;
  return undefined;
}

export function familyByName(name: string): Family | undefined {
  return FAMILIES.find((f) => f.name === name);
}

export function isFamilyName(name: string): name is FamilyName {
  return familyByName(name) !== undefined;
}
