/**
 * One grading run: prepare the implementation once, run every selected test on every seed
 * (several runs at a time), and hand each test's score to the reporters as soon as it and
 * every test before it are done, so results appear in the lab's order and are saved as
 * they come.
 */
import type { GradedTest, Limits } from '../lab/manifest.ts';
import type { LoadedLab } from '../lab/load.ts';
import { CompileError, prepareImplementation, type PreparedImplementation } from '../cluster/prepare.ts';
import { runTest, type RunResult } from './run-test.ts';
import { scoreTest, summarize, type Summary, type TestScore } from './scorer.ts';

export interface GradeRequest {
  lab: LoadedLab;
  /** The implementation folder, as the user wrote it (shown in messages and replay commands). */
  impl: string;
  tests: GradedTest[];
  seeds: number[];
  /** Runs at a time. */
  jobs: number;
  typecheck: boolean;
  /** Overrides of the lab's limits (e.g. a shorter infinite-loop guard in the grader's own tests). */
  limits?: Partial<Limits>;
  /** A test finished on all its seeds (called in the lab's order). */
  onTestDone?(score: TestScore, runs: RunResult[]): void | Promise<void>;
}

export type GradeOutcome =
  | { kind: 'graded'; summary: Summary; runs: RunResult[]; prepareMs: number }
  | { kind: 'compile_error'; summary: Summary; details: string[] };

/** The command that replays one run exactly. */
export function replayCommand(lab: string, impl: string, test: string, seed: number): string {
  return `npx locklab grade ${lab} --impl ${impl} --test ${test} --seed ${seed}`;
}

export async function grade(request: GradeRequest): Promise<GradeOutcome> {
  const { lab } = request;
  const started = performance.now();
  let prepared: PreparedImplementation;
  try {
    prepared = await prepareImplementation(lab.manifest, lab.dir, request.impl, { typecheck: request.typecheck });
  } catch (err) {
    if (!(err instanceof CompileError)) throw err;
    const scores = request.tests.map((t) => scoreTest(t, request.seeds.map((seed) => ({ seed, passed: false }))));
    return { kind: 'compile_error', summary: summarize(lab.manifest, scores), details: err.details };
  }
  const prepareMs = performance.now() - started;
  try {
    const manifest = { ...lab.manifest, limits: { ...lab.manifest.limits, ...request.limits } };
    const ctx = { lab: manifest, prepared };

    const tasks = request.tests.flatMap((test, index) => request.seeds.map((seed) => ({ test, index, seed })));
    const byTest: RunResult[][] = request.tests.map(() => []);
    const scores: (TestScore | undefined)[] = request.tests.map(() => undefined);
    let reported = 0;
    let next = 0;
    const reportReady = async () => {
      while (reported < request.tests.length && byTest[reported]!.length === request.seeds.length) {
        const runs = byTest[reported]!.sort((a, b) => a.seed - b.seed);
        const score = scoreTest(request.tests[reported]!, runs);
        scores[reported] = score;
        reported++;
        await request.onTestDone?.(score, runs);
      }
    };
    let reporting = Promise.resolve();
    const worker = async () => {
      while (next < tasks.length) {
        const task = tasks[next++]!;
        const result = await runTest(ctx, task.test, task.seed);
        byTest[task.index]!.push(result);
        reporting = reporting.then(reportReady);
        await reporting;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(request.jobs, tasks.length)) }, worker));
    await reporting;
    return {
      kind: 'graded',
      summary: summarize(lab.manifest, scores as TestScore[]),
      runs: byTest.flat(),
      prepareMs,
    };
  } finally {
    prepared.dispose();
  }
}
