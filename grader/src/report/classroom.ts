/**
 * `--classroom FILE`: a GitHub Classroom runner result, as the autograding grading reporter
 * (`classroom-resources/autograding-grading-reporter`) reads it: one JSON object per runner,
 * `{version: 1, status, max_score, tests: [{name, status, score, message, test_code, filename,
 * line_no, execution_time}]}`, with each graded test's own points. The reporter sums the tests'
 * `score` against `max_score` for the points it sends to Classroom.
 *
 * It is written (validated) to FILE, or to standard output with `-`; in a GitHub Actions step
 * (`$GITHUB_OUTPUT` set) it is also set as the step's output `result`, base64-encoded, which is
 * what the reporter decodes from the environment variable `<RUNNER>_RESULTS`.
 */
import { appendFileSync } from 'node:fs';
import { z } from 'zod';
import type { RunResult } from '../score/run-test.ts';
import type { Summary, TestScore } from '../score/scorer.ts';
import { locateRunFailure, relativeTo } from './locate.ts';
import type { GradeInfo, Reporter } from './reporter.ts';
import { failureParts, failureText } from './failure-parts.ts';
import { writeAtomically } from './write-file.ts';

const Status = z.enum(['pass', 'fail', 'error']);

export const ClassroomTestSchema = z.object({
  name: z.string(),
  status: Status,
  score: z.number().nonnegative(),
  message: z.string().nullable(),
  /** What reproduces the test: locklab's replay command. */
  test_code: z.string(),
  /** The student file a stack trace points at, or "". */
  filename: z.string(),
  line_no: z.number().int().nonnegative(),
  /** Seconds, wall-clock, all seeds. */
  execution_time: z.number().nonnegative(),
});

export const ClassroomResultSchema = z.object({
  version: z.literal(1),
  status: Status,
  max_score: z.number().nonnegative(),
  tests: z.array(ClassroomTestSchema),
});
export type ClassroomResult = z.infer<typeof ClassroomResultSchema>;
export type ClassroomTest = z.infer<typeof ClassroomTestSchema>;

/** Long logs make a big step output; the reporter shows the message as it is. */
const MAX_MESSAGE = 4000;
const clip = (s: string) => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s);

export function classroomTest(info: GradeInfo, score: TestScore, runs: readonly RunResult[], compileDetails?: string[]): ClassroomTest {
  const failure = failureParts(score, runs);
  const failed = failure?.run;
  const location = failed ? locateRunFailure(failed, info.lab.studentFiles) : undefined;
  const filename = location ? (relativeTo(process.cwd(), location.file, process.cwd()) ?? location.file) : '';
  let message: string | null = null;
  if (failure) {
    // The replay command is the entry's test_code.
    message = failureText(failure).join('\n');
  } else if (!score.passed) {
    message = compileDetails ? ['The implementation does not compile; every test scores 0.', ...compileDetails].join('\n') : 'not run';
  }
  return {
    name: `${score.part}: ${score.name}`,
    status: score.passed ? 'pass' : runs.length === 0 && compileDetails ? 'error' : 'fail',
    score: score.points,
    message: message === null ? null : clip(message),
    test_code: info.replay(score.name, failed?.seed ?? score.seeds[0] ?? 1),
    filename,
    line_no: location?.line ?? 0,
    execution_time: Math.round(runs.reduce((a, r) => a + r.wallMs, 0)) / 1000,
  };
}

export function classroomResult(tests: readonly ClassroomTest[], maxScore: number, compileError: boolean): ClassroomResult {
  const status = compileError ? 'error' : tests.every((t) => t.status === 'pass') ? 'pass' : 'fail';
  return ClassroomResultSchema.parse({ version: 1, status, max_score: maxScore, tests });
}

/** The value of the step output `result`: the JSON, base64. */
export const encodeClassroomResult = (result: ClassroomResult) => Buffer.from(JSON.stringify(result)).toString('base64');

export interface ClassroomOptions {
  /** Where the JSON goes; `-` is standard output. */
  file: string;
  stdout: (text: string) => void;
  /** `$GITHUB_OUTPUT`: `result=<base64>` is appended to it. */
  githubOutput?: string;
}

export class ClassroomReporter implements Reporter {
  private readonly tests: ClassroomTest[] = [];
  private compileDetails: string[] | undefined;

  constructor(
    private readonly info: GradeInfo,
    private readonly options: ClassroomOptions,
  ) {}

  compileError(details: string[]): void {
    this.compileDetails = details;
  }

  testDone(score: TestScore, runs: readonly RunResult[]): void {
    this.tests.push(classroomTest(this.info, score, runs, this.compileDetails));
  }

  finish(summary: Summary): void {
    const result = classroomResult(this.tests, summary.maxPoints, this.compileDetails !== undefined);
    const json = JSON.stringify(result, null, 2) + '\n';
    if (this.options.file === '-') this.options.stdout(json);
    else writeAtomically(this.options.file, json);
    if (this.options.githubOutput) appendFileSync(this.options.githubOutput, `result=${encodeClassroomResult(result)}\n`);
  }
}
