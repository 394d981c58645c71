/**
 * What a student sees: a line per test (PASS/FAIL, points, time), and for a failure the
 * reason, a hint, the nodes' last log lines and the command that replays the failing seed;
 * then points per part and in all. Colour follows chalk's detection (NO_COLOR, FORCE_COLOR).
 *
 * On a terminal every line fits its width: prose wraps between words, and a command or a path
 * is never broken (it gets a line of its own). Into a file or a pipe, lines are not wrapped.
 */
import chalk from 'chalk';
import type { RunResult } from '../score/run-test.ts';
import type { Summary, TestScore } from '../score/scorer.ts';
import { inertLine, inertText } from '../text/untrusted.ts';
import { failureParts, type FailureParts } from './failure-parts.ts';
import { cut, keepWhole, visibleWidth, wrap } from './layout.ts';
import { count, seedList } from './wording.ts';

export interface TerminalOptions {
  write: (text: string) => void;
  lab: string;
  impl: string;
  replay: (test: string, seed: number) => string;
  /** Path of the trace page of a run, if one is written. */
  traceFile?: (run: RunResult) => string | undefined;
  /** How a path is shown (e.g. as a hyperlink on a terminal); default: as it is. */
  showPath?: (file: string) => string;
  /** The terminal's width now (it may change); undefined: do not wrap. */
  columns?: () => number | undefined;
}

const INDENT = '      ';
const HANG = '        ';

const pad = (s: string, n: number) => {
  const width = visibleWidth(s);
  return width >= n ? s : s + ' '.repeat(n - width);
};
const padStart = (s: string, n: number) => ' '.repeat(Math.max(0, n - visibleWidth(s))) + s;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

/** Below this, wrapping would leave a word or two per line: let the terminal wrap instead. */
const MIN_COLUMNS = 40;

export function formatTestLine(score: TestScore, runs: readonly RunResult[], nameWidth: number): string {
  const status = score.passed ? chalk.green('PASS') : chalk.red.bold('FAIL');
  const points = `${score.points}/${score.maxPoints}`;
  const wall = runs.reduce((a, r) => a + r.wallMs, 0);
  const seeds = score.seeds.length > 1 ? chalk.dim(` ${count(score.seeds.length, 'seed')}`) : '';
  return `${status}  ${pad(score.name, nameWidth)}  ${chalk.dim(score.part)}  ${pad(points, 6)} ${chalk.dim(seconds(wall))}${seeds}`;
}

/** The lines under a failing test: its first failing run explained in full, fitted to `width` columns (none: unwrapped). */
export function formatFailure(failure: FailureParts, options: TerminalOptions, width?: number): string[] {
  const lines: string[] = [];
  // A message and log lines may quote what a node wrote: shown, never obeyed (and measured as shown).
  lines.push(...wrap(`${INDENT}${chalk.red(`seed ${failure.seed}:`)} `, inertText(failure.message), width, HANG));
  if (failure.hint) lines.push(...wrap(`${INDENT}${chalk.yellow('hint:')} `, inertText(failure.hint), width, HANG));
  for (const { node, lines: log } of failure.logs) {
    lines.push(`${INDENT}${chalk.cyan(inertLine(node))} ${chalk.dim('(last log lines)')}`);
    for (const line of log) lines.push(...wrap(`${INDENT}  `, inertLine(line), width, `${HANG}  `).map((l) => chalk.dim(l)));
  }
  const trace = options.traceFile?.(failure.run);
  if (trace) lines.push(...keepWhole(`${INDENT}${chalk.dim('trace:')}`, options.showPath?.(trace) ?? trace, width, INDENT));
  lines.push(...keepWhole(`${INDENT}${chalk.dim('replay:')}`, options.replay(failure.run.test, failure.seed), width, INDENT));
  // One failing seed explained in full is enough; the others are listed (the replay command takes any seed).
  if (failure.otherSeeds.length > 0) lines.push(...wrap(`${INDENT}${chalk.dim('also failing:')} `, seedList(failure.otherSeeds), width, HANG));
  return lines;
}

export class TerminalReporter {
  private nameWidth = 24;

  constructor(private readonly options: TerminalOptions) {}

  /** The width to fit, or undefined when lines are not wrapped. */
  private width(): number | undefined {
    const columns = this.options.columns?.();
    return columns && columns >= MIN_COLUMNS ? columns : undefined;
  }

  private writeLines(lines: string[]): void {
    this.options.write(lines.join('\n') + '\n');
  }

  start(testNames: string[], impl: string, seeds: number[]): void {
    this.nameWidth = Math.max(12, ...testNames.map((n) => n.length));
    const seedText = seeds.length === 1 ? `seed ${seeds[0]}` : count(seeds.length, 'seed');
    const line = `locklab: grading ${this.options.lab} (${impl}), ${count(testNames.length, 'test')}, ${seedText}`;
    this.writeLines(wrap('', line, this.width(), '  ').map((l) => chalk.bold(l)));
  }

  /** What the grader does before the first test ends, as plain lines (where no status line shows it). */
  preparing(text: string): void {
    this.writeLines(wrap('', text, this.width(), '  '));
  }

  compileError(details: string[]): void {
    const lines = [chalk.red.bold('The implementation does not compile; every test scores 0.')];
    // The compiler quotes the student's code.
    for (const line of details.slice(0, 30)) lines.push(...wrap('  ', inertLine(line), this.width(), '    '));
    if (details.length > 30) lines.push(`  ... and ${details.length - 30} more`);
    this.writeLines(lines);
  }

  testDone(score: TestScore, runs: readonly RunResult[]): void {
    const width = this.width();
    const lines = [formatTestLine(score, runs, this.nameWidth)];
    const failure = failureParts(score, runs);
    if (failure) lines.push(...formatFailure(failure, this.options, width));
    this.writeLines(lines);
  }

  summary(summary: Summary, wallMs: number): void {
    const width = this.width();
    const points = summary.parts.map((p) => `${p.points}/${p.maxPoints}`);
    const total = `${summary.points}/${summary.maxPoints}`;
    const time = `   (${seconds(wallMs)})`;
    const pointsWidth = Math.max(total.length, ...points.map((p) => p.length));
    // `Part A  <title>  <points>`: the titles' column shrinks (titles are cut) to fit the terminal.
    const longest = Math.max(0, ...summary.parts.map((p) => p.title.length));
    const titleWidth = width === undefined ? longest : Math.max(8, Math.min(longest, width - 8 - 2 - pointsWidth - time.length));
    const lines = [''];
    summary.parts.forEach((part, i) => {
      const colour = part.points === part.maxPoints ? chalk.green : chalk.yellow;
      lines.push(`Part ${pad(part.id, 2)} ${pad(cut(part.title, titleWidth), titleWidth)}  ${colour(padStart(points[i]!, pointsWidth))}`);
    });
    const totalText = padStart(total, pointsWidth);
    lines.push(chalk.bold(`Total   ${' '.repeat(titleWidth)}  ${summary.passed ? chalk.green(totalText) : chalk.red(totalText)}${chalk.dim(time)}`));
    this.writeLines(lines);
  }
}
