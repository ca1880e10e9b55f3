/**
 * The policy sections of the configuration: `prefixSets` (name → entries) and `policies` (name → ordered
 * terms), and the checks of names that peers and terms refer to. What the terms mean is documented in
 * src/rib/policy/types.ts and the README; this file only says what may be written.
 *
 * ```yaml
 * prefixSets:
 *   pool: [10.244.0.0/16]
 *   blocks: [{ prefix: 10.244.0.0/16, ge: 26, le: 26 }]
 * policies:
 *   to-leaf:
 *     - name: blocks
 *       match: { prefix: [blocks], source: [ipam, static] }
 *       set: { communities: { add: [65001:100] } }
 *       action: accept
 * ```
 *
 * A prefix entry is `P` (exactly P), or `{ prefix: P, ge, le }`: prefixes inside P with a length in a range
 * (`resolveRange`). In a term's `prefix` list a string with a "/" is an entry, any other string names a
 * prefix set.
 */
import * as z from 'zod';
import { checkAddress, parseIpAddress, parsePrefix } from './addresses.js';
import { parseCommunity, parseLargeCommunity, type CommunityPatternConfig, type LargeCommunityPatternConfig } from './communities.js';
import { describeValue } from './describe-value.js';
import { asNumberSchema, expected, familySchema, intIn, mapping, prefixSchema } from './fields.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const U32 = 4294967295;

export function nameSchema(what: string) {
  return z.string({ error: expected(`a ${what} name`) }).regex(NAME, {
    error: expected(`a ${what} name of letters, digits, "_", "-" and "." that starts with a letter or "_"`),
  });
}

function list<T extends z.ZodType>(item: T, what: string) {
  return z.array(item, { error: expected(`a list of ${what}`) }).min(1, { error: `expected at least one of ${what}` });
}

// ---------------------------------------------------------------------------------------------------------
// Prefix entries

export interface PrefixEntryConfig {
  /** Canonical prefix text. */
  readonly prefix: string;
  readonly ge: number;
  readonly le: number;
}

const prefixLength = intIn(0, 128, 'a prefix length 0..128');

/**
 * ge/le as in FRR's prefix lists: neither: exactly the prefix; `le` only: from the prefix's length to `le`;
 * `ge` only: from `ge` to the family's maximum; both: from `ge` to `le`.
 */
function resolveRange(length: number, bits: number, ge: number | undefined, le: number | undefined): { ge: number; le: number } {
  if (ge === undefined && le === undefined) return { ge: length, le: length };
  return { ge: ge ?? length, le: le ?? bits };
}

const prefixEntryObject = z
  .strictObject({ prefix: prefixSchema, ge: prefixLength.optional(), le: prefixLength.optional() }, mapping('a prefix entry (prefix, ge, le)'))
  .transform((e, ctx): PrefixEntryConfig => {
    const p = parsePrefix(e.prefix);
    if (typeof p === 'string') return z.NEVER; // reported by prefixSchema
    const bits = p.family === 4 ? 32 : 128;
    const r = resolveRange(p.length, bits, e.ge, e.le);
    const issue = (key: 'ge' | 'le', message: string) => ctx.issues.push({ code: 'custom', path: [key], message, input: e[key] });
    if (e.ge !== undefined && (e.ge < p.length || e.ge > bits)) issue('ge', `ge ${e.ge} must lie between the prefix length ${p.length} and ${bits}`);
    else if (e.le !== undefined && (e.le < r.ge || e.le > bits)) issue('le', `le ${e.le} must lie between ${r.ge === p.length ? 'the prefix length' : 'ge'} ${r.ge} and ${bits}`);
    return { prefix: p.text, ...r };
  });

interface TransformContext {
  readonly issues: z.core.$ZodRawIssue[];
}

/** The entry for exactly the prefix `text`, or the issue saying what is wrong with it. */
function entryOfText(text: string, ctx: TransformContext): PrefixEntryConfig {
  const p = parsePrefix(text);
  if (typeof p === 'string') {
    ctx.issues.push({ code: 'custom', message: p, input: text });
    return z.NEVER;
  }
  return { prefix: p.text, ge: p.length, le: p.length };
}

