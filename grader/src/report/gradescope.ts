/**
 * Gradescope's results.json, extended with locklab's fields under each test's `extra_data`
 * (part, seeds, failing seeds, replay command). Validated before every write, and written
 * after every test (atomically), so a crash or kill of the grader loses nothing graded.
 */
import { renameSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { RunResult } from '../score/run-test.ts';
import type { TestScore } from '../score/scorer.ts';
import { failureLine, failureParts } from './failure-parts.ts';
import { count, seedList } from './wording.ts';

const Visibility = z.enum(['hidden', 'after_due_date', 'after_published', 'visible']);
/** How Gradescope renders a string (its autograder specification, "Output String Formatting"). */
const Format = z.enum(['text', 'html', 'simple_format', 'md', 'ansi']);

/**
 * Every string is plain text: Gradescope's default for the top-level `output` is `simple_format`
 * (HTML), which would swallow a compiler's `Promise<boolean>` or a student's `<script>`.
 */
export const TEXT_FORMATS = { output_format: 'text', test_output_format: 'text', test_name_format: 'text' } as const;

export const GradescopeTestSchema = z.object({
  name: z.string(),
  score: z.number().nonnegative(),
  max_score: z.number().nonnegative(),
  status: z.enum(['passed', 'failed']),
  output: z.string(),
  output_format: Format.optional(),
  name_format: Format.optional(),
  visibility: Visibility,
  tags: z.array(z.string()).optional(),
  extra_data: z.object({
    /** The test's own name (`name` above is "<part>: <test>"). */
    test: z.string().optional(),
    part: z.string(),
    description: z.string(),
    seeds: z.array(z.number().int()),
    failing_seeds: z.array(z.number().int()),
    /** The first failing seed's replay command. */
    replay: z.string().optional(),
    /** Every failing seed, with its reason and the command that replays it. */
    failing: z.array(z.object({ seed: z.number().int(), message: z.string(), replay: z.string() })).optional(),
    partial_credit: z.boolean().optional(),
    hidden: z.boolean().optional(),
  }),
});

export const GradescopeResultsSchema = z.object({
  score: z.number().nonnegative(),
  max_score: z.number().nonnegative().optional(),
  execution_time: z.number().int().nonnegative(),
  output: z.string().optional(),
  output_format: Format.optional(),
  test_output_format: Format.optional(),
  test_name_format: Format.optional(),
  visibility: Visibility.optional(),
  stdout_visibility: Visibility.optional(),
  tests: z.array(GradescopeTestSchema),
  extra_data: z
    .object({
      lab: z.string(),
      complete: z.boolean(),
      /** Set by `locklab batch`: whose submission, how its grading ended and why, and what was graded. */
      batch: z
        .object({
          student: z.string(),
          status: z.enum(['graded', 'compile_error', 'missing_files', 'ambiguous_files', 'bad_archive', 'duplicate', 'error']),
          reason: z.string(),
          seeds: z.array(z.number().int()),
          tests: z.array(z.string()),
          fingerprint: z.string(),
          impl: z.string(),
        })
        .optional(),
    })
    .optional(),
});
export type GradescopeResults = z.infer<typeof GradescopeResultsSchema>;
export type GradescopeTest = z.infer<typeof GradescopeTestSchema>;

/**
 * What a student can run about a failed hidden test: its code is not in their repository (`--test`
 * would say "unknown test"), so the part's own tests on many seeds.
 */
export function hiddenTestAdvice(lab: string, part: string): string {
  return `This test is hidden: its code is not in your repository, so this run cannot be replayed there. To look for the same bug, run part ${part}'s tests on many seeds: npx locklab grade ${lab} --part ${part} --seeds 20`;
}

/**
 * A test's entry in results.json. `lab` is the lab's id: a hidden test's output then tells
 * students what they can run instead of a replay command they cannot (its `extra_data` keeps
 * the replay commands, for the instructor).
 */
export function gradescopeTest(score: TestScore, runs: readonly RunResult[], replay: (test: string, seed: number) => string, lab?: string): GradescopeTest {
  const failure = failureParts(score, runs);
  const hidden = score.hidden === true && lab !== undefined;
  // Students read this on Gradescope: whole sentences, and a replay command per failing seed
  // (none for a hidden test, whose code they do not have).
  const replayLines = !failure
    ? []
    : hidden
      ? [...(failure.otherSeeds.length > 0 ? [`Also failing on ${seedList(failure.otherSeeds)}.`] : []), hiddenTestAdvice(lab, score.part)]
      : [`Replay: ${replay(score.name, failure.seed)}`, ...failure.otherSeeds.map((seed) => `Also failing on seed ${seed}: ${replay(score.name, seed)}`)];
  const output = failure
    ? [
        `${score.description}`,
        ...(score.partialCredit ? [`Passed on ${score.seeds.length - score.failingSeeds.length} of ${score.seeds.length} seeds: ${score.points} of ${score.maxPoints} points.`] : []),
        `FAILED on ${failureLine(failure)}`,
        failure.hint ? `Hint: ${failure.hint}` : '',
        ...failure.logs.flatMap(({ node, lines }) => [`${node}:`, ...lines.map((l) => `  ${l}`)]),
        ...replayLines,
      ]
        .filter(Boolean)
        .join('\n')
    : score.passed
      ? `${score.description}\nPassed on ${count(score.seeds.length, 'seed')}.`
      : `${score.description}\nNot run: the implementation does not compile.`;
  return {
    name: `${score.part}: ${score.name}`,
    score: score.points,
    max_score: score.maxPoints,
    status: score.passed ? 'passed' : 'failed',
    output,
    output_format: 'text',
    name_format: 'text',
    visibility: score.visibility ?? 'visible',
    tags: [`part-${score.part}`, ...(score.hidden ? ['hidden'] : [])],
    extra_data: {
      test: score.name,
      part: score.part,
      description: score.description,
      seeds: score.seeds,
      failing_seeds: score.failingSeeds,
      ...(failure ? { replay: replay(score.name, failure.seed) } : {}),
      failing: runs.filter((r) => !r.passed).map((r) => ({ seed: r.seed, message: r.message ?? 'failed', replay: replay(score.name, r.seed) })),
      partial_credit: score.partialCredit ?? false,
      hidden: score.hidden ?? false,
    },
  };
}

/** Validates and writes the file atomically (write a temporary file, then rename); every string is plain text unless it says otherwise. */
export function writeGradescopeResults(file: string, results: GradescopeResults): void {
  const valid = GradescopeResultsSchema.parse({ ...TEXT_FORMATS, ...results });
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(valid, null, 2) + '\n');
  renameSync(temporary, file);
}
