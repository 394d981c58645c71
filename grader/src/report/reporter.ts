/**
 * What a grading run tells its reporters, besides the terminal: the tests as they finish (in the
 * lab's order), a compile error, and the end. The CI reporters (JUnit, GitHub Actions, GitHub
 * Classroom) implement it; `ciReporters` picks the ones that the options and the environment ask for.
 */
import type { LabManifest } from '../lab/manifest.ts';
import type { RunResult } from '../score/run-test.ts';
import type { Summary, TestScore } from '../score/scorer.ts';
import { GitHubReporter } from './github.ts';
import { ClassroomReporter } from './classroom.ts';
import { JUnitReporter } from './junit.ts';

/** The grading run a reporter reports on. */
export interface GradeInfo {
  lab: Pick<LabManifest, 'id' | 'title' | 'studentFiles' | 'parts'>;
  /** The implementation folder, as the user wrote it. */
  impl: string;
  seeds: number[];
  /** The command that replays one run exactly. */
  replay: (test: string, seed: number) => string;
}

export interface Reporter {
  /** A test finished on all its seeds; `runs` is empty when it did not run (compile error). */
  testDone?(score: TestScore, runs: readonly RunResult[]): void;
  /** The implementation does not compile: every test scores 0 (their `testDone` follow). */
  compileError?(details: string[]): void;
  /** The grading is over. */
  finish?(summary: Summary, wallMs: number): void;
}

/** Several reporters as one, called in order. */
export function combineReporters(reporters: readonly Reporter[]): Required<Reporter> {
  return {
    testDone: (score, runs) => reporters.forEach((r) => r.testDone?.(score, runs)),
    compileError: (details) => reporters.forEach((r) => r.compileError?.(details)),
    finish: (summary, wallMs) => reporters.forEach((r) => r.finish?.(summary, wallMs)),
  };
}

export interface CiReporterOptions {
  /** `--junit FILE` */
  junit?: string;
  /** `--classroom FILE` (`-`: standard output) */
  classroom?: string;
  env: NodeJS.ProcessEnv;
  /** Standard output: GitHub workflow commands, and `--classroom -`. */
  stdout: (text: string) => void;
  /** The working directory, that paths in annotations are relative to when not under GITHUB_WORKSPACE. */
  cwd?: string;
}

/** `GITHUB_ACTIONS=true`: the run is a GitHub Actions job. */
export const isGitHubActions = (env: NodeJS.ProcessEnv) => env.GITHUB_ACTIONS === 'true';

/** The reporters that the options and the environment ask for. */
export function ciReporters(info: GradeInfo, options: CiReporterOptions): Reporter[] {
  const reporters: Reporter[] = [];
  if (options.junit !== undefined) reporters.push(new JUnitReporter(info, options.junit));
  if (isGitHubActions(options.env)) {
    reporters.push(
      new GitHubReporter(info, {
        write: options.stdout,
        workspace: options.env.GITHUB_WORKSPACE ?? options.cwd ?? process.cwd(),
        cwd: options.cwd ?? process.cwd(),
        ...(options.env.GITHUB_STEP_SUMMARY ? { summaryFile: options.env.GITHUB_STEP_SUMMARY } : {}),
      }),
    );
  }
  if (options.classroom !== undefined) {
    reporters.push(
      new ClassroomReporter(info, {
        file: options.classroom,
        stdout: options.stdout,
        ...(options.env.GITHUB_OUTPUT ? { githubOutput: options.env.GITHUB_OUTPUT } : {}),
      }),
    );
  }
  return reporters;
}
