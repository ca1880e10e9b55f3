/**
 * The path attribute descriptor table: one row per attribute the codec understands, looked up by type code
 * on decode and by `type` on encode. Adding an attribute is adding a row.
 */
import { asPath, as4Path } from './as-path.js';
import { aggregator, as4Aggregator, atomicAggregate, clusterList, localPref, med, nextHop, origin, originatorId, otc } from './basic.js';
import { communities, extendedCommunities, largeCommunities } from './communities.js';
import type { AttributeDescriptor } from './descriptor.js';
import { mpReach, mpUnreach } from './multiprotocol.js';
import type { KnownAttribute } from './types.js';

// The rows are typed per attribute; the table erases that to the common descriptor shape.
const ROWS = [
  origin, asPath, nextHop, med, localPref, atomicAggregate, aggregator, communities, originatorId, clusterList,
  mpReach, mpUnreach, extendedCommunities, as4Path, as4Aggregator, largeCommunities, otc,
] as unknown as readonly AttributeDescriptor[];

const BY_CODE: readonly (AttributeDescriptor | undefined)[] = (() => {
  const table: (AttributeDescriptor | undefined)[] = new Array(256).fill(undefined);
  for (const row of ROWS) table[row.code] = row;
  return table;
})();

const BY_TYPE: ReadonlyMap<string, AttributeDescriptor> = new Map(ROWS.map((r) => [r.type, r]));

export function descriptorForCode(code: number): AttributeDescriptor | undefined {
  return BY_CODE[code];
}

export function descriptorForType(type: KnownAttribute['type']): AttributeDescriptor {
  return BY_TYPE.get(type)!;
}

/** IANA name of an attribute type code, e.g. LOCAL_PREF; `ATTR_<n>` when the codec does not know it. */
export function attributeName(code: number): string {
  return BY_CODE[code]?.name ?? `ATTR_${code}`;
}

/** The flags octet the codec writes for a fresh attribute of a known type (optional/transitive bits). */
export function defaultFlags(type: KnownAttribute['type']): number {
  const d = descriptorForType(type);
  return (d.optional ? 0x80 : 0) | (d.transitive ? 0x40 : 0);
}
