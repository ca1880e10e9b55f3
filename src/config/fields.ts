/**
 * Field schemas shared by the configuration's sections (schema.ts, policy-schema.ts): numbers in a range,
 * booleans, addresses, prefixes, AS numbers, families, mappings, each with an "expected <what>, got <value>"
 * message. Positions are the loader's business (load.ts).
 */
import * as z from 'zod';
import { checkAddress, parsePrefix } from './addresses.js';
import { describeValue } from './describe-value.js';

export const FAMILY_NAMES = ['ipv4-unicast', 'ipv6-unicast'] as const;
/** The same names as `FamilyName` in src/bgp/wire/family.ts. */
export type FamilyName = (typeof FAMILY_NAMES)[number];

export const MAX_AS = 4294967295;

interface IssueInput {
  readonly input?: unknown;
}

/**
 * An error map that says "expected <what>, got <value>" for any issue of the schema it is attached to. It
 * leaves a missing value (`undefined`) to the loader, which reports it as a missing required key.
 */
export function expected(what: string): (iss: IssueInput) => string | undefined {
  return (iss) => (iss.input === undefined ? undefined : `expected ${what}, got ${describeValue(iss.input)}`);
}

export function intIn(lo: number, hi: number, what: string) {
  const error = expected(what);
  return z.number({ error }).int({ error }).min(lo, { error }).max(hi, { error });
}

export function bool() {
  return z.boolean({ error: expected('true or false') });
}

export const ipAddressSchema = z.string({ error: expected('an IPv4 or IPv6 address') }).transform((s, ctx) => {
  const r = checkAddress(s);
  if (typeof r === 'string') {
    ctx.issues.push({ code: 'custom', message: r, input: s });
    return z.NEVER;
  }
  return r.text;
});

export const prefixSchema = z.string({ error: expected('an IPv4 or IPv6 prefix such as 10.0.0.0/8') }).transform((s, ctx) => {
  const r = parsePrefix(s);
  if (typeof r === 'string') {
    ctx.issues.push({ code: 'custom', message: r, input: s });
    return z.NEVER;
  }
  return r.text;
});

export const asNumberSchema = intIn(1, MAX_AS, `an AS number 1..${MAX_AS}`);

export const familySchema = z.enum(FAMILY_NAMES, { error: expected(FAMILY_NAMES.join(' or ')) });
export const mapping = (what: string) => ({ error: expected(`a mapping of ${what}`) });
