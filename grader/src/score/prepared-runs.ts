/**
 * Prepare once, run many: an implementation is staged, type-checked and bundled once, then any
 * number of runs (a test on a seed) go through it, several at a time, each exactly as
 * `locklab grade` runs it. `grade` (every test on a few seeds) and `explore` (a few tests on
 * thousands of seeds) both run this way, so a seed's verdict is the same in either.
 */
import type { FailureModel } from '../faults/failure-model.ts';
import type { GradedTest, Limits } from '../lab/manifest.ts';
import type { LoadedLab } from '../lab/load.ts';
import { NodeSet } from '../cluster/node-set.ts';
import { CompileError, prepareImplementation, type PreparedImplementation, type PrepareStep } from '../cluster/prepare.ts';
import { detectSandbox, sandboxNotice } from '../cluster/sandbox.ts';
import { isStopping, stopped } from '../cluster/teardown.ts';
import { inertLine, inertLines } from '../text/untrusted.ts';
import { runTest, type RunContext, type RunResult } from './run-test.ts';

export interface PrepareRequest {
  lab: LoadedLab;
  /** The implementation folder, as the user wrote it. */
  impl: string;
  typecheck: boolean;
  /** A failure model for every test, replacing the tests' and the lab's (`--faults`). */
  faults?: FailureModel;
  /** Overrides of the lab's limits (e.g. a shorter infinite-loop guard in the grader's own tests). */
  limits?: Partial<Limits>;
  /** Nodes run in the sandbox (docs/security.md) unless this is false (`--no-sandbox`). */
  sandbox?: boolean;
  /** Type-checking or bundling is over (before any run starts). */
  onPrepareStep?(step: PrepareStep): void;
  /** One line about the runs as a whole, e.g. a sandbox layer this machine cannot give. */
  onNotice?(line: string): void;
}

/** The runs' shared context, and how long preparing took. */
export interface Prepared {
  ctx: RunContext & { nodes: NodeSet };
  prepareMs: number;
}

/** The implementation does not compile: the compiler's messages, inert (they quote the student's code). */
export interface NotCompiled {
  kind: 'compile_error';
  details: string[];
}

/**
 * Prepares the implementation, hands the runs' context to `use`, and once `use` is over (or
 * throws) stops every node of these runs and removes the prepared folder.
 */
export async function withPrepared<T>(request: PrepareRequest, use: (prepared: Prepared) => Promise<T>): Promise<{ kind: 'compiled'; value: T } | NotCompiled> {
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
    // Stopping (Ctrl-C): the compilers were killed; nothing more is run or reported.
    if (isStopping()) await stopped();
    if (!(err instanceof CompileError)) throw err;
    return { kind: 'compile_error', details: inertLines(err.details) };
  }
  const prepareMs = performance.now() - started;
  // Every node of these runs: an internal error stops them all before the folder goes.
  const nodes = new NodeSet();
  try {
    const sandbox = await sandboxProbe;
    const notice = sandbox && sandboxNotice(sandbox);
    if (notice) request.onNotice?.(notice);
    const ctx = { lab: { ...lab.manifest, limits }, prepared, sandbox, nodes, ...(request.faults ? { faults: request.faults } : {}) };
    return { kind: 'compiled', value: await use({ ctx, prepareMs }) };
  } finally {
    await nodes.close();
    prepared.dispose();
  }
}

/** One run to do: a test on a seed. */
export interface RunTask {
  test: GradedTest;
  seed: number;
}

export interface RunEachHooks<T extends RunTask> {
  /** A run starts: what a live status line shows. */
  onRunStart?(task: T): void;
  /** A run is over, its result inert; the next run of this job waits for the promise. */
  onResult(result: RunResult, task: T): void | Promise<void>;
}

/**
 * Runs every task, `jobs` at a time, taking the tasks one by one as jobs free up (so a generator
 * of a million seeds costs no memory). The first error (a hook that threw) starts no other run
 * and stops every node at once, then is thrown; when the grader is stopping, this never settles.
 */
export async function runEach<T extends RunTask>(ctx: Prepared['ctx'], tasks: Iterator<T>, jobs: number, hooks: RunEachHooks<T>): Promise<void> {
  let failure: { error: unknown } | undefined;
  const job = async () => {
    try {
      while (failure === undefined && !isStopping()) {
        const next = tasks.next();
        if (next.done) return;
        const task = next.value;
        hooks.onRunStart?.(task);
        const result = inertRun(await runTest(ctx, task.test, task.seed));
        if (isStopping() || failure !== undefined) return;
        await hooks.onResult(result, task);
      }
    } catch (error) {
      failure ??= { error };
      await ctx.nodes.close(); // the other runs end at once
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, job));
  if (isStopping()) await stopped();
  if (failure) throw failure.error;
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
