/**
 * `locklab grade <lab> [--impl DIR] [--part P] [--test NAME[,NAME...]] [--seed N | --seeds K]
 *                      [--json FILE] [--trace-dir DIR] [--jobs N] [--no-typecheck] [--faults SPEC]
 *                      [--junit FILE] [--classroom FILE|-] [--no-sandbox]`
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import chalk from 'chalk';
import { z } from 'zod';
import { defaultJobs, describeJobs } from '../cluster/capacity.ts';
import { assertImplementation } from '../cluster/prepare.ts';
import { loadLab, type LoadedLab } from '../lab/load.ts';
import type { GradedTest } from '../lab/manifest.ts';
import { gradescopeTest, writeGradescopeResults, type GradescopeTest } from '../report/gradescope.ts';
import { pathStyle, showFile } from '../report/hyperlink.ts';
import { GradeProgress, LiveStatus, wantsLiveStatus } from '../report/live-status.ts';
import { ciReporters, combineReporters } from '../report/reporter.ts';
import { TerminalReporter } from '../report/terminal.ts';
import { traceFileName, writeTraceFile } from '../report/trace-files.ts';
import { htmlPathFor, writeTraceHtmlFor } from '../report/trace-viewer.ts';
import type { RunResult } from '../score/run-test.ts';
import { DEFAULT_IMPL, grade, replayCommand } from '../score/grade.ts';
import { parseFaultsSpec } from '../faults/failure-model.ts';
import { oneLineError, stopOnSignals, type StopReason } from '../cluster/teardown.ts';
import { inertLine } from '../text/untrusted.ts';
import { EXIT, positiveInt, UsageError } from './common.ts';

/** Where a failing run's trace (JSON) and its page (HTML) go when --trace-dir is not given. Gitignored. */
export const FAILED_TRACE_DIR = path.join('.locklab', 'traces');

const GradeOptionsSchema = z
  .object({
    lab: z.string({ error: 'which lab? e.g. `locklab grade lab1`' }),
    impl: z.string().default(DEFAULT_IMPL),
    part: z.string().optional(),
    test: z.string().optional(),
    seed: z.string().regex(/^\d+$/, '--seed must be a whole number').transform(Number).optional(),
    seeds: positiveInt('--seeds').optional(),
    json: z.string().optional(),
    'trace-dir': z.string().optional(),
    jobs: positiveInt('--jobs').optional(),
    'no-typecheck': z.boolean().default(false),
    'no-sandbox': z.boolean().default(false),
    junit: z.string().optional(),
    classroom: z.string().optional(),
    faults: z.string().optional(),
  })
  .refine((o) => o.seed === undefined || o.seeds === undefined, '--seed and --seeds do not go together');
export type GradeOptions = z.infer<typeof GradeOptionsSchema>;

function parseGradeOptions(args: string[]): GradeOptions {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      impl: { type: 'string' },
      part: { type: 'string' },
      test: { type: 'string' },
      seed: { type: 'string' },
      seeds: { type: 'string' },
      json: { type: 'string' },
      'trace-dir': { type: 'string' },
      jobs: { type: 'string' },
      'no-typecheck': { type: 'boolean' },
      'no-sandbox': { type: 'boolean' },
      junit: { type: 'string' },
      classroom: { type: 'string' },
      faults: { type: 'string' },
    },
  });
  if (positionals.length > 1) throw new UsageError(`one lab at a time (got ${positionals.join(', ')})`);
  const parsed = GradeOptionsSchema.safeParse({ ...values, lab: positionals[0] });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

/** The tests that --part and --test select, or a one-line error listing the valid choices. */
export function selectTests(lab: LoadedLab, part?: string, test?: string): GradedTest[] {
  const { manifest } = lab;
  let tests = manifest.tests;
  if (part !== undefined) {
    const parts = manifest.parts.map((p) => p.id);
    if (!parts.includes(part)) throw new UsageError(`unknown part "${part}" of ${manifest.id}; parts: ${parts.join(', ')}`);
    tests = tests.filter((t) => t.part === part);
  }
  if (test !== undefined) {
    const names = test.split(',').map((n) => n.trim()).filter(Boolean);
    const unknown = names.filter((n) => !tests.some((t) => t.name === n));
    if (unknown.length > 0) {
      throw new UsageError(`unknown test ${unknown.map((n) => `"${n}"`).join(', ')}${part ? ` in part ${part}` : ''}; tests: ${tests.filter((t) => !t.hidden).map((t) => t.name).join(', ')}`);
    }
    tests = tests.filter((t) => names.includes(t.name));
  }
  return tests;
}

