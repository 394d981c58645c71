// What `locklab explore` prints, as pure functions: rates, failing seeds in short, the summary
// table and the status line.
import test from 'ava';
import { ExploreProgress, failingSeedsText, percent, summaryLines } from '../../src/report/explore-terminal.ts';
import type { RunResult } from '../../src/score/run-test.ts';

test('a failure rate above zero never reads 0%', (t) => {
  t.is(percent(0, 0), '0%');
  t.is(percent(0, 5000), '0%');
  t.is(percent(1, 5000), '<0.1%');
  t.is(percent(7, 30), '23.3%');
  t.is(percent(30, 30), '100.0%');
});

test('failing seeds: the first few as ranges, then how many more', (t) => {
  t.is(failingSeedsText([], 0), '');
  t.is(failingSeedsText([3], 1), 'seed 3');
  t.is(failingSeedsText([1, 2, 3, 4, 9], 5), 'seeds 1-4, 9');
  t.is(failingSeedsText([1, 3, 5, 7, 9, 11, 13, 15, 17, 19], 250), 'seeds 1, 3, 5, 7, 9, 11, 13, 15 and 242 more');
});

test('the summary: a row per test, a heading per implementation when there are several, inert names', (t) => {
  const exploration = {
    impls: [
      { impl: 'solutions', tests: [{ impl: 'solutions', test: 'Basic', runs: 1000, failures: 0, failingSeeds: [], wallMs: 60_000 }] },
      { impl: 'designs/\u001b[31mred', tests: [{ impl: 'designs/\u001b[31mred', test: 'Basic', runs: 1000, failures: 2, failingSeeds: [17, 940], wallMs: 120_000 }] },
      { impl: 'broken', compileError: ['server.ts(3,1): error TS1005'], tests: [] },
    ],
    kept: [],
    failures: 2,
  };
  const lines = summaryLines(exploration, { manyImpls: true, replay: () => '' });
  t.deepEqual(lines, [
    '',
    'Test     runs  failures    rate  runs/min  failing seeds',
    'solutions',
    'Basic    1000         0      0%      1000',
    'designs/␛[31mred',
    'Basic    1000         2    0.2%       500  seeds 17, 940',
    'broken',
    '  does not compile: server.ts(3,1): error TS1005',
  ]);
});

test('the status line: runs done of all, failures, pace since the first run, what runs', (t) => {
  let now = 0;
  const progress = new ExploreProgress({ runs: 2000 }, 'bundling', () => now);
  progress.prepare('solutions');
  t.is(progress.render(3000), 'bundling solutions… · 3s');
  now = 10_000;
  progress.runStarted('Basic');
  progress.runStarted('Basic');
  now = 40_000;
  progress.runDone({ test: 'Basic', passed: true } as RunResult);
  progress.runDone({ test: 'Basic', passed: false } as RunResult);
  progress.runStarted('Many');
  t.is(progress.render(40_000), '2/2000 runs · 1 failure · 4 runs/min · 40s · running Many (solutions)');
});
