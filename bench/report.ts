/**
 * Rendering of the side-by-side benchmark's results: the markdown table (tern, every peer, tern/peer), the
 * targets tern is held to, the machine, the configurations, and the JSON document written beside it.
 */
import { renderPhases, type PhaseEntry } from './phases.js';
import type { MetricDef, Scenario, Unit } from './scenarios.js';
import type { Summary } from './stats.js';

export type CellStatus = 'ok' | 'no-result' | 'timeout' | 'not-supported' | 'n/a' | 'skipped' | 'error';

export interface CellSummary extends Summary {
  /** Where min and max come from: several runs, the windows of one run, or nothing (one value). */
  readonly spread: 'runs' | 'windows' | 'none';
}

export interface Cell {
  readonly scenario: string;
  readonly dut: string;
  status: CellStatus;
  reason?: string;
  runs: number;
  readonly samples: Record<string, number[]>;
  readonly summary: Record<string, CellSummary>;
  readonly notes: string[];
  configs?: Record<string, string>;
  /** Output of the DUT and the tools when the cell has no figure (JSON only). */
  diagnostics?: string;
  seconds: number;
}

export interface DutColumn {
  readonly id: string;
  readonly name: string;
}

export interface Machine {
  readonly date: string;
  readonly mode: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memory: string;
  readonly kernel: string;
  readonly node: string;
  readonly versions: Record<string, string>;
  readonly command: string;
}

export interface Report {
  readonly machine: Machine;
  readonly duts: readonly DutColumn[];
  readonly scenarios: readonly Scenario[];
  readonly cells: readonly Cell[];
  readonly notes: readonly string[];
  /** Wall time from `npm run bench` to the report, seconds. */
  readonly seconds: number;
  /** Where that time went (phases.ts). */
  readonly phases?: readonly PhaseEntry[];
}

export function formatValue(v: number, unit: Unit): string {
  if (!Number.isFinite(v)) return '–';
  switch (unit) {
    case 's':
      return v < 1 ? `${(v * 1000).toPrecision(3)} ms` : `${v.toPrecision(3)} s`;
    case 'ms':
      return `${v.toPrecision(3)} ms`;
    case 'MiB':
      return `${v.toFixed(0)} MiB`;
    case '%':
      return `${v.toFixed(2)} %`;
    case 'cpu-s':
      return `${v.toFixed(2)} s`;
    case '/s':
      return `${v.toPrecision(3)}/s`;
  }
}

function range(s: CellSummary, unit: Unit): string {
  if (s.spread === 'none') return '';
  return ` (${formatValue(s.min, unit)} – ${formatValue(s.max, unit)})`;
}

export function cellOf(report: Pick<Report, 'cells'>, scenario: string, dut: string): Cell | undefined {
  return report.cells.find((c) => c.scenario === scenario && c.dut === dut);
}

/**
 * A scenario tern cannot run yet (kernel FIB, IPAM): a cell of its own in the table and an "unknown" target,
 * never a blank or a "missed".
 */
const NOT_SUPPORTED = 'not supported yet';

function statusText(c: Cell): string {
  switch (c.status) {
    case 'no-result':
      return 'no result';
    case 'timeout':
      return 'timeout';
    case 'not-supported':
      return NOT_SUPPORTED;
    case 'n/a':
      return 'n/a';
    case 'skipped':
      return 'skipped';
    case 'error':
      return 'error';
    case 'ok':
      return 'ok';
  }
}

/** tern / peer of the medians, when both have one. */
export function ratio(report: Pick<Report, 'cells'>, scenario: string, metric: string, peer: string): number | undefined {
  const t = cellOf(report, scenario, 'tern')?.summary[metric];
  const p = cellOf(report, scenario, peer)?.summary[metric];
  if (!t || !p || !(p.median > 0)) return undefined;
  return t.median / p.median;
}

