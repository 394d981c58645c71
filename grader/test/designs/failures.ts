/**
 * Grades one design through the real grader and keeps only what failed: the runs' traces are
 * large, so seeds are graded a few at a time and each batch of runs is dropped once read.
 */
import { loadLab } from '../../src/lab/load.ts';
import { grade } from '../../src/score/grade.ts';
import type { RunResult } from '../../src/score/run-test.ts';
import type { Design } from './designs.ts';

/**
 * The grader's wall-clock guards (an infinite loop, a node that never starts) are sized for a
 * machine that is not overloaded; a sweep of many designs may run on one that is. Loosened
 * here so that only virtual-time verdicts, the ones about correctness, can fail a design.
 */
const PATIENT_LIMITS = { stepWallMs: 30_000, startWallMs: 60_000, runWallMs: 300_000 };

export interface Failure {
  test: string;
  seed: number;
  message: string;
  hint?: string;
}

export interface DesignOptions {
  seeds: number[];
  /** Graded tests to run (default: all, hidden ones included). */
  tests?: string[];
  jobs?: number;
  /** Seeds per grading: bounds the memory that runs' traces take at once. */
  seedsPerGrading?: number;
  /** Called with every failing run (its trace included) before it is dropped. */
  onFailure?(run: RunResult): void;
}

export async function designFailures(design: Design, options: DesignOptions): Promise<Failure[]> {
  const lab = await loadLab('lab1');
  const tests = options.tests ? lab.manifest.tests.filter((t) => options.tests!.includes(t.name)) : lab.manifest.tests;
  const chunk = options.seedsPerGrading ?? 5;
  const failures: Failure[] = [];
  for (let i = 0; i < options.seeds.length; i += chunk) {
    const outcome = await grade({
      lab,
      impl: design.folder,
      tests,
      seeds: options.seeds.slice(i, i + chunk),
      jobs: options.jobs ?? 2,
      typecheck: false,
      limits: PATIENT_LIMITS,
      onTestDone(_score, runs) {
        for (const run of runs.filter((r) => !r.passed)) {
          options.onFailure?.(run);
          failures.push({ test: run.test, seed: run.seed, message: run.message ?? '(no message)', ...(run.hint ? { hint: run.hint } : {}) });
        }
      },
    });
    if (outcome.kind !== 'graded') throw new Error(`design ${design.name} does not compile:\n${outcome.details.join('\n')}`);
  }
  return failures;
}
