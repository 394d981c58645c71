/**
 * `locklab explore <lab> --test NAME [--test NAME ...] [--seeds A-B | --seeds K] [--impl DIR ...]
 *                  [--jobs N] [--out DIR] [--max-failures N] [--json FILE] [--faults SPEC]
 *                  [--no-typecheck] [--no-sandbox]`
 *
 * For an instructor checking a test before publishing it: the test on thousands of seeds, on the
 * reference and other correct designs, each failure printed as it happens with the command that
 * replays it, and the failure rate per test at the end.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import chalk from 'chalk';
import { z } from 'zod';
import { defaultJobs, describeJobs } from '../cluster/capacity.ts';
import { assertImplementation } from '../cluster/prepare.ts';
import { oneLineError, stopOnSignals, type StopReason } from '../cluster/teardown.ts';
import { studentFolder } from '../batch/submissions.ts';
import { parseFaultsSpec } from '../faults/failure-model.ts';
import { loadLab } from '../lab/load.ts';
import { exploreResults, writeExploreResults } from '../report/explore-results.ts';
import { ExploreProgress, failureLines, startLine, summaryLines } from '../report/explore-terminal.ts';
import { pathStyle, showFile } from '../report/hyperlink.ts';
import { LiveStatus, wantsLiveStatus } from '../report/live-status.ts';
import { traceFileName, writeTraceFile } from '../report/trace-files.ts';
import { writeTraceHtmlFor } from '../report/trace-viewer.ts';
import { count } from '../report/wording.ts';
import { explore, runsDone, runsPerMinute, type Exploration, type SeedRange } from '../score/explore.ts';
import { replayCommand } from '../score/grade.ts';
import { inertLine } from '../text/untrusted.ts';
import { EXIT, positiveInt, UsageError } from './common.ts';
import { selectTests } from './grade.ts';

/** The implementation explored when none is named: the reference, which must pass every seed. */
export const EXPLORE_DEFAULT_IMPL = 'solutions';
/** Failures whose trace is kept when --max-failures does not say. */
export const DEFAULT_MAX_FAILURES = 10;
/** Seeds when --seeds does not say. */
const DEFAULT_SEEDS: SeedRange = { first: 1, last: 1000 };

/** `A-B` (seeds A to B) or `K` (seeds 1 to K), as `grade --seeds K` reads it. */
const seedRange = z
  .string()
  .regex(/^(\d+-)?\d+$/, '--seeds is a range A-B (e.g. 1-5000) or a count K (seeds 1 to K)')
  .transform((text): SeedRange => {
    const [a, b] = text.split('-').map(Number);
    return b === undefined ? { first: 1, last: a! } : { first: a!, last: b };
  })
  .refine((r) => r.last >= r.first && r.last >= 1, '--seeds A-B needs A <= B, and at least one seed');

const WHICH_TEST = 'which test? --test NAME (several: --test A --test B, or --test A,B)';

const ExploreOptionsSchema = z.object({
  lab: z.string({ error: 'which lab? e.g. `locklab explore lab1 --test Basic`' }),
  test: z.array(z.string(), { error: WHICH_TEST }).min(1, WHICH_TEST),
  impl: z.array(z.string()).default([EXPLORE_DEFAULT_IMPL]),
  seeds: seedRange.default(DEFAULT_SEEDS),
  jobs: positiveInt('--jobs').optional(),
  out: z.string().optional(),
  'max-failures': z.string().regex(/^\d+$/, '--max-failures must be a whole number').transform(Number).default(DEFAULT_MAX_FAILURES),
  json: z.string().optional(),
  faults: z.string().optional(),
  'no-typecheck': z.boolean().default(false),
  'no-sandbox': z.boolean().default(false),
});

function parseExploreOptions(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      test: { type: 'string', multiple: true },
      impl: { type: 'string', multiple: true },
      seeds: { type: 'string' },
      jobs: { type: 'string' },
      out: { type: 'string' },
      'max-failures': { type: 'string' },
      json: { type: 'string' },
      faults: { type: 'string' },
      'no-typecheck': { type: 'boolean' },
      'no-sandbox': { type: 'boolean' },
    },
  });
  if (positionals.length > 1) throw new UsageError(`one lab at a time (got ${positionals.join(', ')})`);
  const parsed = ExploreOptionsSchema.safeParse({ ...values, lab: positionals[0] });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

