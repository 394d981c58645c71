/**
 * Finding a student's files (grader/src/package/submission.ts), the one search that Gradescope's
 * runner and `locklab batch` share: in their folder, flat, inside a repository; the unchanged
 * starter set aside for the student's own copy; two different copies graded as neither; links
 * never followed. And `locklab batch` on the layouts that Gradescope accepts: a flat upload is
 * graded, not `missing_files`.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { runBatch } from '../../src/batch/batch.ts';
import { findSubmissions } from '../../src/batch/submissions.ts';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { loadLab } from '../../src/lab/load.ts';
import { locateStudentFiles, readStarter, type LocatedFiles } from '../../src/package/submission.ts';

const FILES = ['lockservice/server.ts', 'lockservice/client.ts', 'lockservice/common.ts'];
const STARTER = readStarter(LOCKLAB_ROOT, FILES)!;

const made: string[] = [];
test.after.always(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function make(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-submission-'));
  made.push(dir);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}
/** The three files under `prefix`, with contents that name `tag`. */
const copy = (prefix: string, tag: string, flat = false) => Object.fromEntries(FILES.map((f) => [`${prefix}${flat ? path.basename(f) : f}`, `// ${tag}\n`]));
/** The starter's own files under `prefix`. */
const starterAt = (prefix: string) => Object.fromEntries(FILES.map((f) => [`${prefix}${f}`, readFileSync(path.join(LOCKLAB_ROOT, 'starter', f), 'utf8')]));
const read = (located: LocatedFiles) => (located.kind === 'ambiguous' ? {} : Object.fromEntries(Object.entries(located.files).map(([k, v]) => [k, readFileSync(v, 'utf8')])));

test('in their folder, flat, inside a repository; identical copies count once; missing files are named', (t) => {
  t.like(locateStudentFiles(make(copy('', 'mine')), FILES, STARTER), { kind: 'found', where: 'the submission', ignored: [], pristine: false });
  const flat = locateStudentFiles(make({ ...copy('', 'mine', true), 'notes.txt': 'x' }), FILES, STARTER);
  t.like(flat, { kind: 'found', where: 'the submission (flat)' });
  t.deepEqual(read(flat), Object.fromEntries(FILES.map((f) => [f, '// mine\n'])));
  const repo = locateStudentFiles(make({ ...copy('repo/starter/', 'mine'), ...copy('repo/node_modules/x/', 'other'), ...copy('repo/.git/x/', 'other') }), FILES, STARTER);
  t.like(repo, { kind: 'found', where: 'repo/starter/' }, 'node_modules and dot-folders are not looked into');
  const twice = locateStudentFiles(make({ ...copy('b/deeper/', 'mine'), ...copy('a/', 'mine'), ...copy('c/', 'mine', true) }), FILES, STARTER);
  t.like(twice, { kind: 'found', where: 'a/' }, 'the same files twice: the shallowest copy');
  t.like(locateStudentFiles(make({ 'lockservice/server.ts': 'x', 'client.ts': 'y' }), FILES, STARTER), { kind: 'missing', missing: ['lockservice/common.ts'] });
  t.like(locateStudentFiles(path.join(tmpdir(), 'locklab-no-such-folder'), FILES, STARTER), { kind: 'missing', missing: FILES });
});

test('a repository with the unchanged starter/ and the student\'s own folder: the student\'s own is graded, and the starter is named as set aside', (t) => {
  const located = locateStudentFiles(make({ ...starterAt('starter/'), ...copy('my-lab1/', 'mine') }), FILES, STARTER);
  t.like(located, { kind: 'found', where: 'my-lab1/', ignored: ['starter/ (unchanged starter)'], pristine: false });
  // Line endings do not make a copy different (uploaded from Windows).
  const crlf = Object.fromEntries(Object.entries(starterAt('starter/')).map(([f, text]) => [f, text.replace(/\n/g, '\r\n')]));
  t.like(locateStudentFiles(make({ ...crlf, ...copy('zzz/', 'mine') }), FILES, STARTER), { kind: 'found', where: 'zzz/' });
  // Only the starter: it is graded (it scores 0), and said to be unchanged.
  t.like(locateStudentFiles(make(starterAt('starter/')), FILES, STARTER), { kind: 'found', where: 'starter/', pristine: true, ignored: [] });
});

