/**
 * Loading the YAML configuration: parse (keeping node positions), validate against `configSchema`, and
 * report every problem at once as a `ConfigError` with file, line, column and key path, sorted by position.
 * Nothing here throws: every failure, a file that cannot be read included, is a `ConfigResult` with errors.
 */
import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type * as z from 'zod';
import { configSchema, describeValue, formatPath, type TernConfig } from './schema.js';
import { suggest } from './suggest.js';
export { suggest } from './suggest.js';

export interface ConfigError {
  readonly file: string;
  /** 1-based; 0 when the error concerns the whole file (it could not be read). */
  readonly line: number;
  /** 1-based; 0 with line 0. */
  readonly column: number;
  /** Key path such as `peers[1].remoteAs`; empty for YAML syntax errors and whole-file errors. */
  readonly path: string;
  readonly message: string;
}

export type ConfigResult = { ok: true; config: TernConfig } | { ok: false; errors: ConfigError[] };

/** `tern.yaml:12:5: peers[1].remoteAs: expected an AS number 1..4294967295, got "abc"`. */
export function formatConfigError(e: ConfigError): string {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
  return e.path === '' ? `${where}: ${e.message}` : `${where}: ${e.path}: ${e.message}`;
}

/** Reads and parses a configuration file. Never rejects. */
export async function loadConfigFile(path: string): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, errors: [{ file: path, line: 0, column: 0, path: '', message: `cannot read the configuration file: ${reason}` }] };
  }
  return parseConfig(text, path);
}

/** Parses and validates configuration text; `file` is only used to name the file in errors. Never throws. */
export function parseConfig(text: string, file: string): ConfigResult {
  try {
    return parse(text, file);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, errors: [{ file, line: 1, column: 1, path: '', message: `cannot load the configuration: ${reason}` }] };
  }
}

function parse(text: string, file: string): ConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, keepSourceTokens: false });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: '', message: firstLine(e.message) }));
    return { ok: false, errors: sortErrors(errors) };
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, errors: [{ file, line: 1, column: 1, path: '', message: `cannot read the YAML document: ${reason}` }] };
  }

  const result = configSchema.safeParse(data, { reportInput: true, error: genericMessage });
  if (result.success) return { ok: true, config: result.data };

  const errors = flattenIssues(result.error.issues, []).map((issue) => {
    const offset = locate(doc, issue.path, issue.atKey);
    return { file, ...at(offset), path: formatPath(issue.path), message: issue.message };
  });
  return { ok: false, errors: sortErrors(errors) };
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).trim();
}

function sortErrors(errors: ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  return errors
    .filter((e) => {
      const k = `${e.line}:${e.column}:${e.path}:${e.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.column - b.column || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------------------
// Issues → messages

const EXPECTED: Record<string, string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

/** Messages for whatever the schema does not word itself. */
function genericMessage(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      return `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`;
    case 'invalid_value':
      return `expected ${iss.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describeValue(iss.input)}`;
    case 'too_small':
      return `expected at least ${String(iss.minimum)}, got ${describeValue(iss.input)}`;
    case 'too_big':
      return `expected at most ${String(iss.maximum)}, got ${describeValue(iss.input)}`;
    default:
      return undefined;
  }
}

interface FlatIssue {
  readonly path: PropertyKey[];
  readonly message: string;
  /** Position at the key itself (unknown keys), not its value. */
  readonly atKey: boolean;
}

function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): FlatIssue[] {
  const out: FlatIssue[] = [];
  for (const iss of issues) {
    const path = [...prefix, ...iss.path];
    if (iss.code === 'unrecognized_keys') {
      const known = knownKeysAt(path);
      for (const key of iss.keys) out.push({ path: [...path, key], message: unknownKeyMessage(key, known), atKey: true });
    } else if (iss.code === 'invalid_union') {
      // Report the alternative the value was meant to be, when exactly one got past the type check.
      const meant = iss.errors.filter((branch) => !branch.every((b) => b.path.length === 0 && (b.code === 'invalid_type' || b.code === 'invalid_value')));
      const only = meant.length === 1 ? meant[0] : undefined;
      if (only) out.push(...flattenIssues(only, path));
      else out.push({ path, message: iss.message, atKey: false });
    } else if (iss.code === 'invalid_key') {
      // A mapping key (a policy or prefix-set name) that is not a valid name: say why, at the key.
      out.push({ path, message: iss.issues[0]?.message ?? iss.message, atKey: true });
    } else if (iss.code === 'invalid_type' && iss.input === undefined && path.length > 0) {
      out.push({ path, message: `missing required key ${JSON.stringify(String(path[path.length - 1]))}`, atKey: false });
    } else {
      out.push({ path, message: iss.message, atKey: false });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Unknown keys: "did you mean …"

interface LooseDef {
  readonly type: string;
  readonly shape?: Record<string, z.core.$ZodType>;
  readonly in?: z.core.$ZodType;
  readonly innerType?: z.core.$ZodType;
  readonly element?: z.core.$ZodType;
  readonly options?: readonly z.core.$ZodType[];
}

function defOf(schema: z.core.$ZodType): LooseDef {
  return schema._zod.def as unknown as LooseDef;
}

/** The keys the object schema at `path` knows, found by walking the schema. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  const walk = (schema: z.core.$ZodType, i: number, depth: number): string[] | undefined => {
    if (depth > 64) return undefined;
    const def = defOf(schema);
    if (def.innerType) return walk(def.innerType, i, depth + 1);
    if (def.type === 'pipe' && def.in) return walk(def.in, i, depth + 1);
    if (def.type === 'union' && def.options) {
      for (const option of def.options) {
        const keys = walk(option, i, depth + 1);
        if (keys) return keys;
      }
      return undefined;
    }
    if (i === path.length) return def.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
    const seg = path[i];
    if (def.type === 'array' && def.element && typeof seg === 'number') return walk(def.element, i + 1, depth + 1);
    if (def.type === 'object' && def.shape && typeof seg === 'string') {
      const next = def.shape[seg];
      return next ? walk(next, i + 1, depth + 1) : undefined;
    }
    return undefined;
  };
  return walk(configSchema, 0, 0) ?? [];
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = suggest(key, known);
  if (suggestion) return `unknown key ${JSON.stringify(key)} (did you mean ${JSON.stringify(suggestion)}?)`;
  return known.length > 0 ? `unknown key ${JSON.stringify(key)} (known keys: ${known.join(', ')})` : `unknown key ${JSON.stringify(key)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Key paths → positions

/**
 * The source offset for an issue at `path`: the value's node (or, with `atKey` or an empty value, its key);
 * when the path does not exist (a missing key), the nearest existing parent.
 */
function locate(doc: Document, path: readonly PropertyKey[], atKey: boolean): number {
  let node: unknown = doc.contents;
  let key: Node | undefined;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    let nextKey: Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      next = pair.value;
      nextKey = isScalar(pair.key) ? pair.key : undefined;
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
      if (next === undefined) break;
    } else {
      break;
    }
    node = next;
    key = nextKey;
  }
  const keyStart = key?.range?.[0];
  if (atKey && keyStart !== undefined) return keyStart;
  const empty = node === null || node === undefined || (isScalar(node) && node.source === '' && node.value === null);
  if (empty && keyStart !== undefined) return keyStart;
  const start = (node as Node | null | undefined)?.range?.[0];
  return start ?? keyStart ?? 0;
}
