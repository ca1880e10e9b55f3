/**
 * Address families the codec understands, as a descriptor table (one row per AFI/SAFI, as BIRD does).
 * A family not in the table is still carried: its NLRI stay opaque bytes and re-encode unchanged.
 */

export type FamilyName = 'ipv4-unicast' | 'ipv6-unicast';

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
export const Safi = { UNICAST: 1 } as const;

export const IPV4_UNICAST: Family = { name: 'ipv4-unicast', afi: 1, safi: 1, addressBytes: 4, maxBits: 32 };
export const IPV6_UNICAST: Family = { name: 'ipv6-unicast', afi: 2, safi: 1, addressBytes: 16, maxBits: 128 };

export const FAMILIES: readonly Family[] = [IPV4_UNICAST, IPV6_UNICAST];

export function familyOf(afi: number, safi: number): Family | undefined {
  if (safi !== 1) return undefined;
  return afi === 1 ? IPV4_UNICAST : afi === 2 ? IPV6_UNICAST : undefined;
}

export function familyByName(name: string): Family | undefined {
  return FAMILIES.find((f) => f.name === name);
}

export function isFamilyName(name: string): name is FamilyName {
  return familyByName(name) !== undefined;
}