export async function exploreCommand(args: string[]): Promise<number> {
  const options = parseExploreOptions(args);
  const lab = await loadLab(options.lab);
  const tests = selectTests(lab, undefined, options.test.join(','));
  const impls = [...new Set(options.impl)];
  for (const impl of impls) assertImplementation(lab.manifest, impl);
  const faults = options.faults === undefined ? undefined : parseFaultsSpec(options.faults);
  const seeds = options.seeds;
  const replay = (impl: string, test: string, seed: number) => replayCommand(lab.manifest.id, impl, test, seed, options.faults);
  // Without --jobs: what the cgroup's CPU quota and memory allow, as grade decides it.
  const choice = options.jobs === undefined ? defaultJobs('run') : undefined;
  const jobs = options.jobs ?? choice!.jobs;
  const out = process.stdout;
  const total = { runs: impls.length * tests.length * (seeds.last - seeds.first + 1) };
  const preparing = options['no-typecheck'] ? 'bundling' : 'type-checking and bundling';
  const progress = new ExploreProgress(total, preparing);
  const live = wantsLiveStatus(out, process.env) ? new LiveStatus(out, { escapes: chalk.level > 0, tickMs: 250 }, (ms) => progress.render(ms)) : undefined;
  const print = (lines: string[]) => {
    const text = lines.join('\n') + '\n';
    if (live) live.print(text);
    else out.write(text);
  };
  const pathsAs = pathStyle(out, process.env);
  const terminal = {
    manyImpls: impls.length > 1,
    replay,
    columns: () => (out.isTTY ? out.columns : undefined),
    showPath: (file: string) => showFile(file, pathsAs),
  };
  // With several implementations, each one's traces go in a folder of its own, named after it.
  const traceDirOf = (impl: string) => (options.out === undefined ? undefined : impls.length > 1 ? path.join(options.out, studentFolder(impl)) : options.out);
  const written = new Map<string, string>();
  const traceKey = (impl: string, test: string, seed: number) => JSON.stringify([impl, test, seed]);
  const info = {
    lab: lab.manifest.id,
    seeds,
    ...(options.faults !== undefined ? { faults: options.faults } : {}),
    jobs,
    replay,
    traceOf: (impl: string, test: string, seed: number) => written.get(traceKey(impl, test, seed)),
  };
  const exploration: Exploration = { impls: [], kept: [], failures: 0 };
  const writeJson = (complete: boolean) => {
    if (options.json !== undefined) writeExploreResults(options.json, exploreResults(exploration, info, complete));
  };

  print([startLine(lab.manifest.id, impls, tests.map((t) => t.name), seeds, jobs)]);
  if (choice?.limited) print([`locklab: ${describeJobs('run', choice)}`]);
  const stopListening = stopOnSignals((reason: StopReason) => {
    live?.stop();
    try {
      writeJson(false);
    } catch {
      // the summary cannot be written either; the line below still says what happened
    }
    const why = 'signal' in reason ? `stopped by ${reason.signal}` : `internal error: ${oneLineError(reason.error)}; stopped`;
    process.stderr.write(`\nlocklab: ${why} after ${runsDone(exploration)} of ${total.runs} runs; every node was killed${options.json ? `; counts so far in ${options.json}` : ''}\n`);
  });
  const started = performance.now();
  try {
    await explore({
      lab,
      impls,
      tests,
      seeds,
      jobs,
      maxFailures: options['max-failures'],
      typecheck: !options['no-typecheck'],
      sandbox: !options['no-sandbox'],
      ...(faults ? { faults } : {}),
      onNotice: (line) => print([`locklab: ${line}`]),
      onPrepare(impl) {
        progress.prepare(impl);
        if (live) live.draw();
        else print([`${preparing} ${inertLine(impl)}…`]);
      },
      onRunStart: (_impl, test) => progress.runStarted(test.name),
      onRunDone: (_impl, run) => progress.runDone(run),
      onFailure(impl, run, kept) {
        const dir = traceDirOf(impl);
        let trace: string | undefined;
        if (kept && dir !== undefined) {
          const json = writeTraceFile(dir, run.trace);
          trace = writeTraceHtmlFor(run.trace, json, { ...(run.hint ? { hint: run.hint } : {}) });
          written.set(traceKey(impl, run.test, run.seed), path.join(dir, traceFileName(run.test, run.seed)));
        }
        print(failureLines(impl, run, terminal, trace));
      },
    }, exploration);
  } catch (error) {
    // explore() has stopped every node and removed its folders: the counts so far are kept.
    live?.stop();
    stopListening();
    try {
      writeJson(false);
    } catch {
      // the summary cannot be written either; the line below still says what happened
    }
    process.stderr.write(`locklab: internal error: ${oneLineError(error)}; stopped after ${runsDone(exploration)} of ${total.runs} runs\n`);
    return EXIT.cannotRun;
  }
  live?.stop();
  stopListening();
  writeJson(true);
  print(summaryLines(exploration, terminal));
  const wallMs = performance.now() - started;
  const runs = runsDone(exploration);
  // The whole exploration's pace, preparing included (the table's pace per test leaves it out).
  print([chalk.dim(`${count(runs, 'run')}, ${count(exploration.failures, 'failure')}, in ${(wallMs / 1000).toFixed(1)} s (${runsPerMinute(runs, wallMs)} runs/min)`)]);
  const notCompiled = exploration.impls.filter((i) => i.compileError);
  if (notCompiled.length > 0) {
    for (const impl of notCompiled) process.stderr.write(`locklab: ${inertLine(impl.impl)} does not compile: ${inertLine(impl.compileError![0] ?? '')}\n`);
    return EXIT.cannotRun;
  }
  return exploration.failures > 0 ? EXIT.failed : EXIT.passed;
}
