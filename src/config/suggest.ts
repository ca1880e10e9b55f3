/**
 * "Did you mean …": the known name a misspelt one was probably meant to be (unknown keys, unknown policy and
 * prefix-set names).
 */

function normalizeKey(s: string): string {
  return s.toLowerCase().replace(/[-_\s]/g, '');
}

/** The known key `key` was probably meant to be: same but for case/separators, a small typo, or a prefix. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  const k = normalizeKey(key);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(k, normalizeKey(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(k.length / 3))) return best;
  if (k.length >= 4) return known.find((c) => normalizeKey(c).startsWith(k));
  return undefined;
}

/** Damerau–Levenshtein distance (optimal string alignment): a swap of neighbours counts once. */
function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [];
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        row.push(i + j);
        continue;
      }
      const prev = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}
