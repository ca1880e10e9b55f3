/**
 * Deterministic replay tests (STYLE.md habit 12): each scenario in test/golden/*.yaml is played through
 * RouteExchange + LocRib (test/helpers/replay.ts) and what it produced, step by step (RIB changes, UPDATEs and
 * other messages each peer was sent), must equal the golden JSON beside it. Every scenario is also played
 * twice: the two outputs must be identical, or the harness (or tern) depends on something that is not input.
 *
 * After a deliberate change: `UPDATE_GOLDEN=1 npx vitest run --project unit test/daemon/replay.test.ts`, then
 * read the diff of test/golden against the RFC rules each scenario names before committing it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden, formatGolden } from '../helpers/golden.js';
import { replay } from '../helpers/replay.js';
import { loadScenario } from '../helpers/replay-scenario.js';

const dir = join(import.meta.dirname, '..', 'golden');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('replay scenarios against golden files', () => {
  it('has scenarios to play', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of files) {
    it(file.replace(/\.yaml$/, ''), () => {
      const scenario = loadScenario(join(dir, file));
      const steps = replay(scenario);
      expect(formatGolden(replay(scenario))).toBe(formatGolden(steps));
      expectGolden(join(dir, file.replace(/\.yaml$/, '.golden.json')), { scenario: scenario.name, description: scenario.description, steps });
    });
  }
});
