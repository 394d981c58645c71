// Hostile submissions that try to crash the grader itself: one line nested 300 000 arrays deep
// (valid JSON, 600 KB, which JSON.parse takes and JSON.stringify cannot give back), and a
// grading whose reporter fails. The grader keeps grading, or stops with exit 2 and one line;
// either way the results so far are kept and nothing is left running.
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GradescopeResultsSchema } from '../../src/report/gradescope.ts';
import { SERVER, assertContained, inLock, leftIn, locklab, privateTmp, submission, watchOutside } from './fixtures.ts';

test.serial('a line nested 300 000 arrays deep: a malformed message, the grading goes on, every test graded', async (t) => {
  const outside = watchOutside();
  const tmp = privateTmp(t, 'deep');
  const json = path.join(tmp, 'results.json');
  const deep = "JSON.stringify({ src: 'primary', dest: 'backup', body: { type: 'Deep', x: 0 } }).replace('0', '['.repeat(300_000) + ']'.repeat(300_000))";
  const impl = submission(t, 'deep', { [SERVER]: inLock(`writeSync(3, ${deep} + '\\n');`, "import { writeSync } from 'node:fs';\n") });
  const result = await locklab(['grade', 'lab1', '--impl', impl, '--test', 'Basic,PrimaryFail2', '--json', json, '--no-typecheck', '--jobs', '1'], { tmp });
  t.is(result.exitCode, 1, String(result.stderr));
  t.regex(String(result.stdout), /node `primary` wrote a malformed message while delivering "Lock" from c1: a message nested more than 64 levels deep \(arrays and objects inside each other\); send flatter data/);
  t.notRegex(String(result.stderr), /RangeError|Maximum call stack/);
  const results = GradescopeResultsSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
  t.true(results.extra_data!.complete);
  t.deepEqual(results.tests.map((x) => x.name), ['A: Basic', 'B: PrimaryFail2']);
  t.deepEqual(leftIn(tmp).filter((e) => e !== 'results.json'), []);
  assertContained(t, outside);
});

test.serial('a reporter that fails (the trace folder is a file): exit 2, one line, the results so far kept, nothing left behind', async (t) => {
  const tmp = privateTmp(t, 'reporter-fails');
  const json = path.join(tmp, 'results.json');
  const traces = path.join(tmp, 'traces');
  writeFileSync(traces, 'a file where the trace folder should be');
  const result = await locklab(['grade', 'lab1', '--impl', 'solutions', '--test', 'Basic,PrimaryFail2', '--json', json, '--trace-dir', traces, '--no-typecheck', '--jobs', '1'], { tmp });
  t.is(result.exitCode, 2);
  const stderr = String(result.stderr).trim().split('\n');
  t.is(stderr.length, 1, String(result.stderr));
  t.regex(stderr[0]!, /^locklab: internal error: EEXIST: file already exists, mkdir '.*traces'; stopped after 1 of 2 tests; every node was killed; results so far in .*results\.json$/);
  const results = GradescopeResultsSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
  t.false(results.extra_data!.complete);
  t.deepEqual(results.tests.map((x) => [x.name, x.score]), [['A: Basic', 8]]);
  t.regex(results.output!, /^Grading was stopped by an internal error \(EEXIST: .*\) after 1 of 2 tests; the others were not graded\.$/);
  t.deepEqual(leftIn(tmp).filter((e) => e !== 'results.json' && e !== 'traces'), []);
});
