/**
 * One grading run: prepare the implementation once, run every selected test on every seed
 * (several runs at a time), and hand each test's score to the reporters as soon as it and
 * every test before it are done, so results appear in the lab's order and are saved as
 * they come.
 */
import type { FailureModel } from '../faults/failure-model.ts';
import type { GradedTest, Limits } from '../lab/manifest.ts';
import type { LoadedLab } from '../lab/load.ts';
import { NodeSet } from '../cluster/node-set.ts';
import { CompileError, prepareImplementation, type PreparedImplementation, type PrepareStep } from '../cluster/prepare.ts';
import { detectSandbox, sandboxNotice } from '../cluster/sandbox.ts';
import { isStopping, stopped } from '../cluster/teardown.ts';
import { inertLine, inertLines, shellWord } from '../text/untrusted.ts';
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
 * default folder is not named: the command stays short enough for a narrow terminal. The folder
 * may be a student's, so it is quoted inert.
 */
export function replayCommand(lab: string, impl: string, test: string, seed: number, faults?: string): string {
  const quoted = faults === undefined ? '' : ` --faults ${shellWord(faults)}`;
  const folder = impl === DEFAULT_IMPL ? '' : ` --impl ${shellWord(impl)}`;
  return `npx locklab grade ${lab}${folder} --test ${test} --seed ${seed}${quoted}`;
}

/**
 * A run's result as reporters may show it: its message, hint and logs quote what nodes chose
 * (message types, destinations, results, output), made inert here, once, for every reporter.
 */
export function inertRun(run: RunResult): RunResult {
  const message = run.message === undefined ? undefined : inertLine(run.message);
  return {
    ...run,
    ...(message !== undefined ? { message } : {}),
    ...(run.hint !== undefined ? { hint: inertLine(run.hint) } : {}),
    logs: Object.fromEntries(Object.entries(run.logs).map(([node, lines]) => [inertLine(node), inertLines(lines)])),
    trace: { ...run.trace, outcome: message === undefined ? run.trace.outcome : { ...run.trace.outcome, message } },
  };
}

export async function grade(request: GradeRequest): Promise<GradeOutcome> {
  const { lab } = request;
  const started = performance.now();
  const limits = { ...lab.manifest.limits, ...request.limits };
  const sandboxProbe = request.sandbox === false ? undefined : detectSandbox();
  let prepared: PreparedImplementation;
  try {
    prepared = await prepareImplementation(lab.manifest, lab.dir, request.impl, {
      typecheck: request.typecheck,
      limits,
      ...(request.onPrepareStep ? { onStepDone: request.onPrepareStep } : {}),
    });
  } catch (err) {
    // Stopping (Ctrl-C): the compilers were killed; nothing more is graded or reported.
    if (isStopping()) await stopped();
    if (!(err instanceof CompileError)) throw err;
    const scores = request.tests.map((t) => scoreTest(t, request.seeds.map((seed) => ({ seed, passed: false })), lab.manifest));
    // Compiler messages quote the student's code: inert, like a run's result.
    return { kind: 'compile_error', summary: summarize(lab.manifest, scores), details: inertLines(err.details) };
  }
  const prepareMs = performance.now() - started;
  // Every node of this grading: an internal error stops them all before the folder goes.
  const nodes = new NodeSet();
  try {
    const manifest = { ...lab.manifest, limits };
    const sandbox = await sandboxProbe;
    const notice = sandbox && sandboxNotice(sandbox);
    if (notice) request.onNotice?.(notice);
    const ctx = { lab: manifest, prepared, sandbox, nodes, ...(request.faults ? { faults: request.faults } : {}) };

    const tasks = request.tests.flatMap((test, index) => request.seeds.map((seed) => ({ test, index, seed })));
    const byTest: RunResult[][] = request.tests.map(() => []);
    const scores: (TestScore | undefined)[] = request.tests.map(() => undefined);
    let reported = 0;
    let next = 0;
    /** The first internal error (a reporter that threw, say): no run starts after it. */
    let failure: { error: unknown } | undefined;
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
    const worker = async () => {
      try {
        while (next < tasks.length && failure === undefined && !isStopping()) {
          const task = tasks[next++]!;
          request.onRunStart?.(task.test, task.seed);
          const result = inertRun(await runTest(ctx, task.test, task.seed));
          if (isStopping() || failure !== undefined) return;
          request.onRunDone?.(result);
          byTest[task.index]!.push(result);
          reporting = reporting.then(reportReady);
          await reporting;
        }
      } catch (error) {
        failure ??= { error };
        await nodes.close(); // the other runs end at once
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(request.jobs, tasks.length)) }, worker));
    if (isStopping()) await stopped();
    if (failure) throw failure.error;
    await reporting;
    return {
      kind: 'graded',
      summary: summarize(lab.manifest, scores as TestScore[]),
      runs: byTest.flat(),
      prepareMs,
    };
  } finally {
    await nodes.close();
    prepared.dispose();
  }
}
