/**
 * The side-by-side benchmark's command line (`npm run bench -- …`): commander options, checked against the
 * DUTs and scenarios the benchmark knows, turned into the runner's typed options with the mode's defaults.
 * A bad option prints why and exits 2 (command-line.ts).
 */
import path from 'node:path';
import { benchProgram, listOf, positiveInt, positiveNumber } from './command-line.js';
import type { Options } from './scenarios.js';

export interface RunOptions extends Options {
  /** Scenario filters: a scenario runs when its id or group contains one of them (none: all run). */
  readonly only: readonly string[];
  readonly duts: readonly string[];
  /** Time budget for the optional cells (GoBGP at 1M), seconds. */
  readonly budgetS: number;
  readonly withGobgp1m: boolean;
  /** Quick mode: run GoBGP in every scenario, not only in the 10k pass-through variants. */
  readonly gobgpEverywhere: boolean;
  readonly build: boolean;
  readonly install: boolean;
  readonly out: string;
}

/** What the options are checked against. */
export interface Known {
  readonly duts: readonly string[];
  readonly scenarios: readonly { readonly id: string; readonly group: string }[];
}

interface Parsed {
  quick?: true;
  only?: string[];
  duts?: string[];
  runs?: number;
  timeout?: number;
  budget?: number;
  withGobgp1m?: true;
  gobgpEverywhere?: true;
  build: boolean;
  install: boolean;
  out?: string;
}

export function parseRunOptions(argv: readonly string[], known: Known, defaultOut: string): RunOptions {
  const ids = known.scenarios.map((s) => s.id);
  const program = benchProgram(
    'npm run bench --',
    'tern side by side with BIRD 2, FRR and GoBGP as the device under test, in network namespaces (needs root)',
  )
    .option('--quick', 'smaller sizes, 1 run per cell, GoBGP at 10k pass-through only: the smoke test, under 2 minutes')
    .option(
      '--only <texts>',
      `run the scenarios whose id contains one of the texts, comma-separated, repeatable (${ids.join(', ')})`,
      listOf((t) => (known.scenarios.some((s) => s.id.includes(t) || s.group.includes(t)) ? undefined : `No scenario id contains "${t}" (${ids.join(', ')}).`)),
    )
    .option(
      '--duts <ids>',
      `the implementations to run, comma-separated (default: ${known.duts.join(',')})`,
      listOf((d) => (known.duts.includes(d) ? undefined : `Unknown DUT "${d}" (known: ${known.duts.join(', ')}).`)),
    )
    .option('--runs <n>', 'runs per cell (default 3, quick 1)', positiveInt)
    .option('--timeout <seconds>', 'cap on each measured wait (default 120, quick 30)', positiveNumber)
    .option('--budget <seconds>', 'time budget for the optional cells, GoBGP at 1M (default 840)', positiveNumber)
    .option('--with-gobgp-1m', 'also run GoBGP at 1M prefixes whatever the budget says')
    .option('--gobgp-everywhere', 'quick mode: GoBGP in every scenario, not only at 10k pass-through')
    .option('--no-build', 'do not compile tern first (run what dist/ holds)')
    .option('--no-install', 'do not apt-get install missing bird2, frr, gobgpd')
    .option('--out <dir>', `where the results go (default: ${path.relative(process.cwd(), defaultOut) || '.'})`)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  npm run bench -- --quick',
        '  npm run bench -- --only pass-through --duts tern,bird',
        '  npm run bench -- --duts bird,frr --runs 5',
        '',
        'Writes <out>/<date>-<mode>[-<only>].md and .json. Exit status 0 whatever the figures, 1 when the harness',
        'fails, 2 for a bad option, 130 on Ctrl-C.',
      ].join('\n'),
    );
  program.parse([...argv], { from: 'user' });
  const o = program.opts<Parsed>();
  const quick = o.quick === true;
  return {
    quick,
    only: o.only ?? [],
    duts: o.duts ?? known.duts,
    runs: o.runs ?? (quick ? 1 : 3),
    cellTimeoutS: o.timeout ?? (quick ? 30 : 120),
    firstRouteTimeoutS: quick ? 5 : 15,
    slowRunS: 20,
    budgetS: o.budget ?? 14 * 60,
    withGobgp1m: o.withGobgp1m === true,
    gobgpEverywhere: o.gobgpEverywhere === true,
    build: o.build,
    install: o.install,
    out: path.resolve(o.out ?? defaultOut),
  };
}
