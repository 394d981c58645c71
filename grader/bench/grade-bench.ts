/**
 * 1. Wall time to grade all of lab 1 on the reference solution, one seed per test, through
 *    the library API, split into prepare (stage + type-check + bundle) and running the tests.
 */
import type { LoadedLab } from '../src/lab/load.ts';
import { grade } from '../src/score/grade.ts';
import { progress, sample, type Sample } from './stats.ts';

export interface GradeFigures {
  jobs: number;
  repeats: number;
  tests: number;
  /** Every repeat graded full marks (a bench of a failing run would be meaningless). */
  allPassed: boolean;
  totalMs: Sample;
  prepareMs: Sample;
  runMs: Sample;
  /** Sum over runs of each run's own wall time (runs overlap when jobs > 1). */
  sumOfRunWallMs: Sample;
  /** Scheduler events over all tests, of one repeat. */
  events: number;
  /** Node processes one grading run starts (every test's topology). */
  nodesStarted: number;
}

export async function benchGrade(lab: LoadedLab, impl: string, jobs: number, repeats: number): Promise<GradeFigures> {
  const tests = lab.manifest.tests;
  const total: number[] = [];
  const prepare: number[] = [];
  const run: number[] = [];
  const sumRun: number[] = [];
  let events = 0;
  let allPassed = true;
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const outcome = await grade({ lab, impl, tests, seeds: [1], jobs, typecheck: true });
    const ms = performance.now() - started;
    if (outcome.kind !== 'graded') throw new Error(`bench: ${impl} does not compile:\n${outcome.details.join('\n')}`);
    if (!outcome.summary.passed) {
      allPassed = false;
      const failed = outcome.runs.filter((r) => !r.passed).map((r) => `${r.test}: ${r.message}`);
      progress(`WARNING: ${impl} did not pass every test: ${failed.join('; ')}`);
    }
    total.push(ms);
    prepare.push(outcome.prepareMs);
    run.push(ms - outcome.prepareMs);
    sumRun.push(outcome.runs.reduce((a, r) => a + r.wallMs, 0));
    events = outcome.runs.reduce((a, r) => a + r.events, 0);
    progress(`grade lab1, jobs=${jobs}, repeat ${i + 1}/${repeats}: ${(ms / 1000).toFixed(2)} s (prepare ${(outcome.prepareMs / 1000).toFixed(2)} s)`);
  }
  return {
    jobs,
    repeats,
    tests: tests.length,
    allPassed,
    totalMs: sample(total),
    prepareMs: sample(prepare),
    runMs: sample(run),
    sumOfRunWallMs: sample(sumRun),
    events,
    nodesStarted: tests.reduce((a, t) => a + lab.manifest.topology(t.clients).length, 0),
  };
}
