/**
 * Golden files: JSON written in a compact, diff-friendly layout (a value whose one-line form fits in 110
 * characters stays on one line), compared after parsing so that layout never decides a test.
 * `UPDATE_GOLDEN=1` rewrites them instead of comparing; a rewritten golden file is only as good as its review.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

const WIDTH = 110;

/** JSON text: nested values on one line when they fit, else one member per line. */
export function formatGolden(value: unknown, indent = ''): string {
  const flat = JSON.stringify(value);
  if (flat === undefined) return 'null';
  if (value === null || typeof value !== 'object' || indent.length + flat.length <= WIDTH) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + formatGolden(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatGolden(v, inner)}`).join(',\n')}\n${indent}}`;
}

export const updatingGolden = process.env.UPDATE_GOLDEN === '1';

/** Compare `actual` with the golden file, or (UPDATE_GOLDEN=1) write it. */
export function expectGolden(file: string, actual: unknown): void {
  const text = `${formatGolden(actual)}\n`;
  if (updatingGolden) {
    writeFileSync(file, text);
    return;
  }
  if (!existsSync(file)) throw new Error(`${file} is missing: run with UPDATE_GOLDEN=1 to write it, then review it`);
  expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}
