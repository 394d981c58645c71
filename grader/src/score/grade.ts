/**
 * One grading run: prepare the implementation once, run every selected test on every seed
 * (several runs at a time), and hand each test's score to the reporters as soon as it and
 * every test before it are done, so results appear in the lab's order and are saved as
 * they come.
 */
import type { GradedTest } from '../lab/manifest.ts';
import { isStopping } from '../cluster/teardown.ts';
import { shellWord } from '../text/untrusted.ts';
import { runEach, withPrepared, type PrepareRequest } from './prepared-runs.ts';
import type { RunResult } from './run-test.ts';
import { scoreTest, summarize, type Summary, type TestScore } from './scorer.ts';

export { inertRun } from './prepared-runs.ts';

/** What to prepare (`PrepareRequest`: lab, implementation, type-check, faults, limits, sandbox), and what to run. */
export interface GradeRequest extends PrepareRequest {
  tests: GradedTest[];
  seeds: number[];
  /** Runs at a time. */
  jobs: number;
  /** A test finished on all its seeds (called in the lab's order). */
  onTestDone?(score: TestScore, runs: RunResult[]): void | Promise<void>;
  /** A run (one test on one seed) starts, and ends: what a live status line shows. */
  onRunStart?(test: GradedTest, seed: number): void;
  onRunDone?(run: RunResult): void;
}

export type GradeOutcome =
  | { kind: 'graded'; summary: Summary; runs: RunResult[]; prepareMs: number }
  | { kind: 'compile_error'; summary: Summary; details: string[] };

/** The implementation folder graded when none is named (`--impl`). */
export const DEFAULT_IMPL = 'starter';

/**
 * The command that replays one run exactly (with the `--faults` it ran under, if any). The
 * default folder is not named: the command stays short enough for a narrow terminal. The folder
 * may be a student's, so it is quoted inert.
 */
export function replayCommand(lab: string, impl: string, test: string, seed: number, faults?: string): string {
  const quoted = faults === undefined ? '' : ` --faults ${shellWord(faults)}`;
  const folder = impl === DEFAULT_IMPL ? '' : ` --impl ${shellWord(impl)}`;
  return `npx locklab grade ${lab}${folder} --test ${test} --seed ${seed}${quoted}`;
}

export async function grade(request: GradeRequest): Promise<GradeOutcome> {
  const { lab } = request;
  const outcome = await withPrepared(request, async ({ ctx, prepareMs }) => {
    const tasks = request.tests.flatMap((test, index) => request.seeds.map((seed) => ({ test, index, seed })));
    const byTest: RunResult[][] = request.tests.map(() => []);
    const scores: (TestScore | undefined)[] = request.tests.map(() => undefined);
    let reported = 0;
    const reportReady = async () => {
      while (reported < request.tests.length && byTest[reported]!.length === request.seeds.length && !isStopping()) {
        const runs = byTest[reported]!.sort((a, b) => a.seed - b.seed);
        const score = scoreTest(request.tests[reported]!, runs, lab.manifest);
        scores[reported] = score;
        reported++;
        await request.onTestDone?.(score, runs);
      }
    };
    let reporting = Promise.resolve();
    await runEach(ctx, tasks.values(), Math.min(request.jobs, tasks.length), {
      onRunStart: (task) => request.onRunStart?.(task.test, task.seed),
      async onResult(result, task) {
        request.onRunDone?.(result);
        byTest[task.index]!.push(result);
        reporting = reporting.then(reportReady);
        await reporting;
      },
    });
    await reporting;
    return {
      kind: 'graded' as const,
      summary: summarize(lab.manifest, scores as TestScore[]),
      runs: byTest.flat(),
      prepareMs,
    };
  });
  if (outcome.kind === 'compiled') return outcome.value;
  const scores = request.tests.map((t) => scoreTest(t, request.seeds.map((seed) => ({ seed, passed: false })), lab.manifest));
  return { kind: 'compile_error', summary: summarize(lab.manifest, scores), details: outcome.details };
}
