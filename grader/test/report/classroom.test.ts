/**
 * `--classroom FILE`: the runner result that GitHub Classroom's autograding grading reporter
 * reads: `{version: 1, status, max_score, tests: [...]}` with each test's own points, in FILE,
 * on standard output (`-`), and base64 in the step output `result` ($GITHUB_OUTPUT).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { ClassroomReporter, ClassroomResultSchema, classroomTest, type ClassroomResult } from '../../src/report/classroom.ts';
import { info, run, score, summaryOf } from './fixtures.ts';

const cli = path.join(LOCKLAB_ROOT, 'bin/locklab.js');
const locklab = (args: string[], env: Record<string, string | undefined>) =>
  execa(process.execPath, [cli, ...args], { cwd: LOCKLAB_ROOT, reject: false, env: { NO_COLOR: '1', GITHUB_ACTIONS: undefined, GITHUB_OUTPUT: undefined, ...env } });

/** What the grading reporter does with a runner's result: decode `<RUNNER>_RESULTS`, add up the tests' scores. */
function asTheReporterReadsIt(base64: string): { result: ClassroomResult; points: number; max: number } {
  const result = ClassroomResultSchema.parse(JSON.parse(Buffer.from(base64, 'base64').toString('utf-8')));
  return { result, points: result.tests.reduce((a, t) => a + t.score, 0), max: result.max_score };
}

test('a passing grading: status pass, per-test points, the same JSON in the file and in the step output', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-classroom-'));
  const file = path.join(dir, 'classroom.json');
  const output = path.join(dir, 'github_output');
  writeFileSync(output, 'earlier=1\n');
  const result = await locklab(['grade', 'lab1', '--impl', 'solutions', '--test', 'Basic,PrimaryFail2', '--classroom', file, '--no-typecheck'], { GITHUB_OUTPUT: output });
  t.is(result.exitCode, 0, String(result.stderr));
  const json = ClassroomResultSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  t.like(json, { version: 1, status: 'pass', max_score: 13 });
  t.deepEqual(
    json.tests.map((x) => [x.name, x.status, x.score, x.message, x.test_code]),
    [
      ['A: Basic', 'pass', 8, null, 'npx locklab grade lab1 --impl solutions --test Basic --seed 1'],
      ['B: PrimaryFail2', 'pass', 5, null, 'npx locklab grade lab1 --impl solutions --test PrimaryFail2 --seed 1'],
    ],
  );
  for (const x of json.tests) t.true(x.execution_time > 0);
  const lines = readFileSync(output, 'utf8').split('\n');
  t.is(lines[0], 'earlier=1', 'GITHUB_OUTPUT is appended to');
  const encoded = lines.find((l) => l.startsWith('result='))!.slice('result='.length);
  const read = asTheReporterReadsIt(encoded);
  t.deepEqual(read.result, json);
  t.deepEqual([read.points, read.max], [13, 13]);
});

test('a failing grading: status fail, points of the passing tests only, the reason as the message', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-classroom-'));
  const output = path.join(dir, 'github_output');
  const result = await locklab(['grade', 'lab1', '--test', 'Basic,PrimaryFail2', '--classroom', '-', '--no-typecheck'], { GITHUB_OUTPUT: output });
  t.is(result.exitCode, 1);
  const json = ClassroomResultSchema.parse(JSON.parse(String(result.stdout)));
  t.like(json, { status: 'fail', max_score: 13 });
  t.deepEqual(json.tests.map((x) => [x.status, x.score]), [['fail', 0], ['fail', 0]]);
  t.regex(json.tests[0]!.message!, /^seed 1: c1's lock\("a"\) returned false, expected true\nhint: /);
  t.regex(String(result.stderr), /FAIL {2}Basic/, 'with `-`, the report for people goes to standard error');
  const read = asTheReporterReadsIt(readFileSync(output, 'utf8').trim().slice('result='.length));
  t.deepEqual([read.points, read.max], [0, 13]);
});

test('a crash names the student file and line; a compile error makes every test and the runner "error"', (t) => {
  const crashed = classroomTest(info, score('Basic', 'A', 8, [1], [1]), [
    run('Basic', 'A', 1, { message: 'node `primary` crashed', node: 'primary', logs: { primary: [`    at f (${process.cwd()}/mywork/lockservice/server.ts:12:5)`] } }),
  ]);
  t.like(crashed, { status: 'fail', score: 0, filename: 'mywork/lockservice/server.ts', line_no: 12 });
  t.regex(crashed.message!, /primary \(last log lines\):\n {6}at f/);

  let stdout = '';
  const reporter = new ClassroomReporter(info, { file: '-', stdout: (s) => (stdout += s) });
  reporter.compileError(['mywork/lockservice/server.ts(3,5): error TS2322: no']);
  const scores = [score('Basic', 'A', 8, [1], [1]), score('PrimaryFail2', 'B', 5, [1], [1])];
  for (const s of scores) reporter.testDone(s, []);
  reporter.finish(summaryOf(scores));
  const json = ClassroomResultSchema.parse(JSON.parse(stdout));
  t.is(json.status, 'error');
  t.deepEqual(json.tests.map((x) => x.status), ['error', 'error']);
  t.regex(json.tests[0]!.message!, /does not compile[\s\S]*error TS2322/);
});

test('a long message is clipped: the step output stays small', (t) => {
  const huge = classroomTest(info, score('Basic', 'A', 8, [1], [1]), [run('Basic', 'A', 1, { message: 'x'.repeat(100_000) })]);
  t.true(huge.message!.length <= 4000);
  t.true(huge.message!.endsWith('…'));
});
