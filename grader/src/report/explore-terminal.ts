/**
 * What `locklab explore` prints: each failure as it happens (the test, the seed, the reason in one
 * line and the command that replays it), a status line on a terminal (what runs, how far, how
 * fast), and at the end a line per test: runs, failures, failure rate, runs per minute, and the
 * failing seeds.
 */
import chalk from 'chalk';
import type { RunResult } from '../score/run-test.ts';
import { runsPerMinute, type Exploration, type SeedRange } from '../score/explore.ts';
import { inertLine } from '../text/untrusted.ts';
import { keepWhole, visibleWidth, wrap } from './layout.ts';
import { count, seedList } from './wording.ts';

const INDENT = '      ';
const HANG = '        ';
/** Failing seeds named in the summary; the count says how many more. */
const SEEDS_SHOWN = 8;
/** Below this, wrapping would leave a word or two per line: let the terminal wrap instead. */
const MIN_COLUMNS = 40;

export interface ExploreTerminalOptions {
  /** More than one implementation: each line names its own. */
  manyImpls: boolean;
  replay: (impl: string, test: string, seed: number) => string;
  /** The terminal's width now; undefined: do not wrap. */
  columns?: () => number | undefined;
  /** How a path is shown (e.g. as a hyperlink on a terminal). */
  showPath?: (file: string) => string;
}

const fitWidth = (options: ExploreTerminalOptions) => {
  const columns = options.columns?.();
  return columns && columns >= MIN_COLUMNS ? columns : undefined;
};

/** `locklab: exploring lab1 (solutions), 1 test, seeds 1-1000, 2 runs at a time`. */
export function startLine(lab: string, impls: string[], tests: string[], seeds: SeedRange, jobs: number): string {
  const range = seeds.first === seeds.last ? `seed ${seeds.first}` : `seeds ${seeds.first}-${seeds.last}`;
  return chalk.bold(`locklab: exploring ${lab} (${impls.map(inertLine).join(', ')}), ${count(tests.length, 'test')}, ${range}, ${count(jobs, 'run')} at a time`);
}

/** A failing run as it happens: FAIL, the test, the seed and the reason on one line, then how to replay it (and its trace, if kept). */
export function failureLines(impl: string, run: RunResult, options: ExploreTerminalOptions, trace?: string): string[] {
  const width = fitWidth(options);
  const where = options.manyImpls ? ` ${chalk.dim(`(${inertLine(impl)})`)}` : '';
  // The reason quotes what nodes chose: shown inert, on one line.
  const lines = wrap(`${chalk.red.bold('FAIL')}  ${run.test}${where}  ${chalk.red(`seed ${run.seed}:`)} `, inertLine(run.message ?? 'failed'), width, HANG);
  lines.push(...keepWhole(`${INDENT}${chalk.dim('replay:')}`, options.replay(impl, run.test, run.seed), width, INDENT));
  if (trace) lines.push(...keepWhole(`${INDENT}${chalk.dim('trace:')}`, options.showPath?.(trace) ?? trace, width, INDENT));
  return lines;
}

const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - visibleWidth(s)));
const padStart = (s: string, n: number) => ' '.repeat(Math.max(0, n - visibleWidth(s))) + s;

/** `23.3%`; a rate above zero never shows as 0%. */
export function percent(failures: number, runs: number): string {
  if (runs === 0 || failures === 0) return '0%';
  const p = (100 * failures) / runs;
  return p < 0.1 ? '<0.1%' : `${p.toFixed(1)}%`;
}

/** The failing seeds in short: the first few, and how many in all. */
export function failingSeedsText(seeds: readonly number[], failures: number): string {
  if (failures === 0) return '';
  const shown = seeds.slice(0, SEEDS_SHOWN);
  const more = failures - shown.length;
  return `${seedList(shown)}${more > 0 ? ` and ${more} more` : ''}`;
}

/** The table at the end: a row per implementation and test. */
export function summaryLines(exploration: Exploration, options: ExploreTerminalOptions): string[] {
  const rows = exploration.impls.flatMap((impl) => impl.tests.map((t) => ({ impl, t })));
  const nameWidth = Math.max(4, ...rows.map(({ t }) => t.test.length));
  const header = `${pad('Test', nameWidth)}  ${padStart('runs', 6)}  ${padStart('failures', 8)}  ${padStart('rate', 6)}  ${padStart('runs/min', 8)}  failing seeds`;
  const lines = ['', chalk.bold(header)];
  for (const impl of exploration.impls) {
    if (options.manyImpls) lines.push(chalk.bold(inertLine(impl.impl)));
    if (impl.compileError) {
      lines.push(chalk.red(`  does not compile: ${inertLine(impl.compileError[0] ?? 'the compiler gave no message')}`));
      continue;
    }
    for (const t of impl.tests) {
      const failures = t.failures > 0 ? chalk.red(padStart(String(t.failures), 8)) : padStart('0', 8);
      const seeds = failingSeedsText(t.failingSeeds, t.failures);
      lines.push(`${pad(t.test, nameWidth)}  ${padStart(String(t.runs), 6)}  ${failures}  ${padStart(percent(t.failures, t.runs), 6)}  ${padStart(String(runsPerMinute(t.runs, t.wallMs)), 8)}  ${seeds}`.trimEnd());
    }
  }
  return lines;
}

/** The status line's text: what runs now, how far each test is, failures so far, the pace. */
export class ExploreProgress {
  private impl = '';
  private preparing = true;
  private runs = 0;
  /** Runs of the implementation now running: the pace leaves out the time spent preparing. */
  private runsOfImpl = 0;
  private failures = 0;
  private firstRunAt = 0;
  private readonly running = new Map<string, number>();

  constructor(
    private readonly total: { runs: number },
    /** What preparing an implementation does, in words: `type-checking and bundling`. */
    private readonly preparingWords = 'type-checking and bundling',
    private readonly now: () => number = () => performance.now(),
  ) {}

  prepare(impl: string): void {
    this.impl = inertLine(impl);
    this.preparing = true;
    this.runsOfImpl = 0;
  }

  runStarted(test: string): void {
    if (this.preparing) this.firstRunAt = this.now();
    this.preparing = false;
    this.running.set(test, (this.running.get(test) ?? 0) + 1);
  }

  runDone(run: RunResult): void {
    this.runs++;
    this.runsOfImpl++;
    if (!run.passed) this.failures++;
    const left = (this.running.get(run.test) ?? 1) - 1;
    if (left > 0) this.running.set(run.test, left);
    else this.running.delete(run.test);
  }

  render(elapsedMs: number): string {
    const clock = `${Math.floor(elapsedMs / 1000)}s`;
    if (this.impl === '') return ''; // nothing started yet
    if (this.preparing) return `${this.preparingWords} ${this.impl}… · ${clock}`;
    const pace = runsPerMinute(this.runsOfImpl, this.now() - this.firstRunAt);
    const failing = this.failures > 0 ? chalk.red(count(this.failures, 'failure')) : '0 failures';
    // The counts first: a narrow terminal cuts the end of the line.
    return `${this.runs}/${this.total.runs} runs · ${failing} · ${pace} runs/min · ${clock} · running ${[...this.running.keys()].join(', ')} (${this.impl})`;
  }
}