export async function gradeCommand(args: string[]): Promise<number> {
  const options = parseGradeOptions(args);
  const lab = await loadLab(options.lab);
  const tests = selectTests(lab, options.part, options.test);
  const seeds =
    options.seed !== undefined
      ? [options.seed]
      : Array.from({ length: options.seeds ?? lab.manifest.seeds }, (_, i) => i + 1);
  const impl = options.impl;
  const faults = options.faults === undefined ? undefined : parseFaultsSpec(options.faults);
  assertImplementation(lab.manifest, impl);
  const replay = (test: string, seed: number) => replayCommand(lab.manifest.id, impl, test, seed, options.faults);
  // The folder's name may be a student's: shown inert (replay commands quote it exactly, and inert).
  const shownImpl = inertLine(impl);
  const traceDir = options['trace-dir'];
  // With --trace-dir, every run's trace and page go there; without it, a failing run's go to FAILED_TRACE_DIR.
  const traceDirOf = (run: RunResult) => traceDir ?? (run.passed ? undefined : FAILED_TRACE_DIR);
  const started = performance.now();
  // `--classroom -` puts the result on standard output: the report for people moves to standard error.
  const out = options.classroom === '-' ? process.stderr : process.stdout;
  const typecheck = !options['no-typecheck'];
  const progress = new GradeProgress({ tests: tests.length, points: tests.reduce((a, t) => a + t.points, 0) }, { typecheck });
  const live = wantsLiveStatus(out, process.env) ? new LiveStatus(out, { escapes: chalk.level > 0, tickMs: 100 }, (ms) => progress.render(ms)) : undefined;
  const pathsAs = pathStyle(out, process.env);
  const print = (text: string) => (live ? live.print(text) : out.write(text));
  const ci = combineReporters(
    ciReporters(
      { lab: lab.manifest, impl: shownImpl, seeds, replay },
      {
        ...(options.junit !== undefined ? { junit: options.junit } : {}),
        ...(options.classroom !== undefined ? { classroom: options.classroom } : {}),
        env: process.env,
        stdout: (text) => (out === process.stdout ? print(text) : process.stdout.write(text)),
      },
    ),
  );
  const reporter = new TerminalReporter({
    write: print,
    lab: lab.manifest.id,
    impl: shownImpl,
    replay,
    traceFile: (run) => {
      const dir = traceDirOf(run);
      return dir ? htmlPathFor(path.join(dir, traceFileName(run.test, run.seed))) : undefined;
    },
    // Trace pages are in a hidden folder: on a terminal, a link to click.
    showPath: (file) => showFile(file, pathsAs),
    columns: () => (out.isTTY ? out.columns : undefined),
  });
  reporter.start(tests.map((t) => t.name), shownImpl, seeds);
  // Type-checking and bundling take a few seconds: say so at once, on the status line or as a line.
  if (live) live.draw();
  else reporter.preparing(progress.preparingText());

  const graded: GradescopeTest[] = [];
  let output: string | undefined;
  const writeJson = (complete: boolean) => {
    if (!options.json) return;
    writeGradescopeResults(options.json, {
      ...(output ? { output } : {}),
      score: graded.reduce((a, t) => a + t.score, 0),
      max_score: tests.reduce((a, t) => a + t.points, 0),
      execution_time: Math.round((performance.now() - started) / 1000),
      tests: graded,
      extra_data: { lab: lab.manifest.id, complete },
    });
  };
  writeJson(false);
  /** Stopped before the end: the results so far are kept, with why, and one line says so. */
  const stoppedBy = (reason: StopReason) => {
    live?.stop();
    const why = 'signal' in reason ? reason.signal : `an internal error (${oneLineError(reason.error)})`;
    output = `Grading was stopped by ${why} after ${graded.length} of ${tests.length} tests; the others were not graded.`;
    try {
      writeJson(false);
    } catch {
      // the results file cannot be written either; the line below still says what happened
    }
    const saved = options.json ? `; results so far in ${options.json}` : '';
    process.stderr.write(
      'signal' in reason
        ? `\nlocklab: stopped by ${reason.signal} after ${graded.length} of ${tests.length} tests; every node was killed${saved}\n`
        : `\nlocklab: internal error: ${oneLineError(reason.error)}; stopped after ${graded.length} of ${tests.length} tests; every node was killed${saved}\n`,
    );
  };
  // Ctrl-C, SIGTERM, an uncaught exception: every node is killed, the temporary folders removed, the results so far kept.
  const stopListening = stopOnSignals(stoppedBy);
  // Without --jobs: what the cgroup's CPU quota and memory allow, said when it is fewer than the CPUs.
  const jobs = options.jobs === undefined ? defaultJobs('run') : undefined;
  if (jobs?.limited) print(`locklab: ${describeJobs('run', jobs)}\n`);
  let outcome;
  try {
    outcome = await grade({
      lab,
      impl,
      tests,
      seeds,
      jobs: options.jobs ?? jobs!.jobs,
      typecheck,
      sandbox: !options['no-sandbox'],
      onNotice: (line) => print(`locklab: ${line}\n`),
      onPrepareStep(step) {
        progress.stepDone(step);
        live?.draw();
      },
      ...(faults ? { faults } : {}),
      onRunStart(test, seed) {
        progress.runStarted(test.name, seed);
        live?.draw();
      },
      onRunDone(run) {
        progress.runFinished(run.test, run.seed);
      },
      onTestDone(score, runs) {
        // The results file first: whatever fails after it, this test's score is kept.
        graded.push(gradescopeTest(score, runs, replay, lab.manifest.id));
        writeJson(false);
        for (const run of runs) {
          const dir = traceDirOf(run);
          if (dir) writeTraceHtmlFor(run.trace, writeTraceFile(dir, run.trace), { hint: run.hint });
        }
        progress.testDone(score.points);
        reporter.testDone(score, runs);
        ci.testDone(score, runs);
      },
    });
  } catch (error) {
    // grade() has stopped every node and removed its folders: an internal error, told in one line.
    stoppedBy({ error });
    return EXIT.cannotRun;
  } finally {
    live?.stop();
    stopListening();
  }
  try {
    if (outcome.kind === 'compile_error') {
      output = `The implementation does not compile; every test scores 0.\n${outcome.details.join('\n')}`;
      for (const score of outcome.summary.tests) graded.push(gradescopeTest(score, [], replay, lab.manifest.id));
      writeJson(false);
      reporter.compileError(outcome.details);
      ci.compileError(outcome.details);
      for (const score of outcome.summary.tests) {
        reporter.testDone(score, []);
        ci.testDone(score, []);
      }
    }
    writeJson(true);
    reporter.summary(outcome.summary, performance.now() - started);
    ci.finish(outcome.summary, performance.now() - started);
  } catch (error) {
    stoppedBy({ error });
    return EXIT.cannotRun;
  }
  return outcome.summary.passed ? EXIT.passed : EXIT.failed;
}
