/**
 * `locklab explore --json FILE`: the exploration's summary as a file, validated before every
 * write and written atomically (after every implementation, and when stopped), so a long
 * exploration that is interrupted keeps its counts.
 */
import { z } from 'zod';
import { FAILING_SEEDS_KEPT, runsPerMinute, type Exploration, type SeedRange } from '../score/explore.ts';
import { writeAtomically } from './write-file.ts';

const count = z.number().int().nonnegative();

export const ExploreResultsSchema = z.object({
  format: z.literal('locklab-explore'),
  version: z.literal(1),
  lab: z.string(),
  seeds: z.object({ first: z.number().int().nonnegative(), last: z.number().int().nonnegative() }),
  /** The `--faults` every run was under, if any. */
  faults: z.string().optional(),
  jobs: z.number().int().positive(),
  /** False while it runs, or when it was stopped before its end. */
  complete: z.boolean(),
  /** One entry per implementation and test, in the order they ran. */
  tests: z.array(
    z.object({
      impl: z.string(),
      test: z.string(),
      runs: count,
      failures: count,
      /** failures / runs (0 with no run). */
      failure_rate: z.number().min(0).max(1),
      /** The lowest failing seeds, at most FAILING_SEEDS_KEPT; `failures` is the exact count. */
      failing_seeds: z.array(z.number().int()).max(FAILING_SEEDS_KEPT),
      runs_per_minute: count,
      /** The implementation does not compile (its first messages): nothing ran. */
      compile_error: z.array(z.string()).optional(),
    }),
  ),
  /** The first failures (`--max-failures`), each with the command that replays it and, with `--out`, its trace. */
  failures: z.array(z.object({ impl: z.string(), test: z.string(), seed: z.number().int(), message: z.string(), replay: z.string(), trace: z.string().optional() })),
});
export type ExploreResults = z.infer<typeof ExploreResultsSchema>;

export interface ResultsInfo {
  lab: string;
  seeds: SeedRange;
  faults?: string;
  jobs: number;
  replay: (impl: string, test: string, seed: number) => string;
  /** Where a kept failure's trace was written, if it was. */
  traceOf?: (impl: string, test: string, seed: number) => string | undefined;
}

export function exploreResults(exploration: Exploration, info: ResultsInfo, complete: boolean): ExploreResults {
  return {
    format: 'locklab-explore',
    version: 1,
    lab: info.lab,
    seeds: info.seeds,
    ...(info.faults !== undefined ? { faults: info.faults } : {}),
    jobs: info.jobs,
    complete,
    tests: exploration.impls.flatMap((impl) =>
      impl.tests.map((t) => ({
        impl: t.impl,
        test: t.test,
        runs: t.runs,
        failures: t.failures,
        failure_rate: t.runs > 0 ? t.failures / t.runs : 0,
        failing_seeds: t.failingSeeds,
        runs_per_minute: runsPerMinute(t.runs, t.wallMs),
        ...(impl.compileError ? { compile_error: impl.compileError.slice(0, 10) } : {}),
      })),
    ),
    failures: exploration.kept.map((f) => {
      const trace = info.traceOf?.(f.impl, f.test, f.seed);
      return { ...f, replay: info.replay(f.impl, f.test, f.seed), ...(trace !== undefined ? { trace } : {}) };
    }),
  };
}

export function writeExploreResults(file: string, results: ExploreResults): void {
  writeAtomically(file, JSON.stringify(ExploreResultsSchema.parse(results), null, 2) + '\n');
}
