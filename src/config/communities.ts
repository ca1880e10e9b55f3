/**
 * Communities as the configuration writes them: RFC 1997 `ASN:VALUE` (each 0..65535) or a well-known name,
 * RFC 8092 large communities `GLOBAL:LOCAL1:LOCAL2` (each 0..4294967295); in match and remove lists a part
 * may be `*` (any value). Parsing gives a value and a mask (a wildcard half has mask 0), or the message.
 */
import { describeValue } from './describe-value.js';

/** Well-known communities (IANA "BGP Well-known Communities"), by the names FRR and BIRD users know. */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = Object.freeze({
  'graceful-shutdown': 0xffff0000, // RFC 8326
  'accept-own': 0xffff0001, // RFC 7611
  'llgr-stale': 0xffff0006, // RFC 9494
  'no-llgr': 0xffff0007, // RFC 9494
  blackhole: 0xffff029a, // RFC 7999
  'no-export': 0xffffff01, // RFC 1997
  'no-advertise': 0xffffff02, // RFC 1997
  'no-export-subconfed': 0xffffff03, // RFC 1997
  'no-peer': 0xffffff04, // RFC 3765
});

export interface CommunityPatternConfig {
  readonly value: number;
  readonly mask: number;
}

export interface LargeCommunityPatternConfig {
  readonly global?: number;
  readonly local1?: number;
  readonly local2?: number;
}

function part(text: string, max: number, wildcard: boolean): number | null | undefined {
  if (wildcard && text === '*') return null;
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/** A community or, with `wildcard`, a pattern; a string is the message for what is wrong. */
export function parseCommunity(text: string, wildcard: boolean): CommunityPatternConfig | string {
  const known = WELL_KNOWN_COMMUNITIES[text];
  if (known !== undefined) return { value: known, mask: 0xffffffff };
  const bad = `expected a community ASN:VALUE (both 0..65535${wildcard ? ', or *' : ''}) or a well-known name (${Object.keys(WELL_KNOWN_COMMUNITIES).join(', ')}), got ${describeValue(text)}`;
  const halves = text.split(':');
  if (halves.length !== 2) return bad;
  const hi = part(halves[0]!, 0xffff, wildcard);
  const lo = part(halves[1]!, 0xffff, wildcard);
  if (hi === undefined || lo === undefined) return bad;
  const mask = ((hi === null ? 0 : 0xffff0000) | (lo === null ? 0 : 0xffff)) >>> 0;
  return { value: ((((hi ?? 0) << 16) | (lo ?? 0)) & mask) >>> 0, mask };
}

/** A large community or, with `wildcard`, a pattern (absent parts match anything). */
export function parseLargeCommunity(text: string, wildcard: boolean): LargeCommunityPatternConfig | string {
  const parts = text.split(':');
  const values = parts.length === 3 ? parts.map((p) => part(p, 0xffffffff, wildcard)) : [];
  if (values.length !== 3 || values.includes(undefined)) {
    return `expected a large community GLOBAL:LOCAL1:LOCAL2 (each 0..4294967295${wildcard ? ', or *' : ''}), got ${describeValue(text)}`;
  }
  const [global, local1, local2] = values as (number | null)[];
  return {
    ...(global !== null && { global }),
    ...(local1 !== null && { local1 }),
    ...(local2 !== null && { local2 }),
  };
}
