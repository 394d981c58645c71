/**
 * Grading a class: submissions per minute of `locklab batch` (library API) on a class of N copies
 * of the reference and N of a mutant (lock-ignores-holder), at jobs = 1 and jobs = 2, each
 * submission type-checked, bundled and graded on two tests (seed 1).
 *
 *   tsx grader/bench/batch-bench.ts [--copies N] [--tests A,B,...] [--json FILE]
 *
 * `npm run bench` runs it after its own figures (LOCKLAB_BENCH_BATCH_COPIES=N shrinks it there).
 * The default (20 + 20, two tests) takes a minute to a minute and a half on two cores.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { runBatch } from '../src/batch/batch.ts';
import { findSubmissions } from '../src/batch/submissions.ts';
import { LOCKLAB_ROOT } from '../src/cluster/prepare.ts';
import { loadLab } from '../src/lab/load.ts';
import { MUTANTS, materialize } from '../test/support/mutants.ts';
import { formatMs, progress, sample, type Sample } from './stats.ts';

export const DEFAULT_COPIES = 20;
export const DEFAULT_TESTS = ['Basic', 'PrimaryFail2'];
const MUTANT = 'lock-ignores-holder';

export interface BatchRunFigures {
  jobs: number;
  submissions: number;
  wallMs: number;
  submissionsPerMinute: number;
  /** Each submission's own wall time (they overlap when jobs > 1). */
  perSubmissionMs: Sample;
  /** Every reference copy got full marks and every mutant copy less. */
  gradesRight: boolean;
  /** 1-minute load average before the run (other work on the machine skews the rate). */
  loadBefore: number;
}

export interface BatchFigures {
  copies: number;
  tests: string[];
  mutant: string;
  runs: BatchRunFigures[];
  loadAverage: number[];
}

export async function benchBatch(copies = DEFAULT_COPIES, testNames = DEFAULT_TESTS, jobsList = [1, 2]): Promise<BatchFigures> {
  const lab = await loadLab('lab1');
  const tests = lab.manifest.tests.filter((t) => testNames.includes(t.name));
  if (tests.length !== testNames.length) throw new Error(`bench: unknown test among ${testNames.join(', ')}`);
  const root = mkdtempSync(path.join(os.tmpdir(), 'locklab-batch-bench-'));
  try {
    const classDir = path.join(root, 'class');
    const mutant = materialize(MUTANTS.find((m) => m.name === MUTANT)!);
    const width = String(copies).length;
    for (let i = 1; i <= copies; i++) {
      const n = String(i).padStart(width, '0');
      cpSync(path.join(LOCKLAB_ROOT, 'solutions'), path.join(classDir, `ref-${n}`), { recursive: true });
      cpSync(mutant, path.join(classDir, `mut-${n}`), { recursive: true });
    }
    rmSync(mutant, { recursive: true, force: true });
    const submissions = findSubmissions(classDir);
    const runs: BatchRunFigures[] = [];
    for (const jobs of jobsList) {
      progress(`batch: ${submissions.length} submissions, ${tests.length} tests each, jobs=${jobs}`);
      const out = path.join(root, `out-jobs${jobs}`);
      const loadBefore = os.loadavg()[0]!;
      const started = performance.now();
      const report = await runBatch({ lab, submissions, out, tests, seeds: [1], jobs, typecheck: true, force: true });
      const wallMs = performance.now() - started;
      const full = report.gradebook.max_score;
      const gradesRight = report.gradebook.students.every((r) => r.status === 'graded' && (r.student.startsWith('ref-') ? r.score === full : r.score < full));
      if (!gradesRight) progress('WARNING: some grade is not what it should be (reference: full marks; mutant: less)');
      runs.push({
        jobs,
        submissions: submissions.length,
        wallMs,
        submissionsPerMinute: (submissions.length * 60_000) / wallMs,
        perSubmissionMs: sample(report.graded.map((g) => g.wallMs)),
        gradesRight,
        loadBefore,
      });
      progress(`batch jobs=${jobs}: ${formatMs(wallMs)}, ${runs.at(-1)!.submissionsPerMinute.toFixed(1)} submissions/min`);
    }
    return { copies, tests: testNames, mutant: MUTANT, runs, loadAverage: os.loadavg() };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function renderBatchFigures(figures: BatchFigures): string {
  const title = `5. Grade a class: ${figures.copies} copies of the reference + ${figures.copies} of a mutant (${figures.mutant}); tests ${figures.tests.join(', ')}, seed 1, type-checked`;
  const load = `  load average at the end ${figures.loadAverage.map((l) => l.toFixed(2)).join(' ')} on ${os.availableParallelism()} CPUs${figures.loadAverage[0]! > os.availableParallelism() ? ' (other work competes for the CPUs: the rates are pessimistic)' : ''}`;
  const rows = figures.runs.map((r) => [
    `batch --jobs ${r.jobs}: ${r.submissions} submissions`,
    `${r.submissionsPerMinute.toFixed(1)} submissions/min`,
    `${formatMs(r.wallMs)} in all`,
    `one submission ${formatMs(r.perSubmissionMs.median)} (median); load ${r.loadBefore.toFixed(1)} before${r.gradesRight ? '' : '; WRONG GRADES'}`,
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return [title, load, ...rows.map((row) => `  ${row.map((cell, i) => (i === 1 || i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('   ')}`.trimEnd())].join('\n');
}

/** `npm run bench`'s section: runs, prints, and adds the figures to its --json file. */
export async function batchBenchSection(json: string | undefined): Promise<void> {
  const copies = Number(process.env['LOCKLAB_BENCH_BATCH_COPIES'] ?? DEFAULT_COPIES);
  if (!Number.isInteger(copies) || copies < 1) throw new Error('bench: LOCKLAB_BENCH_BATCH_COPIES must be a whole number >= 1');
  const figures = await benchBatch(copies);
  process.stdout.write('\n' + renderBatchFigures(figures) + '\n');
  if (json && existsSync(json)) {
    const all = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    writeFileSync(json, JSON.stringify({ ...all, batch: figures }, null, 2) + '\n');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { copies: { type: 'string' }, tests: { type: 'string' }, json: { type: 'string' } } });
  const copies = values.copies === undefined ? DEFAULT_COPIES : Number(values.copies);
  if (!Number.isInteger(copies) || copies < 1) throw new Error('bench: --copies must be a whole number >= 1');
  const started = performance.now();
  const figures = await benchBatch(copies, values.tests ? values.tests.split(',') : DEFAULT_TESTS);
  process.stdout.write(renderBatchFigures(figures) + '\n');
  progress(`batch bench wall time: ${formatMs(performance.now() - started)}`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ format: 'locklab-bench-batch', version: 1, date: new Date().toISOString(), batch: figures }, null, 2) + '\n');
}
