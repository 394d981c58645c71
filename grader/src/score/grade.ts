/**
 * One grading run: prepare the implementation once, run every selected test on every seed
 * (several runs at a time), and hand each test's score to the reporters as soon as it and
 * every test before it are done, so results appear in the lab's order and are saved as
 * they come.
 */
import type { FailureModel } from '../faults/failure-model.ts';
import type { GradedTest, Limits } from '../lab/manifest.ts';
import type { LoadedLab } from '../lab/load.ts';
import { CompileError, prepareImplementation, type PreparedImplementation, type PrepareStep } from '../cluster/prepare.ts';
import { detectSandbox, sandboxNotice } from '../cluster/sandbox.ts';
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
  /** A failure model for every test, replacing the tests' and the lab's (`--faults`). */
  faults?: FailureModel;
  /** Overrides of the lab's limits (e.g. a shorter infinite-loop guard in the grader's own tests). */
  limits?: Partial<Limits>;
  /** Nodes run in the sandbox (docs/security.md) unless this is false (`--no-sandbox`). */
  sandbox?: boolean;
  /** Type-checking or bundling is over (before any test runs). */
  onPrepareStep?(step: PrepareStep): void;
  /** One line about the grading as a whole, e.g. a sandbox layer this machine cannot give. */
  onNotice?(line: string): void;
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
 * default folder is not named: the command stays short enough for a narrow terminal.
 */
export function replayCommand(lab: string, impl: string, test: string, seed: number, faults?: string): string {
  const quoted = faults === undefined ? '' : ` --faults ${/^[\w.,=:+-]+$/.test(faults) ? faults : `'${faults}'`}`;
  const folder = impl === DEFAULT_IMPL ? '' : ` --impl ${shellWord(impl)}`;
  return `npx locklab grade ${lab}${folder} --test ${test} --seed ${seed}${quoted}`;
}

/** A folder as one shell word: quoted when its name has spaces, quotes or other specials (a student's folder may). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function grade(request: GradeRequest): Promise<GradeOutcome> {
  const { lab } = request;
  const started = performance.now();
  const sandboxProbe = request.sandbox === false ? undefined : detectSandbox();
  let prepared: PreparedImplementation;
  try {
    prepared = await prepareImplementation(lab.manifest, lab.dir, request.impl, {
      typecheck: request.typecheck,
      ...(request.onPrepareStep ? { onStepDone: request.onPrepareStep } : {}),
    });
  } catch (err) {
    if (!(err instanceof CompileError)) throw err;
    const scores = request.tests.map((t) => scoreTest(t, request.seeds.map((seed) => ({ seed, passed: false })), lab.manifest));
    return { kind: 'compile_error', summary: summarize(lab.manifest, scores), details: err.details };
  }
  const prepareMs = performance.now() - started;
  try {
    const manifest = { ...lab.manifest, limits: { ...lab.manifest.limits, ...request.limits } };
    const sandbox = await sandboxProbe;
    const notice = sandbox && sandboxNotice(sandbox);
    if (notice) request.onNotice?.(notice);
    const ctx = { lab: manifest, prepared, sandbox, ...(request.faults ? { faults: request.faults } : {}) };

    const tasks = request.tests.flatMap((test, index) => request.seeds.map((seed) => ({ test, index, seed })));
    const byTest: RunResult[][] = request.tests.map(() => []);
    const scores: (TestScore | undefined)[] = request.tests.map(() => undefined);
    let reported = 0;
    let next = 0;
    const reportReady = async () => {
      while (reported < request.tests.length && byTest[reported]!.length === request.seeds.length) {
        const runs = byTest[reported]!.sort((a, b) => a.seed - b.seed);
        const score = scoreTest(request.tests[reported]!, runs, lab.manifest);
        scores[reported] = score;
        reported++;
        await request.onTestDone?.(score, runs);
      }
    };
    let reporting = Promise.resolve();
    const worker = async () => {
      while (next < tasks.length) {
        const task = tasks[next++]!;
        request.onRunStart?.(task.test, task.seed);
        const result = await runTest(ctx, task.test, task.seed);
        request.onRunDone?.(result);
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