const prefixEntryText = z.string({ error: expected('a prefix such as 10.0.0.0/8') }).transform(entryOfText);

const prefixEntrySchema = z.union([prefixEntryText, prefixEntryObject], {
  error: expected('a prefix, or a mapping with prefix, ge and le'),
});

/** An item of a term's `prefix` list: a prefix set by name, or an entry. */
export type PrefixItemConfig = { readonly set: string } | PrefixEntryConfig;

const prefixItemText = z.string().transform((s, ctx): PrefixItemConfig => {
  if (!s.includes('/')) {
    if (NAME.test(s)) return { set: s };
    ctx.issues.push({ code: 'custom', message: `expected a prefix set name or a prefix with its length (such as 10.0.0.0/8), got ${describeValue(s)}`, input: s });
    return z.NEVER;
  }
  return entryOfText(s, ctx);
});

const prefixItemSchema = z.union([prefixItemText, prefixEntryObject], {
  error: expected('a prefix set name, a prefix, or a mapping with prefix, ge and le'),
});

// ---------------------------------------------------------------------------------------------------------
// Match

/** An address or a prefix: an address is its host prefix (/32, /128); a link-local zone is dropped. */
const addressOrPrefix = z.string({ error: expected('an address or a prefix') }).transform((s, ctx) => {
  if (s.includes('/')) {
    const p = parsePrefix(s);
    if (typeof p !== 'string') return p.text;
    ctx.issues.push({ code: 'custom', message: p, input: s });
    return z.NEVER;
  }
  const a = parseIpAddress(s);
  if (!a) {
    ctx.issues.push({ code: 'custom', message: `expected an address or a prefix, got ${describeValue(s)}`, input: s });
    return z.NEVER;
  }
  const text = a.zone === undefined ? a.text : a.text.slice(0, a.text.indexOf('%'));
  return `${text}/${a.family === 4 ? 32 : 128}`;
});

function communitySchema(wildcard: boolean) {
  return z.string({ error: expected('a community such as 65000:100') }).transform((s, ctx): CommunityPatternConfig => {
    const r = parseCommunity(s, wildcard);
    if (typeof r !== 'string') return r;
    ctx.issues.push({ code: 'custom', message: r, input: s });
    return z.NEVER;
  });
}

function largeCommunitySchema(wildcard: boolean) {
  return z.string({ error: expected('a large community such as 65000:1:2') }).transform((s, ctx): LargeCommunityPatternConfig => {
    const r = parseLargeCommunity(s, wildcard);
    if (typeof r !== 'string') return r;
    ctx.issues.push({ code: 'custom', message: r, input: s });
    return z.NEVER;
  });
}

export interface SetMatchConfig<T> {
  readonly any?: T[];
  readonly all?: T[];
}

/** A list (any of these) or `{ any: [...], all: [...] }`. */
function setMatchSchema<T extends z.ZodType>(item: T, what: string) {
  return z
    .union([
      list(item, what),
      z.strictObject({ any: list(item, what).optional(), all: list(item, what).optional() }, mapping('any and all')),
    ], { error: expected(`a list of ${what}, or a mapping with any and all`) })
    .transform((v): SetMatchConfig<z.output<T>> => (Array.isArray(v) ? { any: v } : v));
}

const asPathMatchSchema = z
  .strictObject(
    {
      contains: list(asNumberSchema, 'AS numbers').optional(),
      originAs: list(asNumberSchema, 'AS numbers').optional(),
      length: z
        .strictObject({ min: intIn(0, 4096, 'a length 0..4096').optional(), max: intIn(0, 4096, 'a length 0..4096').optional() }, mapping('min and max'))
        .refine((l) => l.min === undefined || l.max === undefined || l.min <= l.max, { error: 'min must not exceed max', path: ['max'] })
        .optional(),
    },
    mapping('contains, originAs and length'),
  );

