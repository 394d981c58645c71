/**
 * The live status line of `locklab grade` on a terminal: what is running now, the tests done and
 * the points so far, rewritten in place, and cleared before every line the terminal reporter
 * prints (a PASS/FAIL line, a failure's details, the summary), so it never mixes with them.
 * Only on an interactive terminal: in CI or when the output is a file or a pipe, the output is plain.
 */
import chalk from 'chalk';

export interface StatusStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** A CI system: `CI` set (and not "false" or "0"), or GitHub Actions. */
export function isCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') || env.GITHUB_ACTIONS === 'true';
}

/** A live status line only on an interactive terminal, outside CI, and not on a dumb terminal. */
export function wantsLiveStatus(stream: StatusStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !isCI(env) && env.TERM !== 'dumb';
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface LiveStatusOptions {
  /** Clear with an ANSI sequence; false (e.g. NO_COLOR): overwrite with spaces, no escape codes at all. */
  escapes: boolean;
  /** Redraw (spinner, clock) this often; 0: only when something changes. */
  tickMs?: number;
  now?: () => number;
}

/** One line at the bottom of the terminal, redrawn in place; `print` puts text above it. */
export class LiveStatus {
  private text = '';
  /** The visible length of what is on the screen now (0: nothing). */
  private shown = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly started: number;

  constructor(
    private readonly stream: StatusStream,
    private readonly options: LiveStatusOptions,
    private readonly render: (elapsedMs: number) => string = () => '',
  ) {
    this.started = (options.now ?? performance.now.bind(performance))();
    if (options.tickMs) {
      this.timer = setInterval(() => this.draw(), options.tickMs);
      this.timer.unref();
    }
  }

  /** Prints text (whole lines) above the status line. */
  print(text: string): void {
    this.clear();
    this.stream.write(text);
    this.draw();
  }

  /** Redraws the status line with the current state (nothing once stopped). */
  draw(): void {
    if (this.stopped) return;
    const elapsed = (this.options.now ?? performance.now.bind(performance))() - this.started;
    this.text = this.render(elapsed);
    if (this.text === '') return this.clear();
    const width = Math.max(20, (this.stream.columns || 80) - 1); // a pseudo-terminal may say 0 columns
    const spinner = SPINNER[this.frame++ % SPINNER.length]!;
    let line = `${spinner} ${this.text}`;
    if ([...line].length > width) line = `${[...line].slice(0, width - 1).join('')}…`;
    const visible = [...line].length;
    if (this.options.escapes) {
      this.stream.write(`\r${chalk.dim(line)}\x1b[K`);
    } else {
      this.stream.write(`\r${line}${' '.repeat(Math.max(0, this.shown - visible))}`);
    }
    this.shown = visible;
  }

  /** Removes the status line (the cursor is left at the start of the empty line). */
  clear(): void {
    if (this.shown === 0) return;
    this.stream.write(this.options.escapes ? '\r\x1b[2K' : `\r${' '.repeat(this.shown)}\r`);
    this.shown = 0;
  }

  /** Clears the line for good: from now on `print` just writes. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }
}

/**
 * What the status line says during a grading: first what prepares the code (type-checking and
 * bundling, at once), then the runs in flight, the tests done, the points so far.
 */
export class GradeProgress {
  private readonly running = new Map<string, number[]>();
  private done = 0;
  private points = 0;
  private preparing = true;
  /** Preparation steps still under way. */
  private readonly steps: Set<'type-check' | 'bundle'>;

  constructor(
    private readonly total: { tests: number; points: number },
    options: { typecheck: boolean } = { typecheck: true },
  ) {
    this.steps = new Set(options.typecheck ? ['type-check', 'bundle'] : ['bundle']);
  }

  /** Type-checking or bundling is over. */
  stepDone(step: 'type-check' | 'bundle'): void {
    this.steps.delete(step);
  }

  /** What prepares the code now, in words: `type-checking and bundling…`. */
  preparingText(): string {
    const words = [...this.steps].map((step) => (step === 'type-check' ? 'type-checking' : 'bundling'));
    return words.length > 0 ? `${words.join(' and ')}…` : 'starting the nodes…';
  }

  runStarted(test: string, seed: number): void {
    this.preparing = false;
    this.running.set(test, [...(this.running.get(test) ?? []), seed]);
  }

  runFinished(test: string, seed: number): void {
    const seeds = (this.running.get(test) ?? []).filter((s) => s !== seed);
    if (seeds.length > 0) this.running.set(test, seeds);
    else this.running.delete(test);
  }

  testDone(points: number): void {
    this.preparing = false;
    this.done++;
    this.points = Math.round((this.points + points) * 100) / 100;
  }

  /** The status line's text. */
  render(elapsedMs: number): string {
    const clock = `${Math.floor(elapsedMs / 1000)}s`;
    if (this.preparing) return `${this.preparingText()} · ${clock}`;
    const running = [...this.running].map(([test, seeds]) => (seeds.length === 1 ? `${test} (seed ${seeds[0]})` : `${test} (${seeds.length} seeds)`));
    const now = running.length > 0 ? `running ${running.join(', ')}` : 'finishing';
    // The counts first: a narrow terminal cuts the end of the line, the list of runs.
    return `${this.done}/${this.total.tests} tests done · ${this.points}/${this.total.points} points · ${clock} · ${now}`;
  }
}
