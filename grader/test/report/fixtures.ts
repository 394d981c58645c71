/** Hand-made scores and runs for the reporters' tests: what `grade()` hands them, without processes. */
import type { RunResult } from '../../src/score/run-test.ts';
import type { Summary, TestScore } from '../../src/score/scorer.ts';
import type { GradeInfo } from '../../src/report/reporter.ts';

export const info: GradeInfo = {
  lab: {
    id: 'lab1',
    title: 'Primary/backup lock service',
    studentFiles: ['lockservice/server.ts', 'lockservice/client.ts', 'lockservice/common.ts'],
    parts: [
      { id: 'A', title: 'Replication' },
      { id: 'B', title: 'At-most-once' },
    ],
  },
  impl: 'mywork',
  seeds: [1, 2],
  replay: (test, seed) => `npx locklab grade lab1 --impl mywork --test ${test} --seed ${seed}`,
};

export function score(name: string, part: string, maxPoints: number, failingSeeds: number[] = [], seeds = [1, 2]): TestScore {
  const passed = failingSeeds.length === 0 && seeds.length > 0;
  return { name, part, description: `what ${name} checks`, points: passed ? maxPoints : 0, maxPoints, passed, seeds, failingSeeds };
}

export function run(test: string, part: string, seed: number, failure?: { message: string; hint?: string; node?: string; logs?: Record<string, string[]> }): RunResult {
  return {
    test,
    part,
    seed,
    passed: failure === undefined,
    ...(failure ? { message: failure.message } : {}),
    ...(failure?.hint ? { hint: failure.hint } : {}),
    ...(failure?.node ? { node: failure.node } : {}),
    logs: failure?.logs ?? {},
    wallMs: 250 + seed,
    virtualMs: 2000,
    events: 40,
    trace: { format: 'locklab-trace', version: 1, lab: 'lab1', test, seed, nodes: [], events: [], outcome: failure ? { passed: false, message: failure.message } : { passed: true } },
  };
}

export function summaryOf(tests: TestScore[]): Summary {
  const parts = info.lab.parts
    .map((p) => {
      const mine = tests.filter((t) => t.part === p.id);
      return { id: p.id, title: p.title, points: mine.reduce((a, t) => a + t.points, 0), maxPoints: mine.reduce((a, t) => a + t.maxPoints, 0), n: mine.length };
    })
    .filter((p) => p.n > 0)
    .map(({ n: _n, ...p }) => p);
  return {
    tests,
    parts,
    points: tests.reduce((a, t) => a + t.points, 0),
    maxPoints: tests.reduce((a, t) => a + t.maxPoints, 0),
    passed: tests.every((t) => t.passed),
  };
}

/** Text a student's node may print: markup, quotes, an ANSI colour, a control character, a lone surrogate. */
export const NASTY = `<b>&amp;</b> "quoted" 'single' ]]> \x1b[31mred\x1b[0m \x07bell \ud800 tab\there | pipe`;
