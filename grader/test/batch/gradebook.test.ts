// The gradebook from results files, its CSV (quoting, no formulas), and merging shards'
// gradebooks: same lab, tests and seeds, no student twice.
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { csvCell, gradebook, gradebookCsv, rowOf, writeGradebook, type Gradebook, type GradebookShape } from '../../src/batch/gradebook.ts';
import { mergeGradebooks } from '../../src/batch/merge.ts';
import { UsageError } from '../../src/commands/common.ts';
import type { GradescopeResults } from '../../src/report/gradescope.ts';

const SHAPE: GradebookShape = {
  lab: 'lab1',
  seeds: [1],
  tests: [
    { name: 'Basic', part: 'A', points: 8, hidden: false },
    { name: 'PrimaryFail2', part: 'B', points: 5, hidden: false },
    { name: 'ResendStorm', part: 'B', points: 10, hidden: true },
  ],
  parts: [
    { id: 'A', title: 'Replication', points: 8 },
    { id: 'B', title: 'At-most-once', points: 15 },
  ],
  max_score: 23,
};

function results(scores: Record<string, number>, status: 'graded' | 'compile_error' = 'graded', reason = ''): GradescopeResults {
  return {
    score: Object.values(scores).reduce((a, b) => a + b, 0),
    execution_time: 3,
    tests: SHAPE.tests.map((t) => ({
      name: `${t.part}: ${t.name}`,
      score: scores[t.name] ?? 0,
      max_score: t.points,
      status: scores[t.name] === t.points ? ('passed' as const) : ('failed' as const),
      output: '',
      visibility: 'visible' as const,
      extra_data: { test: t.name, part: t.part, description: '', seeds: [1], failing_seeds: [] },
    })),
    extra_data: { lab: 'lab1', complete: true, batch: { student: 'x', status, reason, seeds: [1], tests: SHAPE.tests.map((t) => t.name), fingerprint: 'sha256:0', impl: 'x' } },
  };
}

test('a row per student: points per test and per part, total, status and reason; a missing file is pending', (t) => {
  t.deepEqual(rowOf('alice', SHAPE, results({ Basic: 8, PrimaryFail2: 5, ResendStorm: 2.5 })), {
    student: 'alice',
    status: 'graded',
    score: 15.5,
    parts: { A: 8, B: 7.5 },
    tests: { Basic: 8, PrimaryFail2: 5, ResendStorm: 2.5 },
    reason: '',
  });
  t.like(rowOf('bob', SHAPE, results({}, 'compile_error', 'does not compile: x')), { status: 'compile_error', score: 0, reason: 'does not compile: x' });
  t.like(rowOf('carol', SHAPE, undefined), { status: 'pending', score: 0, reason: 'not graded yet', parts: { A: 0, B: 0 } });
});

test('CSV: one header, a column per part and per test; quotes and commas; one line per cell; formulas are defused', (t) => {
  const book = gradebook(SHAPE, [
    rowOf('alice', SHAPE, results({ Basic: 8 })),
    rowOf('=HYPERLINK("x")', SHAPE, results({}, 'compile_error', 'does not compile: a "quoted", thing\nsecond line')),
  ]);
  const csv = gradebookCsv(book);
  const lines = csv.split('\r\n');
  t.is(lines[0], 'student,status,score,max_score,part A,part B,Basic,PrimaryFail2,ResendStorm,reason');
  t.is(lines[1], 'alice,graded,8,23,8,0,8,0,0,');
  t.is(lines[2], `"'=HYPERLINK(""x"")",compile_error,0,23,0,0,0,0,0,"does not compile: a ""quoted"", thing␊second line"`);
  t.is(csvCell('-1+2'), "'-1+2");
  t.is(csvCell(-1), '-1', 'numbers stay numbers');
  t.is(csvCell('@SUM(A1)'), "'@SUM(A1)");
});

function shardDir(book: Gradebook, students: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-gradebook-'));
  writeGradebook(dir, book);
  for (const student of students) {
    mkdirSync(path.join(dir, 'students', student, 'submission'), { recursive: true });
    writeFileSync(path.join(dir, 'students', student, 'results.json'), JSON.stringify(results({ Basic: 8 })));
    writeFileSync(path.join(dir, 'students', student, 'submission', 'marker'), student);
  }
  return dir;
}

test('merge: shards joined and sorted, students\' folders copied; a missing shard is named', (t) => {
  const one = shardDir(gradebook(SHAPE, [rowOf('alice', SHAPE, results({ Basic: 8 })), rowOf('carol', SHAPE, results({}))], { index: 1, count: 3 }), ['alice', 'carol']);
  const two = shardDir(gradebook(SHAPE, [rowOf('bob', SHAPE, results({ PrimaryFail2: 5 }))], { index: 2, count: 3 }), ['bob']);
  const out = mkdtempSync(path.join(tmpdir(), 'locklab-merged-'));
  const report = mergeGradebooks([path.join(two, 'gradebook.json'), path.join(one, 'gradebook.json')], out);
  t.deepEqual(report.gradebook.students.map((r) => r.student), ['alice', 'bob', 'carol']);
  t.is(report.gradebook.shard, undefined);
  t.deepEqual(report.missingShards, ['3/3']);
  t.is(readFileSync(path.join(out, 'students', 'bob', 'submission', 'marker'), 'utf8'), 'bob');
  t.true(existsSync(path.join(out, 'students', 'carol', 'results.json')));
  const unsharded = gradebook(SHAPE, [rowOf('alice', SHAPE, results({ Basic: 8 })), rowOf('bob', SHAPE, results({ PrimaryFail2: 5 })), rowOf('carol', SHAPE, results({}))]);
  t.is(readFileSync(path.join(out, 'gradebook.csv'), 'utf8'), gradebookCsv(unsharded));
  t.deepEqual(JSON.parse(readFileSync(path.join(out, 'gradebook.json'), 'utf8')), unsharded);
});

test('merge refuses a student twice, another lab, other tests or seeds, and a file that is no gradebook; and writes nothing', (t) => {
  const alice = shardDir(gradebook(SHAPE, [rowOf('alice', SHAPE, results({}))]), ['alice']);
  const aliceAgain = shardDir(gradebook(SHAPE, [rowOf('alice', SHAPE, results({}))]), ['alice']);
  const lab2 = shardDir(gradebook({ ...SHAPE, lab: 'lab2' }, [rowOf('bob', SHAPE, results({}))]), []);
  const seeds = shardDir(gradebook({ ...SHAPE, seeds: [1, 2] }, [rowOf('bob', SHAPE, results({}))]), []);
  const junk = mkdtempSync(path.join(tmpdir(), 'locklab-junk-'));
  writeFileSync(path.join(junk, 'gradebook.json'), '{"format":"something else"}');
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'locklab-merged-')), 'out');
  const merge = (...dirs: string[]) => () => mergeGradebooks(dirs.map((d) => path.join(d, 'gradebook.json')), out);
  t.throws(merge(alice, aliceAgain), { instanceOf: UsageError, message: /^student alice is in both .*gradebook\.json and .*gradebook\.json$/ });
  t.throws(merge(alice, lab2), { instanceOf: UsageError, message: /^mismatched labs: .* grades lab1, .* grades lab2$/ });
  t.throws(merge(alice, seeds), { instanceOf: UsageError, message: /differ in their tests, points or seeds/ });
  t.throws(merge(alice, junk), { instanceOf: UsageError, message: /is not a locklab gradebook/ });
  t.throws(() => mergeGradebooks([], out), { instanceOf: UsageError });
  t.false(existsSync(out));
});
