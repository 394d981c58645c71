/**
 * A few tests over many seeds, on one or more implementations: each implementation prepared
 * once, every run exactly as `locklab grade` runs it. Memory stays bounded whatever the number
 * of seeds: a passing run is counted and dropped, a failing run is handed on as it happens and
 * only the first few failures are kept (their reason, not their trace).
 */
import type { GradedTest } from '../lab/manifest.ts';
import type { PrepareStep } from '../cluster/prepare.ts';
import { runEach, withPrepared, type PrepareRequest } from './prepared-runs.ts';
import type { RunResult } from './run-test.ts';

/** Seeds `first` to `last`, both included. */
export interface SeedRange {
  first: number;
  last: number;
}

/** Failing seeds listed per test (the count is always exact). */
export const FAILING_SEEDS_KEPT = 100;

export interface ExploreRequest extends Omit<PrepareRequest, 'impl' | 'onPrepareStep'> {
  /** Implementation folders, as the user wrote them: the reference and other correct designs. */
  impls: string[];
  tests: GradedTest[];
  seeds: SeedRange;
  /** Runs at a time. */
  jobs: number;
  /** Failures kept (and handed on with `kept`), at most, over every test and implementation. */
  maxFailures: number;
  /** An implementation is being prepared (type-checked, bundled). */
  onPrepare?(impl: string): void;
  onPrepareStep?(impl: string, step: PrepareStep): void;
  onRunStart?(impl: string, test: GradedTest, seed: number): void;
  onRunDone?(impl: string, run: RunResult): void;
  /**
   * A run failed, as it happens. `kept`: one of the first `maxFailures` failures (e.g. to save its
   * trace); the run is dropped once this returns.
   */
  onFailure?(impl: string, run: RunResult, kept: boolean): void | Promise<void>;
}

/** A failure kept for the summary: where it happened and why. */
export interface KeptFailure {
  impl: string;
  test: string;
  seed: number;
  message: string;
}

export interface TestExploration {
  impl: string;
  test: string;
  runs: number;
  failures: number;
  /** The lowest failing seeds, at most FAILING_SEEDS_KEPT, in order. */
  failingSeeds: number[];
  /** Wall-clock time from the test's first run's start to its last run's end. */
  wallMs: number;
}

export interface ImplExploration {
  impl: string;
  /** The implementation does not compile: the compiler's messages (inert); no test ran. */
  compileError?: string[];
  tests: TestExploration[];
}

export interface Exploration {
  impls: ImplExploration[];
  kept: KeptFailure[];
  failures: number;
}

/** The runs done so far, over every implementation and test. */
export function runsDone(exploration: Exploration): number {
  return exploration.impls.reduce((a, i) => a + i.tests.reduce((b, t) => b + t.runs, 0), 0);
}

/** Runs per minute of wall-clock time (0 before any time has passed). */
export function runsPerMinute(runs: number, wallMs: number): number {
  return wallMs > 0 ? Math.round((runs * 60_000) / wallMs) : 0;
}

function* seedsOf(range: SeedRange): Generator<number> {
  for (let seed = range.first; seed <= range.last; seed++) yield seed;
}

/**
 * Runs every test on every seed of the range, implementation after implementation, counting
 * into `exploration` (which the caller may read meanwhile, e.g. to save the counts when stopped).
 */
export async function explore(request: ExploreRequest, exploration: Exploration = { impls: [], kept: [], failures: 0 }): Promise<Exploration> {
  for (const impl of request.impls) {
    request.onPrepare?.(impl);
    const tests: TestExploration[] = request.tests.map((t) => ({ impl, test: t.name, runs: 0, failures: 0, failingSeeds: [], wallMs: 0 }));
    const mine: ImplExploration = { impl, tests };
    exploration.impls.push(mine);
    const firstStart: (number | undefined)[] = tests.map(() => undefined);
    const { onPrepareStep, ...shared } = request;
    const outcome = await withPrepared(
      { ...shared, impl, ...(onPrepareStep ? { onPrepareStep: (step: PrepareStep) => onPrepareStep(impl, step) } : {}) },
      async ({ ctx }) => {
        // Lazily, one run at a time: a million seeds take no more memory than ten.
        const tasks = (function* () {
          for (const [index, test] of request.tests.entries()) for (const seed of seedsOf(request.seeds)) yield { test, index, seed };
        })();
        await runEach(ctx, tasks, request.jobs, {
          onRunStart(task) {
            firstStart[task.index] ??= performance.now();
            request.onRunStart?.(impl, task.test, task.seed);
          },
          async onResult(run, task) {
            const tally = tests[task.index]!;
            tally.runs++;
            tally.wallMs = performance.now() - firstStart[task.index]!;
            request.onRunDone?.(impl, run);
            if (!run.passed) {
              tally.failures++;
              exploration.failures++;
              keepLowest(tally.failingSeeds, run.seed);
              const kept = exploration.kept.length < request.maxFailures;
              if (kept) exploration.kept.push({ impl, test: run.test, seed: run.seed, message: run.message ?? 'failed' });
              await request.onFailure?.(impl, run, kept);
            }
          },
        });
      },
    );
    if (outcome.kind === 'compile_error') mine.compileError = outcome.details;
  }
  return exploration;
}

/** Adds a seed to a sorted list that keeps the FAILING_SEEDS_KEPT lowest (runs end out of order with several jobs). */
function keepLowest(seeds: number[], seed: number): void {
  let at = seeds.length;
  while (at > 0 && seeds[at - 1]! > seed) at--;
  if (at >= FAILING_SEEDS_KEPT) return;
  seeds.splice(at, 0, seed);
  if (seeds.length > FAILING_SEEDS_KEPT) seeds.pop();
}