export const ROUTE_SOURCES = ['bgp', 'static', 'connected', 'ipam'] as const;

const sourceSchema = z.enum(ROUTE_SOURCES, { error: expected(ROUTE_SOURCES.join(', ')) });

/** Interface names (at most 15 characters, IFNAMSIZ) with `*` and `?` wildcards. */
const interfacePattern = z
  .string({ error: expected('an interface name or pattern') })
  .regex(/^[A-Za-z0-9_.:@*?-]{1,64}$/, { error: expected('an interface name or pattern (letters, digits, _.:@-, and * or ?)') });

const matchSchema = z.strictObject(
  {
    prefix: list(prefixItemSchema, 'prefix set names or prefixes').optional(),
    family: list(familySchema, 'families').optional(),
    neighbor: z
      .strictObject({ address: list(addressOrPrefix, 'addresses or prefixes').optional(), asn: list(asNumberSchema, 'AS numbers').optional() }, mapping('address and asn'))
      .optional(),
    communities: setMatchSchema(communitySchema(true), 'communities').optional(),
    largeCommunities: setMatchSchema(largeCommunitySchema(true), 'large communities').optional(),
    asPath: asPathMatchSchema.optional(),
    nextHop: list(addressOrPrefix, 'addresses or prefixes').optional(),
    source: list(sourceSchema, 'route sources').optional(),
    interface: list(interfacePattern, 'interface names or patterns').optional(),
  },
  mapping('match conditions'),
);

// ---------------------------------------------------------------------------------------------------------
// Set and action

const nextHopSchema = z.string({ error: expected('self or an address') }).transform((s, ctx) => {
  if (s === 'self') return s;
  const a = checkAddress(s);
  if (typeof a === 'string' || a.linkLocal) {
    ctx.issues.push({ code: 'custom', message: `expected self or a global address, got ${describeValue(s)}`, input: s });
    return z.NEVER;
  }
  return a.text;
});

const prependSchema = z
  .union([
    intIn(1, 32, 'a prepend count 1..32'),
    z.strictObject({ asn: asNumberSchema.optional(), times: intIn(1, 32, 'a prepend count 1..32').optional() }, mapping('asn and times')),
  ], { error: expected('a prepend count 1..32, or a mapping with asn and times') })
  .transform((v): { asn: number | 'own'; times: number } => (typeof v === 'number' ? { asn: 'own', times: v } : { asn: v.asn ?? 'own', times: v.times ?? 1 }));

const setSchema = z.strictObject(
  {
    localPref: intIn(0, U32, `a LOCAL_PREF 0..${U32}`).optional(),
    med: intIn(0, U32, `a MED 0..${U32}`).optional(),
    communities: z
      .strictObject({ add: list(communitySchema(false), 'communities').optional(), remove: list(communitySchema(true), 'communities').optional() }, mapping('add and remove'))
      .optional(),
    largeCommunities: z
      .strictObject(
        { add: list(largeCommunitySchema(false), 'large communities').optional(), remove: list(largeCommunitySchema(true), 'large communities').optional() },
        mapping('add and remove'),
      )
      .optional(),
    prepend: prependSchema.optional(),
    nextHop: nextHopSchema.optional(),
  },
  mapping('attributes to set'),
);

export const TERM_ACTIONS = ['accept', 'reject', 'next'] as const;

const termSchema = z
  .strictObject(
    {
      name: nameSchema('term').optional(),
      match: matchSchema.default(() => ({})),
      set: setSchema.default(() => ({})),
      action: z.enum(TERM_ACTIONS, { error: expected('accept, reject or next') }).default('next'),
    },
    mapping('a policy term (name, match, set, action)'),
  )
  .superRefine((t, ctx) => {
    if (t.action === 'reject' && Object.keys(t.set).length > 0) {
      ctx.addIssue({ code: 'custom', path: ['set'], message: 'this term rejects the route, so what it sets has no effect', input: t.set });
    }
  });

export const prefixSetsSchema = z
  .record(nameSchema('prefix set'), list(prefixEntrySchema, 'prefixes'), { error: expected('a mapping of prefix set names to lists of prefixes') })
  .default(() => ({}));

