/**
 * Why a test failed, built once from its runs; every reporter (terminal, Gradescope, JUnit,
 * GitHub, Classroom) formats these parts in its own way and never composes the reason again.
 * Messages, hints and logs arrive inert (`score/grade.ts` made them so); reporters that print to
 * a terminal still pass them through `inertText`, since a reporter may be handed raw runs.
 */
import type { RunResult } from '../score/run-test.ts';
import type { TestScore } from '../score/scorer.ts';
import { alsoFailing } from './wording.ts';

export interface FailureParts {
  /** The run shown in full: the first failing seed. */
  run: RunResult;
  seed: number;
  /** What went wrong on that seed. */
  message: string;
  hint?: string;
  /** The last log lines of each node that logged, in the run's order. */
  logs: { node: string; lines: string[] }[];
  /** The test's other failing seeds, after `seed`. */
  otherSeeds: number[];
}

/** The parts of a failing test's explanation; undefined when no run failed (passed, or not run). */
export function failureParts(score: Pick<TestScore, 'failingSeeds'>, runs: readonly RunResult[]): FailureParts | undefined {
  const run = runs.find((r) => !r.passed);
  if (!run) return undefined;
  return {
    run,
    seed: run.seed,
    message: run.message ?? 'failed',
    ...(run.hint ? { hint: run.hint } : {}),
    logs: Object.entries(run.logs).map(([node, lines]) => ({ node, lines })),
    otherSeeds: score.failingSeeds.filter((s) => s !== run.seed),
  };
}

/** `seed 3: <message>`: the one line that names a failure. */
export const failureLine = (parts: FailureParts) => `seed ${parts.seed}: ${parts.message}`;

/**
 * The plain-text explanation the CI reporters share: the failure, its hint, the other failing
 * seeds, each node's last log lines (unless `logs: false`), and the command that replays it (when given).
 */
export function failureText(parts: FailureParts, options: { replay?: string; logs?: boolean } = {}): string[] {
  const { replay, logs = true } = options;
  return [
    failureLine(parts),
    parts.hint ? `hint: ${parts.hint}` : '',
    alsoFailing(parts.otherSeeds),
    ...(logs ? parts.logs : []).flatMap(({ node, lines }) => [`${node} (last log lines):`, ...lines.map((l) => `  ${l}`)]),
    replay ? `replay: ${replay}` : '',
  ].filter(Boolean);
}
