/**
 * `locklab batch <submissions-dir> --lab LAB --out DIR [--jobs N] [--seeds K] [--part P]
 *                [--test NAME[,NAME...]] [--shard I/N] [--force] [--no-typecheck]`
 *
 * Grades every submission of a class (one folder or archive per student) into
 * `<out>/<student>/results.json` and `<out>/gradebook.{json,csv}`. Exit 0 when every submission
 * got its grade (whatever the grade), 1 when the grader itself failed on some submission
 * (status "error"; run again to retry them), 2 when the batch cannot run.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { runBatch } from '../batch/batch.ts';
import { BatchProgress, isLiveTerminal } from '../batch/progress.ts';
import { findSubmissions, parseShard } from '../batch/submissions.ts';
import { defaultJobs } from '../cluster/capacity.ts';
import { oneLineError, stopOnSignals } from '../cluster/teardown.ts';
import { loadLab } from '../lab/load.ts';
import { EXIT, UsageError } from './common.ts';
import { selectTests } from './grade.ts';

const positiveInt = (what: string) =>
  z
    .string()
    .regex(/^\d+$/, `${what} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= 1, `${what} must be at least 1`);

const BatchOptionsSchema = z.object({
  submissions: z.string({ error: 'which submissions? e.g. `locklab batch submissions/ --lab lab1 --out grades/`' }),
  lab: z.string({ error: '--lab is required, e.g. --lab lab1' }),
  out: z.string({ error: '--out is required: the folder for the results and the gradebook' }),
  jobs: positiveInt('--jobs').optional(),
  seeds: positiveInt('--seeds').optional(),
  part: z.string().optional(),
  test: z.string().optional(),
  shard: z.string().optional(),
  force: z.boolean().default(false),
  'no-typecheck': z.boolean().default(false),
});

export async function batchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      lab: { type: 'string' },
      out: { type: 'string' },
      jobs: { type: 'string' },
      seeds: { type: 'string' },
      part: { type: 'string' },
      test: { type: 'string' },
      shard: { type: 'string' },
      force: { type: 'boolean' },
      'no-typecheck': { type: 'boolean' },
    },
  });
  if (positionals.length > 1) throw new UsageError(`one submissions folder at a time (got ${positionals.join(', ')})`);
  const parsed = BatchOptionsSchema.safeParse({ ...values, submissions: positionals[0] });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  const options = parsed.data;
  if (existsSync(options.out) && !statSync(options.out).isDirectory()) throw new UsageError(`--out ${options.out} is a file; give a folder`);
  if (path.resolve(options.out) === path.resolve(options.submissions)) throw new UsageError('--out must not be the submissions folder itself; e.g. --out grades/');
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  const lab = await loadLab(options.lab);
  const tests = selectTests(lab, options.part, options.test);
  const seeds = Array.from({ length: options.seeds ?? lab.manifest.seeds }, (_, i) => i + 1);
  // The output folder may lie inside the submissions folder; it is not a student.
  const submissions = findSubmissions(options.submissions, [options.out]);
  // Without --jobs: what the cgroup's CPU quota and memory allow (a submission type-checks and bundles, then runs).
  const chosen = options.jobs === undefined ? defaultJobs('submission') : undefined;
  const jobs = options.jobs ?? chosen!.jobs;

  const write = (text: string) => process.stdout.write(text);
  const shardText = shard ? `, shard ${shard.index}/${shard.count}` : '';
  write(`locklab: batch ${lab.manifest.id} (${options.submissions} -> ${options.out}), ${tests.length} tests, ${seeds.length === 1 ? 'seed 1' : `seeds 1..${seeds.length}`}, ${jobs} at a time${chosen ? ` (${chosen.reason})` : ''}${shardText}\n`);
  const progress = new BatchProgress({ write, live: isLiveTerminal() });
  let report;
  // Ctrl-C or SIGTERM: every node is killed and the temporary folders removed; every finished
  // grade is already on disk, and running the same command again grades only the rest.
  const stopListening = stopOnSignals((reason) => {
    progress.finish();
    const why = 'signal' in reason ? reason.signal : `an internal error (${oneLineError(reason.error)})`;
    process.stderr.write(`\nlocklab: batch stopped by ${why}; finished grades are kept in ${options.out}; run the same command to grade the rest\n`);
  });
  try {
    report = await runBatch({
      lab,
      submissions,
      out: options.out,
      tests,
      seeds,
      jobs,
      typecheck: !options['no-typecheck'],
      force: options.force,
      ...(shard ? { shard } : {}),
      events: progress,
    });
  } finally {
    stopListening();
    progress.finish();
  }
  const rows = report.gradebook.students;
  const count = (status: string) => rows.filter((r) => r.status === status).length;
  const errors = count('error');
  const notes = [
    `${report.graded.length} graded now`,
    `${report.skipped.length} already graded`,
    ...(['compile_error', 'missing_files', 'ambiguous_files', 'bad_archive', 'duplicate', 'error'] as const).filter((s) => count(s) > 0).map((s) => `${count(s)} ${s.replace('_', ' ')}`),
  ];
  const mean = rows.length > 0 ? rows.reduce((a, r) => a + r.score, 0) / rows.length : 0;
  write(`\n${rows.length} submission(s): ${notes.join(', ')}; mean ${mean.toFixed(1)}/${report.gradebook.max_score}\n`);
  write(`gradebook: ${path.normalize(report.files.csv)} and ${path.normalize(report.files.json)}\n`);
  if (errors > 0) write(`the grader failed on ${errors} submission(s) (status "error"); run the same command again to retry them\n`);
  return errors > 0 ? EXIT.failed : EXIT.passed;
}