test('two different copies, neither the starter: none is graded, and both are listed', (t) => {
  const located = locateStudentFiles(make({ ...starterAt('starter/'), ...copy('attempt1/', 'one'), ...copy('attempt2/', 'two', true) }), FILES, STARTER);
  t.deepEqual(located, { kind: 'ambiguous', candidates: ['attempt1/', 'attempt2/ (flat)'] });
});

test('folder names are shown with control characters escaped (they come from the submission)', (t) => {
  const located = locateStudentFiles(make({ ...copy('a\u001b[2J/', 'one'), ...copy('b/', 'two') }), FILES, STARTER);
  t.deepEqual(located, { kind: 'ambiguous', candidates: ['a\\u001b[2J/', 'b/'] });
});

test('a symbolic link is never followed: a file that points at the grader\'s own files is not a student file', (t) => {
  const dir = make({ 'lockservice/client.ts': 'c', 'lockservice/common.ts': 'm' });
  symlinkSync(path.join(LOCKLAB_ROOT, 'solutions', 'lockservice', 'server.ts'), path.join(dir, 'lockservice', 'server.ts'));
  mkdirSync(path.join(dir, 'elsewhere'));
  symlinkSync(path.join(LOCKLAB_ROOT, 'solutions'), path.join(dir, 'elsewhere', 'linked'));
  t.like(locateStudentFiles(dir, FILES, STARTER), { kind: 'missing', missing: ['lockservice/server.ts'] });
});

test('locklab batch finds files as Gradescope does: a flat upload and a repository with the unchanged starter are graded; two different copies are not', async (t) => {
  const lab = await loadLab('lab1');
  const tests = lab.manifest.tests.filter((x) => x.name === 'Basic');
  const classDir = mkdtempSync(path.join(tmpdir(), 'locklab-class-'));
  const out = path.join(classDir, '..', `${path.basename(classDir)}-grades`);
  try {
    const reference = (name: string) => readFileSync(path.join(LOCKLAB_ROOT, 'solutions', 'lockservice', name), 'utf8');
    for (const name of ['server.ts', 'client.ts', 'common.ts']) {
      mkdirSync(path.join(classDir, 'flat'), { recursive: true });
      writeFileSync(path.join(classDir, 'flat', name), reference(name));
    }
    cpSync(path.join(LOCKLAB_ROOT, 'starter'), path.join(classDir, 'repo', 'starter'), { recursive: true });
    cpSync(path.join(LOCKLAB_ROOT, 'solutions'), path.join(classDir, 'repo', 'work'), { recursive: true });
    cpSync(path.join(LOCKLAB_ROOT, 'solutions'), path.join(classDir, 'twice', 'a'), { recursive: true });
    cpSync(path.join(LOCKLAB_ROOT, 'starter'), path.join(classDir, 'twice', 'b'), { recursive: true });
    writeFileSync(path.join(classDir, 'twice', 'b', 'lockservice', 'server.ts'), '// started\n', { flag: 'a' });

    const report = await runBatch({ lab, submissions: findSubmissions(classDir), out, tests, seeds: [1], jobs: 2, typecheck: false, force: false });
    const rows = Object.fromEntries(report.gradebook.students.map((r) => [r.student, r]));
    t.like(rows['flat'], { status: 'graded', score: 8 });
    t.like(rows['repo'], { status: 'graded', score: 8 }, 'graded from work/, not from the unchanged starter/');
    t.like(rows['twice'], { status: 'ambiguous_files', score: 0 });
    t.regex(rows['twice']!.reason, /^several different copies of the lab's files: a\/, b\/; none was graded/);
  } finally {
    rmSync(classDir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
});
