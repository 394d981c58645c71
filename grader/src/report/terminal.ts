/**
 * What a student sees: a line per test (PASS/FAIL, points, time), and for a failure the
 * reason, a hint, the nodes' last log lines and the command that replays the failing seed;
 * then points per part and in all. Colour follows chalk's detection (NO_COLOR, FORCE_COLOR).
 */
import chalk from 'chalk';
import type { RunResult } from '../score/run-test.ts';
import type { Summary, TestScore } from '../score/scorer.ts';

export interface TerminalOptions {
  write: (text: string) => void;
  lab: string;
  impl: string;
  replay: (test: string, seed: number) => string;
  /** Path of the trace file of a run, if traces are written. */
  traceFile?: (run: RunResult) => string | undefined;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

export function formatTestLine(score: TestScore, runs: readonly RunResult[], nameWidth: number): string {
  const status = score.passed ? chalk.green('PASS') : chalk.red.bold('FAIL');
  const points = `${score.points}/${score.maxPoints}`;
  const wall = runs.reduce((a, r) => a + r.wallMs, 0);
  const seeds = score.seeds.length > 1 ? chalk.dim(` ${score.seeds.length} seeds`) : '';
  return `${status}  ${pad(score.name, nameWidth)}  ${chalk.dim(score.part)}  ${pad(points, 6)} ${chalk.dim(seconds(wall))}${seeds}`;
}

export function formatFailure(run: RunResult, options: TerminalOptions): string[] {
  const lines: string[] = [];
  const indent = '      ';
  lines.push(`${indent}${chalk.red(`seed ${run.seed}:`)} ${run.message ?? 'failed'}`);
  if (run.hint) lines.push(`${indent}${chalk.yellow('hint:')} ${run.hint}`);
  for (const [node, log] of Object.entries(run.logs)) {
    lines.push(`${indent}${chalk.cyan(node)} ${chalk.dim('(last log lines)')}`);
    for (const line of log) lines.push(`${indent}  ${chalk.dim(line)}`);
  }
  const trace = options.traceFile?.(run);
  if (trace) lines.push(`${indent}${chalk.dim('trace:')} ${trace}`);
  lines.push(`${indent}${chalk.dim('replay:')} ${options.replay(run.test, run.seed)}`);
  return lines;
}

export class TerminalReporter {
  private nameWidth = 24;

  constructor(private readonly options: TerminalOptions) {}

  start(testNames: string[], impl: string, seeds: number[]): void {
    this.nameWidth = Math.max(12, ...testNames.map((n) => n.length));
    const seedText = seeds.length === 1 ? `seed ${seeds[0]}` : `${seeds.length} seeds`;
    this.options.write(chalk.bold(`locklab: grading ${this.options.lab} (${impl}), ${testNames.length} tests, ${seedText}\n`));
  }

  compileError(details: string[]): void {
    this.options.write(chalk.red.bold('The implementation does not compile; every test scores 0.\n'));
    for (const line of details.slice(0, 30)) this.options.write(`  ${line}\n`);
    if (details.length > 30) this.options.write(`  ... and ${details.length - 30} more\n`);
  }

  testDone(score: TestScore, runs: readonly RunResult[]): void {
    const lines = [formatTestLine(score, runs, this.nameWidth)];
    const failed = runs.filter((r) => !r.passed);
    // One failing seed explained in full is enough; the others are listed, each with its replay command.
    if (failed[0]) lines.push(...formatFailure(failed[0], this.options));
    for (const run of failed.slice(1)) lines.push(`      ${chalk.dim(`also failing: seed ${run.seed}, replay:`)} ${this.options.replay(run.test, run.seed)}`);
    this.options.write(lines.join('\n') + '\n');
  }

  summary(summary: Summary, wallMs: number): void {
    const lines = [''];
    for (const part of summary.parts) {
      const colour = part.points === part.maxPoints ? chalk.green : chalk.yellow;
      lines.push(`Part ${part.id}  ${pad(part.title, 58)} ${colour(`${part.points}/${part.maxPoints}`)}`);
    }
    const total = `${summary.points}/${summary.maxPoints}`;
    lines.push(chalk.bold(`Total  ${pad('', 58)}${summary.passed ? chalk.green(total) : chalk.red(total)}   ${chalk.dim(`(${seconds(wallMs)})`)}`));
    this.options.write(lines.join('\n') + '\n');
  }
}
