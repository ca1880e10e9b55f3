/** Configuration text for config tests: build a document line by line, load it, or get its errors. */
import { formatConfigError, parseConfig, type ConfigError } from '../../src/config/load.js';
import type { TernConfig } from '../../src/config/schema.js';

export const lines = (...l: string[]): string => l.join('\n') + '\n';

/** The two settings every document needs. */
export const HEAD = lines('routerId: 192.0.2.1', 'localAs: 65002');

/** The loaded configuration; throws with the formatted errors when it does not load. */
export function config(text: string): TernConfig {
  const r = parseConfig(text, 'tern.yaml');
  if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

/** The errors of a document that must not load. */
export function errors(text: string): ConfigError[] {
  const r = parseConfig(text, 'tern.yaml');
  if (r.ok) throw new Error('expected errors, the config loaded');
  return r.errors;
}

/** The errors as `line:column path: message` lines. */
export function report(text: string): string[] {
  return errors(text).map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`);
}
