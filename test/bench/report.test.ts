import { describe, expect, it } from 'vitest';
import { checkTargets, runByRun, type Cell, type Report } from '../../bench/report.js';
import type { Scenario } from '../../bench/scenarios.js';
import { summarize } from '../../bench/stats.js';

/** A pass-through cell with its samples, as runCell leaves it (summaries are what checkTargets reads). */
function cell(dut: string, all: number[]): Cell {
  return {
    scenario: 'pass-through-v4', dut, status: 'ok', runs: all.length, notes: [], seconds: 1,
    samples: { all },
    summary: { all: { ...summarize(all), spread: all.length > 1 ? 'runs' : 'none' } },
  };
}

function report(cells: Cell[]): Report {
  // Only what checkTargets reads of a scenario; the rest of a Scenario (its run function, metrics) is not used.
  const scenario = { id: 'pass-through-v4', group: 'pass-through', title: 'pass-through', size: '100k IPv4' } as unknown as Scenario;
  return {
    machine: { date: '', mode: 'full', cpu: '', cores: 2, memory: '', kernel: '', node: '', versions: {}, command: '' },
    duts: [{ id: 'tern', name: 'tern' }, { id: 'bird', name: 'BIRD' }],
    scenarios: [scenario], cells, notes: [], seconds: 1,
  };
}

describe('run by run ratios beside a target', () => {
  it('pairs the i-th runs of tern and the peer and says in how many tern was within the target', () => {
    const r = report([cell('tern', [0.020, 0.030, 0.018, 0.025, 0.022]), cell('bird', [0.025, 0.024, 0.020, 0.024, 0.030])]);
    // Ratios 0.80, 1.25, 0.90, 1.04, 0.73: within 1.0× in three of five.
    expect(runByRun(r, 'pass-through-v4', 'all', 'bird', 1)).toBe('run by run 0.73–1.25×, within the target in 3 of 5');
    // The same runs against a 2× target: all five within it.
    expect(runByRun(r, 'pass-through-v4', 'all', 'bird', 2)).toBe('run by run 0.73–1.25×, within the target in 5 of 5');
    const holdsAll = checkTargets(r).find((t) => t.target.includes('holds all'))!;
    // The verdict stays the medians' (tern 0.022 against BIRD 0.024); the runs only go into the detail.
    expect(holdsAll.verdict).toBe('met');
    expect(holdsAll.detail).toContain('(0.92×; run by run 0.73–1.25×, within the target in 3 of 5)');
  });

  it('says nothing run by run when the runs cannot be paired', () => {
    const unequal = report([cell('tern', [0.02, 0.03, 0.02, 0.02]), cell('bird', [0.025, 0.024, 0.02])]);
    expect(runByRun(unequal, 'pass-through-v4', 'all', 'bird', 1)).toBeUndefined();
    const one = report([cell('tern', [0.02]), cell('bird', [0.025])]);
    expect(runByRun(one, 'pass-through-v4', 'all', 'bird', 1)).toBeUndefined();
    expect(checkTargets(one).find((t) => t.target.includes('holds all'))!.detail).not.toContain('run by run');
    const failed = report([cell('tern', [0.02, 0.03, 0.02]), { ...cell('bird', [0.025, 0.024, 0.02]), status: 'timeout' }]);
    expect(runByRun(failed, 'pass-through-v4', 'all', 'bird', 1)).toBeUndefined();
  });
});