/** The markdown results table, with footnotes for every cell that has no figure. */
export function resultsTable(report: Report): string {
  const peers = report.duts.filter((d) => d.id !== 'tern');
  const hasTern = report.duts.some((d) => d.id === 'tern');
  const header = ['Scenario', 'Size', 'Metric', ...report.duts.map((d) => d.name), ...(hasTern ? peers.map((p) => `tern/${p.name}`) : [])];
  const rows: string[][] = [];
  const footnotes: string[] = [];
  const footnote = (text: string): number => {
    const i = footnotes.indexOf(text);
    if (i >= 0) return i + 1;
    footnotes.push(text);
    return footnotes.length;
  };
  for (const sc of report.scenarios) {
    const cells = report.duts.map((d) => cellOf(report, sc.id, d.id));
    if (cells.every((c) => c === undefined)) continue;
    sc.metrics.forEach((m: MetricDef, mi) => {
      const row = [mi === 0 ? sc.title : '', mi === 0 ? sc.size : '', m.label];
      for (const c of cells) {
        if (!c) row.push('');
        else if (c.status === 'ok' && c.summary[m.key]) {
          const s = c.summary[m.key]!;
          const extra = c.notes.length > 0 && mi === 0 ? ` [${c.notes.map((n) => footnote(`${c.dut}, ${sc.title} ${sc.size}: ${n}`)).join(',')}]` : '';
          row.push(`${formatValue(s.median, m.unit)}${range(s, m.unit)}${extra}`);
        } else if (c.status === 'ok') row.push('–');
        else if (mi === 0) row.push(`${statusText(c)} [${footnote(`${c.dut}, ${sc.title} ${sc.size}: ${c.reason ?? c.status}`)}]`);
        else row.push(statusText(c));
      }
      if (hasTern) {
        for (const p of peers) {
          const r = ratio(report, sc.id, m.key, p.id);
          row.push(r === undefined ? '–' : `${r.toFixed(2)}×`);
        }
      }
      rows.push(row);
    });
  }
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 3 ? '---' : '--:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map(esc).join(' | ')} |`);
  const unsupported = report.scenarios.filter((sc) => cellOf(report, sc.id, 'tern')?.status === 'not-supported');
  if (unsupported.length > 0) {
    lines.push('', `"${NOT_SUPPORTED}": tern cannot run ${unsupported.map((sc) => `${sc.title} (${sc.size})`).join(' or ')} yet; the other DUTs' figures stand, and its targets are listed as unknown.`);
  }
  if (footnotes.length > 0) {
    lines.push('');
    footnotes.forEach((f, i) => lines.push(`[${i + 1}] ${esc(clip(f, 600))}  `));
  }
  return lines.join('\n');
}

