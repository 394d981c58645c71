/**
 * What a batch shows while it runs. On a terminal: a line per finished student and, under
 * them, one status line rewritten in place (done/total, rate, ETA, who is being graded). In CI
 * (the `CI` variable) or when the output is not a terminal: plain lines only, one per student,
 * each with the ETA, so a log reads well.
 */
import chalk from 'chalk';
import type { BatchEvents, StudentOutcome } from './batch.ts';

export interface ProgressOptions {
  write: (text: string) => void;
  /** Rewrite a status line in place (a terminal, not CI). */
  live: boolean;
  /** Width of the terminal (default: stdout's). */
  columns?: number;
  now?: () => number;
}

/** True when the status line may be rewritten in place: a terminal, and not CI. */
export function isLiveTerminal(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env['CI'];
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const STATUS_TEXT: Record<StudentOutcome['status'], string> = {
  graded: 'graded',
  compile_error: 'does not compile',
  missing_files: 'missing files',
  ambiguous_files: 'several copies',
  bad_archive: 'bad archive',
  duplicate: 'two submissions',
  error: 'GRADER ERROR',
};

export class BatchProgress implements BatchEvents {
  private total = 0;
  private finished = 0;
  private gradedHere = 0;
  private toGrade = 0;
  private startedAt = 0;
  private readonly running = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  start(info: { total: number; toGrade: number; skipped: string[] }): void {
    this.total = info.total;
    this.toGrade = info.toGrade;
    this.finished = info.skipped.length;
    this.startedAt = this.now();
    const skipped = info.skipped.length > 0 ? `; ${info.skipped.length} already graded (skipped; --force grades them again)` : '';
    this.options.write(`${info.total} submission(s), ${info.toGrade} to grade${skipped}\n`);
    if (this.options.live && info.toGrade > 0) {
      this.timer = setInterval(() => this.draw(), 1000);
      this.timer.unref();
      this.draw();
    }
  }

  begin(student: string): void {
    this.running.add(student);
    if (this.options.live) this.draw();
  }

  done(outcome: StudentOutcome): void {
    this.running.delete(outcome.student);
    this.finished++;
    this.gradedHere++;
    const score = `${outcome.score}/${outcome.maxScore}`;
    const status = outcome.status === 'graded' ? '' : `  ${outcome.status === 'error' ? chalk.red(STATUS_TEXT[outcome.status]) : chalk.yellow(STATUS_TEXT[outcome.status])}`;
    const reason = outcome.reason ? chalk.dim(`  ${outcome.reason}`) : '';
    const line = `${this.counter()} ${outcome.student}  ${score}${status}  ${chalk.dim(formatDurationPrecise(outcome.wallMs))}${reason}`;
    if (this.options.live) {
      this.options.write(`\r\x1b[2K${line}\n`);
      this.draw();
    } else {
      this.options.write(`${line}${chalk.dim(`  ETA ${this.eta()}`)}\n`);
    }
  }

  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.options.live) this.options.write('\r\x1b[2K');
  }

  private counter(): string {
    const width = String(this.total).length;
    return `[${String(this.finished).padStart(width)}/${this.total}]`;
  }

  /** Remaining time at the pace of this run so far (skipped submissions do not count). */
  eta(): string {
    const left = this.total - this.finished;
    if (left === 0) return '0s';
    if (this.gradedHere === 0) return '…';
    const perStudent = (this.now() - this.startedAt) / this.gradedHere;
    return formatDuration(perStudent * left);
  }

  private draw(): void {
    const elapsed = this.now() - this.startedAt;
    const rate = this.gradedHere > 0 ? `${((this.gradedHere * 60_000) / elapsed).toFixed(1)}/min` : '';
    const pct = this.total > 0 ? Math.floor((100 * this.finished) / this.total) : 100;
    const who = [...this.running].join(', ');
    const parts = [`${this.counter()} ${pct}%`, rate, `ETA ${this.eta()}`, `elapsed ${formatDuration(elapsed)}`, who ? `grading ${who}` : ''].filter(Boolean);
    // Kept to one terminal row, or rewriting it in place would leave its wrapped part behind.
    const columns = this.options.columns ?? process.stdout.columns ?? 0;
    const line = parts.join(' · ');
    this.options.write(`\r\x1b[2K${chalk.cyan(columns >= 20 && line.length > columns - 1 ? `${line.slice(0, columns - 2)}…` : line)}`);
  }
}

function formatDurationPrecise(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms);
}
