import test from 'ava';
import type { GradedTest } from '../../src/lab/manifest.ts';
import { scoreTest, summarize, type SeedOutcome } from '../../src/score/scorer.ts';

const graded = (name: string, part: string, points: number): GradedTest => ({
  name,
  part,
  points,
  description: `checks ${name}`,
  clients: 1,
  run: async () => undefined,
});

const seeds = (...passed: boolean[]): SeedOutcome[] => passed.map((p, i) => ({ seed: i + 1, passed: p }));

test('a test passing on every seed earns its points', (t) => {
  t.deepEqual(scoreTest(graded('Basic', 'A', 10), seeds(true, true, true)), {
    name: 'Basic',
    part: 'A',
    description: 'checks Basic',
    points: 10,
    maxPoints: 10,
    passed: true,
    seeds: [1, 2, 3],
    failingSeeds: [],
    partialCredit: false,
    hidden: false,
    visibility: 'visible',
  });
});

test('one failing seed costs all the points', (t) => {
  const score = scoreTest(graded('Basic', 'A', 10), seeds(true, false, true, false));
  t.is(score.points, 0);
  t.is(score.maxPoints, 10);
  t.false(score.passed);
  t.deepEqual(score.seeds, [1, 2, 3, 4]);
  t.deepEqual(score.failingSeeds, [2, 4]);
});

test('a test that ran on no seed did not pass', (t) => {
  const score = scoreTest(graded('Basic', 'A', 10), []);
  t.false(score.passed);
  t.is(score.points, 0);
  t.is(score.maxPoints, 10);
  t.deepEqual(score.seeds, []);
  t.deepEqual(score.failingSeeds, []);
});

test('a test worth zero points still passes or fails', (t) => {
  t.true(scoreTest(graded('Free', 'A', 0), seeds(true)).passed);
  t.false(scoreTest(graded('Free', 'A', 0), seeds(false)).passed);
});

test('seed numbers are kept as given', (t) => {
  const score = scoreTest(graded('X', 'A', 1), [
    { seed: 42, passed: true },
    { seed: 7, passed: false },
  ]);
  t.deepEqual(score.seeds, [42, 7]);
  t.deepEqual(score.failingSeeds, [7]);
});

const lab = { parts: [{ id: 'A', title: 'Primary/backup' }, { id: 'B', title: 'At-most-once' }, { id: 'C', title: 'Unused' }] };

test('parts and the total add up their tests', (t) => {
  const tests = [
    scoreTest(graded('A1', 'A', 10), seeds(true, true)),
    scoreTest(graded('A2', 'A', 5), seeds(true, false)),
    scoreTest(graded('B1', 'B', 20), seeds(true)),
  ];
  const summary = summarize(lab, tests);
  t.deepEqual(summary.parts, [
    { id: 'A', title: 'Primary/backup', points: 10, maxPoints: 15 },
    { id: 'B', title: 'At-most-once', points: 20, maxPoints: 20 },
  ]);
  t.is(summary.points, 30);
  t.is(summary.maxPoints, 35);
  t.false(summary.passed);
  t.deepEqual(summary.tests, tests);
});

test('parts follow the lab order, not the test order; parts without tests are left out', (t) => {
  const summary = summarize(lab, [scoreTest(graded('B1', 'B', 2), seeds(true)), scoreTest(graded('A1', 'A', 3), seeds(true))]);
  t.deepEqual(summary.parts.map((p) => p.id), ['A', 'B']);
  t.true(summary.passed);
  t.is(summary.points, 5);
  t.is(summary.maxPoints, 5);
});

test('a summary of failing tests scores zero but keeps the maximum', (t) => {
  const summary = summarize(lab, [scoreTest(graded('A1', 'A', 3), seeds(false)), scoreTest(graded('B1', 'B', 4), [])]);
  t.is(summary.points, 0);
  t.is(summary.maxPoints, 7);
  t.false(summary.passed);
  t.deepEqual(summary.parts.map((p) => [p.id, p.points, p.maxPoints]), [['A', 0, 3], ['B', 0, 4]]);
});

test('summarize does not share the caller\'s array', (t) => {
  const tests = [scoreTest(graded('A1', 'A', 3), seeds(true))];
  const summary = summarize(lab, tests);
  tests.push(scoreTest(graded('A2', 'A', 3), seeds(true)));
  t.is(summary.tests.length, 1);
});

test('partial credit: the fraction of seeds passed, to two decimals; the lab decides unless the test does', (t) => {
  const lab = { partialCredit: true };
  const third = scoreTest(graded('X', 'A', 10), seeds(true, false, false), lab);
  t.is(third.points, 3.33);
  t.false(third.passed, 'a test with a failing seed did not pass, whatever it earned');
  t.true(third.partialCredit);
  t.deepEqual(third.failingSeeds, [2, 3]);
  t.is(scoreTest(graded('X', 'A', 10), seeds(true, true), lab).points, 10);
  t.is(scoreTest(graded('X', 'A', 10), seeds(false, false), lab).points, 0);
  t.is(scoreTest(graded('X', 'A', 10), [], lab).points, 0);
  t.is(scoreTest({ ...graded('X', 'A', 8), partialCredit: false }, seeds(true, false), lab).points, 0, 'the test opts out');
  t.is(scoreTest({ ...graded('X', 'A', 8), partialCredit: true }, seeds(true, false)).points, 4, 'the test opts in');
  t.is(scoreTest(graded('X', 'A', 8), seeds(true, false)).points, 0, 'all or nothing by default');
});

test('partial points add up to two decimals in parts and the total', (t) => {
  const lab = { parts: [{ id: 'A', title: 'A' }], partialCredit: true };
  const tests = [1, 2, 3].map((i) => scoreTest(graded(`T${i}`, 'A', 1), seeds(true, false, false), lab));
  const summary = summarize(lab, tests);
  t.is(summary.points, 0.99);
  t.is(summary.parts[0]!.points, 0.99);
});

test('visibility: the test\'s own, else the lab\'s; hidden tests default to after_published', (t) => {
  const lab = { visibility: 'after_due_date' as const, hidden: { folder: 'hidden', visibility: 'hidden' as const } };
  t.is(scoreTest(graded('X', 'A', 1), seeds(true), lab).visibility, 'after_due_date');
  t.is(scoreTest({ ...graded('X', 'A', 1), visibility: 'visible' }, seeds(true), lab).visibility, 'visible');
  t.is(scoreTest({ ...graded('X', 'A', 1), hidden: true }, seeds(true), lab).visibility, 'hidden');
  t.is(scoreTest({ ...graded('X', 'A', 1), hidden: true }, seeds(true)).visibility, 'after_published');
  t.true(scoreTest({ ...graded('X', 'A', 1), hidden: true }, seeds(true)).hidden);
  t.is(scoreTest(graded('X', 'A', 1), seeds(true)).visibility, 'visible');
});