function clip(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

export interface TargetCheck {
  /** The scenario the target is checked in. */
  readonly scenario: string;
  readonly target: string;
  /**
   * met / missed / unknown: no figure for the reference, tern not run (--duts, --only), or a scenario tern
   * does not support yet. A tern cell that ran without a figure (no result, timeout) is missed.
   */
  readonly verdict: 'met' | 'missed' | 'unknown';
  readonly detail: string;
}

function unsupportedDetail(c: Cell): string {
  return `${NOT_SUPPORTED} in tern: ${clip((c.reason ?? '').replace(/^not supported yet: /, ''), 160)}`;
}

/** The targets of the issue, checked against this run's medians; then the scenarios tern cannot run yet. */
export function checkTargets(report: Report): TargetCheck[] {
  const out: TargetCheck[] = [];
  if (!report.duts.some((d) => d.id === 'tern')) return out;
  const med = (scenario: string, dut: string, metric: string): number | undefined => {
    const c = cellOf(report, scenario, dut);
    return c?.status === 'ok' ? c.summary[metric]?.median : undefined;
  };
  const why = (scenario: string, dut: string): string => {
    const c = cellOf(report, scenario, dut);
    if (!c) return `${dut} not run`;
    return c.status === 'ok' ? 'metric missing' : `${dut}: ${statusText(c)}${c.reason ? ` (${clip(c.reason, 160)})` : ''}`;
  };
  /** The verdict when tern has no figure in `scenario`. */
  const withoutTern = (scenario: string, target: string): TargetCheck => {
    const c = cellOf(report, scenario, 'tern');
    if (c?.status === 'not-supported') return { scenario, target, verdict: 'unknown', detail: unsupportedDetail(c) };
    const ran = c !== undefined && c.status !== 'skipped';
    return { scenario, target, verdict: ran ? 'missed' : 'unknown', detail: `no figure for tern: ${why(scenario, 'tern')}` };
  };
  const compare = (target: string, scenario: string, metric: string, refs: string[], factor: number, unit: Unit): void => {
    if (!report.scenarios.some((s) => s.id === scenario)) return;
    const t = med(scenario, 'tern', metric);
    const refValues = refs.map((r) => ({ r, v: med(scenario, r, metric) })).filter((x): x is { r: string; v: number } => x.v !== undefined);
    if (t === undefined) {
      out.push(withoutTern(scenario, target));
      return;
    }
    if (refValues.length === 0) {
      out.push({ scenario, target, verdict: 'unknown', detail: `no reference figure: ${refs.map((r) => why(scenario, r)).join('; ')}` });
      return;
    }
    const best = refValues.reduce((a, b) => (b.v < a.v ? b : a));
    const limit = best.v * factor;
    const paired = runByRun(report, scenario, metric, best.r, factor);
    out.push({
      scenario,
      target,
      verdict: t <= limit ? 'met' : 'missed',
      detail: `tern ${formatValue(t, unit)} vs ${factor === 1 ? '' : `${factor}× `}${best.r} ${formatValue(best.v, unit)} (${(t / best.v).toFixed(2)}×${paired ? `; ${paired}` : ''})`,
    });
  };
  for (const sc of report.scenarios.filter((s) => s.group === 'pass-through')) {
    compare(`pass-through ${sc.size}: holds all ≤ 1.0× BIRD`, sc.id, 'all', ['bird'], 1, 's');
    compare(`pass-through ${sc.size}: holds none ≤ 1.0× BIRD`, sc.id, 'none', ['bird'], 1, 's');
  }
  const rr = report.scenarios.find((s) => s.id === 'route-reflection');
  if (rr) compare(`route reflection ${rr.size} ≤ 1.0× the faster of BIRD and FRR`, rr.id, 'all', ['bird', 'frr'], 1, 's');
  const large = report.scenarios.find((s) => s.id === 'pass-through-v4-large');
  if (large) compare(`peak memory at ${large.size} ≤ 2× BIRD`, large.id, 'rss', ['bird'], 2, 'MiB');
  const kernel = report.scenarios.find((s) => s.id === 'kernel');
  if (kernel) {
    compare(`kernel ${kernel.size}: all in the FIB ≤ BIRD`, kernel.id, 'all', ['bird'], 1, 's');
    compare(`kernel ${kernel.size}: none in the FIB ≤ BIRD`, kernel.id, 'none', ['bird'], 1, 's');
  }
  const many = report.scenarios.find((s) => s.id === 'many-peers');
  if (many) {
    const target = `many peers (${many.size}): idle CPU < 5 % of one core`;
    const t = med(many.id, 'tern', 'idle');
    out.push(t === undefined ? withoutTern(many.id, target) : { scenario: many.id, target, verdict: t < 5 ? 'met' : 'missed', detail: `tern ${formatValue(t, '%')}` });
  }
  // A scenario tern cannot run yet and the issue sets no figure for (IPAM): still listed, as unknown.
  for (const sc of report.scenarios) {
    const c = cellOf(report, sc.id, 'tern');
    if (c?.status !== 'not-supported' || out.some((t) => t.scenario === sc.id)) continue;
    out.push({ scenario: sc.id, target: `${sc.title} (${sc.size})`, verdict: 'unknown', detail: `${unsupportedDetail(c)}; the issue sets no figure` });
  }
  return out;
}

/**
 * tern against `ref` run by run, when both cells have the same three or more runs: full mode alternates
 * the DUTs' runs, so tern's i-th run and the peer's i-th met the same load on this shared machine, and
 * their ratios show how far one median ratio can be trusted ("run by run 0.82–1.35×, within the target in
 * 3 of 5"). Undefined otherwise (one run, quick mode, a cell cut short).
 */
export function runByRun(report: Pick<Report, 'cells'>, scenario: string, metric: string, ref: string, factor: number): string | undefined {
  const tern = cellOf(report, scenario, 'tern');
  const peer = cellOf(report, scenario, ref);
  const a = tern?.status === 'ok' ? tern.samples[metric] : undefined;
  const b = peer?.status === 'ok' ? peer.samples[metric] : undefined;
  if (!a || !b || a.length < 3 || a.length !== b.length || b.some((v) => !(v > 0))) return undefined;
  const ratios = a.map((v, i) => v / b[i]!);
  const within = ratios.filter((r) => r <= factor).length;
  return `run by run ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×, within the target in ${within} of ${ratios.length}`;
}

/** "tern missed 3 of 12 targets. 2 unknown (not supported yet in tern: kernel)." */
export function targetSummary(targets: readonly TargetCheck[]): string {
  if (targets.length === 0) return 'tern was not run: no target checked.';
  const missed = targets.filter((t) => t.verdict === 'missed');
  const unknown = targets.filter((t) => t.verdict === 'unknown');
  const unsupported = [...new Set(unknown.filter((t) => t.detail.startsWith(NOT_SUPPORTED)).map((t) => t.scenario))];
  const rest = unknown.length === 0
    ? ''
    : ` ${unknown.length} unknown${unsupported.length > 0 ? ` (${NOT_SUPPORTED} in tern: ${unsupported.join(', ')})` : ''}.`;
  return missed.length === 0
    ? `tern missed none of ${targets.length} targets.${rest}`
    : `tern missed ${missed.length} of ${targets.length} targets.${rest}`;
}

function configSection(report: Report): string {
  const out: string[] = [];
  for (const sc of report.scenarios) {
    for (const d of report.duts) {
      const c = cellOf(report, sc.id, d.id);
      if (!c?.configs) continue;
      out.push(`#### ${sc.title} (${sc.size}), ${d.name}`, '');
      for (const [name, text] of Object.entries(c.configs)) {
        out.push(`\`${name}\`:`, '', '```', clipLines(text, 60), '```', '');
      }
    }
  }
  return out.join('\n');
}

function clipLines(text: string, max: number): string {
  const lines = text.trimEnd().split('\n');
  if (lines.length <= max) return lines.join('\n');
  return [...lines.slice(0, max), `… (${lines.length - max} more lines: the same stanza for the other peers)`].join('\n');
}

export function renderMarkdown(report: Report, targets: readonly TargetCheck[]): string {
  const m = report.machine;
  const lines = [
    `# tern side-by-side benchmark — ${m.mode}, ${m.date}`,
    '',
    `\`${m.command}\`, ${Math.round(report.seconds)} s in all (from \`npm run bench\` to this report).`,
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu}, ${m.cores} cores; memory ${m.memory}`,
    `- kernel ${m.kernel}; Node ${m.node}`,
    ...Object.entries(m.versions).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '## Results',
    '',
    'Times run from the sender\'s timestamp just before its first UPDATE (or withdrawal) is written to the',
    'receiver\'s timestamp once it holds all (or none) of the prefixes — one clock for every namespace. Values',
    'are medians with min – max over the runs; where a cell has one run, the min – max is over the windows',
    'of that run (idle, churn). Ratios are tern / peer of the medians: below 1 means tern is faster (smaller).',
    '',
    resultsTable(report),
    '',
    '## Targets',
    '',
    ...targets.map((t) => `- **${t.verdict}** — ${t.target}: ${t.detail}`),
    '',
    targetSummary(targets),
    '',
    '## Notes',
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
    ...(report.phases ? ['## Where the time went', '', '```', ...renderPhases(report.phases, report.seconds, 'measuring'), '```', ''] : []),
    '## Configurations',
    '',
    configSection(report),
  ];
  return `${lines.join('\n')}\n`;
}
