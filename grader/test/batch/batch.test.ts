// Grading a class through the library: every submission gets its grade and reason, whatever
// it is (folder, nested folder, zip, tar.gz, missing files, syntax error, hostile archive);
// resuming skips what is graded; shards merged equal one unsharded batch.
import test from 'ava';
import { existsSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { runBatch, studentDir, type BatchRequest } from '../../src/batch/batch.ts';
import { mergeGradebooks } from '../../src/batch/merge.ts';
import { findSubmissions } from '../../src/batch/submissions.ts';
import { GradescopeResultsSchema } from '../../src/report/gradescope.ts';
import { liveNodes } from '../support/grading.ts';
import { zip } from './archives.ts';
import { SOLUTIONS, addFolder, addTarGz, addZip, editedReference, emptyClass, lab1, mutantFolder, onlyServer } from './class.ts';

async function batch(classDir: string, out: string, extra: Partial<BatchRequest> = {}) {
  const { lab, tests } = await lab1();
  return runBatch({ lab, submissions: findSubmissions(classDir, [out]), out, tests, seeds: [1], jobs: 2, typecheck: false, force: false, ...extra });
}

const resultsOf = (out: string, student: string) => GradescopeResultsSchema.parse(JSON.parse(readFileSync(path.join(studentDir(out, student), 'results.json'), 'utf8')));

test.serial('a mixed class: each submission graded in isolation, with its score, status and reason', async (t) => {
  const dir = emptyClass();
  addFolder(dir, 'alice', SOLUTIONS);
  addFolder(dir, 'bob', SOLUTIONS, 'lab1-bob');
  addZip(dir, 'carol', SOLUTIONS, 'carol-lab1/');
  addTarGz(dir, 'dave', mutantFolder());
  onlyServer(dir, 'eve');
  addFolder(dir, 'frank', editedReference('lockservice/common.ts', (s) => `${s}\nexport const = ;\n`));
  addFolder(dir, "greg o'neil", mutantFolder());
  writeFileSync(path.join(dir, 'mallory.zip'), zip([{ name: 'lockservice/server.ts', data: 'x' }, { name: '../../escaped.ts', data: 'x' }]));
  const out = path.join(dir, 'grades'); // inside the class folder: not a student

  const report = await batch(dir, out);
  const rows = Object.fromEntries(report.gradebook.students.map((r) => [r.student, r]));
  t.deepEqual(Object.keys(rows), ['alice', 'bob', 'carol', 'dave', 'eve', 'frank', "greg o'neil", 'mallory']);
  t.like(rows['alice'], { status: 'graded', score: 13, reason: '', parts: { A: 8, B: 5 }, tests: { Basic: 8, PrimaryFail2: 5 } });
  t.like(rows['bob'], { status: 'graded', score: 13 }, 'nested one level');
  t.like(rows['carol'], { status: 'graded', score: 13 }, 'a zip, nested in it');
  t.like(rows['dave'], { status: 'graded', score: 0, reason: 'failed Basic (seed 1), PrimaryFail2 (seed 1)' });
  t.like(rows['eve'], { status: 'missing_files', score: 0 });
  t.regex(rows['eve']!.reason, /lacks lockservice\/client\.ts, lockservice\/common\.ts/);
  t.like(rows['frank'], { status: 'compile_error', score: 0 });
  t.regex(rows['frank']!.reason, /^does not compile: .*frank\/lockservice\/common\.ts/);
  t.like(rows['mallory'], { status: 'bad_archive', score: 0 });
  t.regex(rows['mallory']!.reason, /cannot unpack mallory\.zip: unsafe entry "\.\.\/\.\.\/escaped\.ts"/);
  t.false(existsSync(path.join(dir, '..', 'escaped.ts')));

  // Every student has a valid Gradescope results file, with a test entry per graded test.
  for (const student of Object.keys(rows)) {
    const results = resultsOf(out, student);
    t.is(results.tests.length, 2, student);
    t.is(results.score, rows[student]!.score, student);
    t.is(results.max_score, 13);
    t.like(results.extra_data, { lab: 'lab1', complete: true, batch: { student, status: rows[student]!.status } });
  }
  t.regex(resultsOf(out, 'eve').tests[0]!.output, /Not run: implementation folder .* lacks/);
  t.regex(resultsOf(out, 'frank').output!, /does not compile/);
  // An archive's files are kept as graded, and its replay commands name them.
  const dave = resultsOf(out, 'dave');
  t.is(dave.tests[0]!.extra_data.replay, `npx locklab grade lab1 --impl ${path.join(out, 'students', 'dave', 'submission')} --test Basic --seed 1`);
  t.deepEqual(readdirSync(path.join(out, 'students', 'dave', 'submission', 'lockservice')).sort(), ['client.ts', 'common.ts', 'server.ts']);
  t.is(resultsOf(out, 'bob').extra_data!.batch!.impl, path.join(dir, 'bob', 'lab1-bob'));
  // A folder name with a space and a quote: the replay command quotes it for the shell.
  t.like(rows["greg o'neil"], { status: 'graded', score: 0 });
  t.is(resultsOf(out, "greg o'neil").tests[0]!.extra_data.replay, `npx locklab grade lab1 --impl '${path.join(dir, "greg o'\\''neil")}' --test Basic --seed 1`);

  const csv = readFileSync(path.join(out, 'gradebook.csv'), 'utf8').split('\r\n');
  t.is(csv[0], 'student,status,score,max_score,part A,part B,Basic,PrimaryFail2,reason');
  t.is(csv.length, 1 + 8 + 1);
  t.is(report.graded.length, 8);
  t.is(liveNodes(), 0, 'no node process outlives the batch');
});

test.serial('resume: graded submissions are skipped, a changed one is graded again, --force grades all', async (t) => {
  const dir = emptyClass();
  addFolder(dir, 'alice', SOLUTIONS);
  addFolder(dir, 'bob', SOLUTIONS);
  onlyServer(dir, 'eve');
  const out = path.join(emptyClass(), 'out');
  const first = await batch(dir, out);
  t.deepEqual(first.graded.map((g) => g.student).sort(), ['alice', 'bob', 'eve']);
  const before = readFileSync(path.join(out, 'gradebook.csv'), 'utf8');

  const again = await batch(dir, out);
  t.deepEqual(again.graded, []);
  t.deepEqual(again.skipped, ['alice', 'bob', 'eve']);
  t.is(readFileSync(path.join(out, 'gradebook.csv'), 'utf8'), before, 'the gradebook rebuilt from the results files is the same');

  appendFileSync(path.join(dir, 'bob', 'lockservice', 'client.ts'), '\n// resubmitted\n');
  const changed = await batch(dir, out);
  t.deepEqual(changed.graded.map((g) => g.student), ['bob']);

  const otherSeeds = await batch(dir, out, { seeds: [1, 2], jobs: 1 });
  t.deepEqual(otherSeeds.graded.map((g) => g.student).sort(), ['alice', 'bob', 'eve'], 'results of other seeds are not reused');

  const forced = await batch(dir, out, { force: true });
  t.deepEqual(forced.graded.map((g) => g.student).sort(), ['alice', 'bob', 'eve']);
  t.is(readFileSync(path.join(out, 'gradebook.csv'), 'utf8'), before);
});

test.serial('shards 1/2 and 2/2, merged, equal the unsharded batch', async (t) => {
  const dir = emptyClass();
  const mutant = mutantFolder();
  for (const student of ['ref-1', 'ref-2', 'ref-3']) addFolder(dir, student, SOLUTIONS);
  addFolder(dir, 'mut-1', mutant);
  addZip(dir, 'mut-2', mutant);
  const root = emptyClass();
  const whole = await batch(dir, path.join(root, 'whole'));
  const one = await batch(dir, path.join(root, 'shard-1'), { shard: { index: 1, count: 2 } });
  const two = await batch(dir, path.join(root, 'shard-2'), { shard: { index: 2, count: 2 } });
  t.deepEqual(one.gradebook.students.map((r) => r.student), ['mut-1', 'ref-1', 'ref-3']);
  t.deepEqual(two.gradebook.students.map((r) => r.student), ['mut-2', 'ref-2']);
  t.deepEqual(one.gradebook.shard, { index: 1, count: 2 });

  const merged = mergeGradebooks([path.join(root, 'shard-2', 'gradebook.json'), path.join(root, 'shard-1', 'gradebook.json')], path.join(root, 'merged'));
  t.deepEqual(merged.missingShards, []);
  t.is(readFileSync(path.join(root, 'merged', 'gradebook.csv'), 'utf8'), readFileSync(path.join(root, 'whole', 'gradebook.csv'), 'utf8'));
  t.is(readFileSync(path.join(root, 'merged', 'gradebook.json'), 'utf8'), readFileSync(path.join(root, 'whole', 'gradebook.json'), 'utf8'));
  for (const row of whole.gradebook.students) {
    const a = resultsOf(path.join(root, 'whole'), row.student);
    const b = resultsOf(path.join(root, 'merged'), row.student);
    t.deepEqual(
      b.tests.map((x) => [x.name, x.score, x.status]),
      a.tests.map((x) => [x.name, x.score, x.status]),
      row.student,
    );
  }
  t.deepEqual(
    whole.gradebook.students.map((r) => [r.student, r.score]),
    [['mut-1', 0], ['mut-2', 0], ['ref-1', 13], ['ref-2', 13], ['ref-3', 13]],
  );
});

test.serial('partial credit and every failing seed with its replay command, in results.json', async (t) => {
  const { lab } = await lab1();
  const { defineTest } = await import('../../src/lab/manifest.ts');
  // Fails on odd seeds whatever the implementation: 2 of 4 seeds pass.
  const oddSeeds = defineTest({
    name: 'OddSeeds',
    part: 'A',
    points: 6,
    description: 'fails on odd seeds',
    clients: 1,
    visibility: 'after_due_date',
    async run(t) {
      if (t.seed % 2 === 1) t.fail(`seed ${t.seed} is odd`);
    },
  });
  const withPartial = { ...lab, manifest: { ...lab.manifest, partialCredit: true, tests: [oddSeeds] } };
  const dir = emptyClass();
  addFolder(dir, 'alice', SOLUTIONS);
  const out = path.join(dir, 'out');
  await runBatch({ lab: withPartial, submissions: findSubmissions(dir, [out]), out, tests: [oddSeeds], seeds: [1, 2, 3, 4], jobs: 1, runsPerSubmission: 2, typecheck: false, force: false });
  const results = resultsOf(out, 'alice');
  const [only] = results.tests;
  t.is(only!.score, 3);
  t.is(only!.status, 'failed');
  t.is(only!.visibility, 'after_due_date');
  t.deepEqual(only!.extra_data.failing_seeds, [1, 3]);
  t.true(only!.extra_data.partial_credit);
  const impl = path.join(dir, 'alice');
  t.deepEqual(only!.extra_data.failing, [
    { seed: 1, message: 'seed 1 is odd', replay: `npx locklab grade lab1 --impl ${impl} --test OddSeeds --seed 1` },
    { seed: 3, message: 'seed 3 is odd', replay: `npx locklab grade lab1 --impl ${impl} --test OddSeeds --seed 3` },
  ]);
  t.regex(only!.output, /Passed on 2 of 4 seeds: 3 of 6 points\./);
  t.regex(only!.output, /Also failing on seed 3: npx locklab grade lab1 --impl .* --test OddSeeds --seed 3/);
  t.is(results.score, 3);
  t.like(JSON.parse(readFileSync(path.join(out, 'gradebook.json'), 'utf8')).students[0], { student: 'alice', score: 3, reason: 'failed OddSeeds (seeds 1 3)' });
});
