// A class whose students choose names and files that go after the batch itself: a folder named
// like the gradebook's files, a name twice (folder and archive), a name with capitals and
// spaces, a submission that keeps tsc busy, a results folder that cannot be written. Every
// student gets a row with a status and a reason; none stops the others; running the batch
// again does the same.
import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runBatch } from '../../src/batch/batch.ts';
import { GradebookSchema } from '../../src/batch/gradebook.ts';
import { findSubmissions } from '../../src/batch/submissions.ts';
import { GradescopeResultsSchema } from '../../src/report/gradescope.ts';
import { liveNodes } from '../support/grading.ts';
import { SLOW_TYPES } from './fixtures.ts';
import { SOLUTIONS, addFolder, addZip, editedReference, emptyClass, lab1 } from '../batch/class.ts';

/** Every student's results file in a batch's output, by the student it names. */
function resultsByStudent(out: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const folder of readdirSync(path.join(out, 'students'))) {
    const file = path.join(out, 'students', folder, 'results.json');
    if (!existsSync(file)) continue;
    found.set(GradescopeResultsSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).extra_data!.batch!.student, folder);
  }
  return found;
}

test.serial('students named like the gradebook\'s files, twice, oddly, or slow to compile: each gets a row, none stops the batch, and a re-run does the same', async (t) => {
  t.timeout(600_000);
  const classDir = emptyClass();
  addFolder(classDir, 'gradebook.json', SOLUTIONS);
  addZip(classDir, 'gradebook.csv', SOLUTIONS); // gradebook.csv.zip: student "gradebook.csv"
  addZip(classDir, 'gradebook', SOLUTIONS); // gradebook.zip: student "gradebook"
  addFolder(classDir, 'students', SOLUTIONS);
  addFolder(classDir, 'alice', SOLUTIONS);
  addZip(classDir, 'alice', SOLUTIONS);
  addFolder(classDir, 'Bob Smith', SOLUTIONS);
  addFolder(classDir, 'slow', editedReference('lockservice/server.ts', (s) => `${s}\n${SLOW_TYPES}`));
  addFolder(classDir, 'yan', SOLUTIONS);
  const out = path.join(classDir, 'grades');
  // Something that is not a folder where yan's results go: that one student cannot be written.
  mkdirSync(path.join(out, 'students'), { recursive: true });
  writeFileSync(path.join(out, 'students', 'yan'), 'not a folder');

  const { lab, tests } = await lab1(['Basic']);
  // The limit must stop the slow types (minutes of tsc) and let the reference compile on a busy machine.
  const run = () => runBatch({ lab, submissions: findSubmissions(classDir, [out]), out, tests, seeds: [1], jobs: 2, typecheck: true, force: false, limits: { compileWallMs: 30_000 } });
  for (const attempt of ['first', 'again']) {
    const report = await run();
    const rows = Object.fromEntries(report.gradebook.students.map((r) => [r.student, r]));
    t.deepEqual(Object.keys(rows), ['Bob Smith', 'alice', 'gradebook', 'gradebook.csv', 'gradebook.json', 'slow', 'students', 'yan'], attempt);
    for (const name of ['Bob Smith', 'gradebook', 'gradebook.csv', 'gradebook.json', 'students']) t.like(rows[name], { status: 'graded', score: 8 }, `${attempt}: ${name}`);
    t.like(rows.alice, { status: 'duplicate', score: 0, reason: 'two submissions for this student (alice and alice.zip); keep one and run the batch again' });
    t.like(rows.slow, { status: 'compile_error', score: 0 });
    t.regex(rows.slow!.reason, /^does not compile: the implementation did not compile within 30 s: type-checking took longer/);
    t.like(rows.yan, { status: 'error', score: 0 });
    t.regex(rows.yan!.reason, /^the grader failed on this submission: /);
    // The gradebook's files are the gradebook's, and every student's results are their own.
    t.is(GradebookSchema.parse(JSON.parse(readFileSync(path.join(out, 'gradebook.json'), 'utf8'))).students.length, 8);
    t.regex(readFileSync(path.join(out, 'gradebook.csv'), 'utf8'), /^student,status,score/);
    const folders = resultsByStudent(out);
    for (const name of ['gradebook.json', 'gradebook.csv', 'gradebook', 'students', 'alice', 'slow']) t.is(folders.get(name), name, `${attempt}: ${name}'s own folder`);
    // A name that is not plain (capitals, a space) gets a plain folder with a digest.
    t.regex(folders.get('Bob Smith') ?? '', /^Bob_Smith~[0-9a-f]{10}$/);
    t.is(liveNodes(), 0);
  }
  t.true(existsSync(path.join(out, 'students', 'gradebook.csv', 'submission', 'lockservice', 'server.ts')));
});