export const policiesSchema = z
  .record(nameSchema('policy'), list(termSchema, 'terms'), { error: expected('a mapping of policy names to lists of terms') })
  .default(() => ({}));

/** A peer's `import` / `export`: policy names, applied in this order. */
export const policyListSchema = z.array(nameSchema('policy'), { error: expected('a list of policy names') });

export type PolicyTermConfig = z.output<typeof termSchema>;
export type MatchConfig = z.output<typeof matchSchema>;
export type SetConfig = z.output<typeof setSchema>;
export type PolicyConfig = PolicyTermConfig[];

// ---------------------------------------------------------------------------------------------------------
// Names referred to

type Loose = Record<string, unknown>;
type Path = (string | number)[];
export type AddIssue = (path: Path, message: string) => void;

function loose(v: unknown): Loose | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Loose) : undefined;
}

function unknownName(kind: string, kinds: string, name: string, known: readonly string[], suggest: (n: string, k: readonly string[]) => string | undefined): string {
  const guess = suggest(name, known);
  if (guess) return `unknown ${kind} ${JSON.stringify(name)} (did you mean ${JSON.stringify(guess)}?)`;
  return known.length ? `unknown ${kind} ${JSON.stringify(name)} (${kinds}: ${known.join(', ')})` : `unknown ${kind} ${JSON.stringify(name)} (no ${kinds} are defined)`;
}

/** The terms of a policy (as written) that set `nextHop: self`, by name or number. */
function nextHopSelfTerms(policy: unknown): string[] {
  if (!Array.isArray(policy)) return [];
  return policy.flatMap((t, i) => {
    const term = loose(t);
    return loose(term?.['set'])?.['nextHop'] === 'self' ? [typeof term?.['name'] === 'string' ? term['name'] : `term ${i + 1}`] : [];
  });
}

/**
 * Names that must exist: prefix sets named in terms, policies named in a peer's (or listen range
 * template's) `import` and `export`; and `nextHop: self` in a policy used on import (there is no "self"
 * for a route coming in). Runs on the document as written, so it reads defensively.
 */
export function checkPolicyNames(
  root: Loose,
  peerLevels: readonly { obj: Loose; path: Path }[],
  addIssue: AddIssue,
  suggest: (n: string, k: readonly string[]) => string | undefined,
): void {
  const sets = Object.keys(loose(root['prefixSets']) ?? {});
  const policies = loose(root['policies']) ?? {};
  const policyNames = Object.keys(policies);
  for (const [name, terms] of Object.entries(policies)) {
    if (!Array.isArray(terms)) continue;
    terms.forEach((t, i) => {
      const items = loose(loose(t)?.['match'])?.['prefix'];
      if (!Array.isArray(items)) return;
      items.forEach((item, j) => {
        // As written (a string) or already transformed (`{ set }`): the check runs on whatever parsed so far.
        const ref = typeof item === 'string' ? item : loose(item)?.['set'];
        if (typeof ref === 'string' && NAME.test(ref) && !sets.includes(ref)) {
          addIssue(['policies', name, i, 'match', 'prefix', j], unknownName('prefix set', 'prefix sets', ref, sets, suggest));
        }
      });
    });
  }
  for (const { obj, path } of peerLevels) {
    for (const direction of ['import', 'export'] as const) {
      const names = obj[direction];
      if (!Array.isArray(names)) continue;
      names.forEach((n, j) => {
        if (typeof n !== 'string' || !NAME.test(n)) return;
        if (!policyNames.includes(n)) {
          addIssue([...path, direction, j], unknownName('policy', 'policies', n, policyNames, suggest));
          return;
        }
        const selfTerms = direction === 'import' ? nextHopSelfTerms(policies[n]) : [];
        if (selfTerms.length > 0) {
          addIssue([...path, direction, j], `policy ${JSON.stringify(n)} sets nextHop: self (${selfTerms.join(', ')}), which only means something on export`);
        }
      });
    }
  }
}
