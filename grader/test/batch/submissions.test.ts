// Finding a class's submissions, slicing them into shards, locating the lab's files in a
// student's folder, and the digest that tells a resubmission from a graded one.
import test from 'ava';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { UsageError } from '../../src/commands/common.ts';
import { findSubmissions, fingerprint, parseShard, shardOf } from '../../src/batch/submissions.ts';
import { locateStudentFiles } from '../../src/package/submission.ts';

const FILES = ['lockservice/server.ts', 'lockservice/client.ts', 'lockservice/common.ts'];

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-subs-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

test('one submission per folder or archive, sorted by name; other files, hidden entries and the output folder are skipped', (t) => {
  const dir = tree({
    'zed/lockservice/server.ts': '',
    'Bob.zip': '',
    'alice/x': '',
    'carol.tar.gz': '',
    'dan.tgz': '',
    'erin.TAR': '',
    'notes.txt': '',
    '.DS_Store': '',
    '.git/HEAD': '',
    '__MACOSX/x': '',
    'grades/gradebook.json': '',
    '.zip': '',
  });
  const found = findSubmissions(dir, [path.join(dir, 'grades')]);
  t.deepEqual(
    found.map((s) => [s.student, s.kind]),
    [
      ['Bob', 'archive'],
      ['alice', 'folder'],
      ['carol', 'archive'],
      ['dan', 'archive'],
      ['erin', 'archive'],
      ['zed', 'folder'],
    ],
  );
  t.is(found[0]!.path, path.join(dir, 'Bob.zip'));
});

test('two submissions of one student are one entry naming its twin; no such folder cannot run', (t) => {
  const dir = tree({ 'alice/a': '', 'alice.zip': '', 'bob/a': '' });
  const found = findSubmissions(dir);
  t.deepEqual(found.map((s) => [s.student, s.kind, path.basename(s.path), s.twin && path.basename(s.twin)]), [
    ['alice', 'folder', 'alice', 'alice.zip'],
    ['bob', 'folder', 'bob', undefined],
  ]);
  t.throws(() => findSubmissions(path.join(dir, 'nope')), { instanceOf: UsageError, message: /does not exist/ });
});

test('--shard I/N: positions p with p mod N = I - 1', (t) => {
  const names = ['a', 'b', 'c', 'd', 'e'];
  t.deepEqual(shardOf(names, { index: 1, count: 2 }), ['a', 'c', 'e']);
  t.deepEqual(shardOf(names, { index: 2, count: 2 }), ['b', 'd']);
  t.deepEqual(shardOf(names, { index: 3, count: 3 }), ['c']);
  t.deepEqual(shardOf(names, undefined), names);
  t.deepEqual(parseShard(' 2/4 '), { index: 2, count: 4 });
  for (const bad of ['0/2', '3/2', '1/0', 'x', '1-2', '/2']) t.throws(() => parseShard(bad), { instanceOf: UsageError, message: /--shard takes I\/N/ });
});

test('shards partition the class: disjoint, and together every submission once', (t) => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.string(), { maxLength: 40 }), fc.integer({ min: 1, max: 9 }), (names, count) => {
      const shards = Array.from({ length: count }, (_, i) => shardOf(names, { index: i + 1, count }));
      const all = shards.flat();
      return all.length === names.length && new Set(all).size === names.length && Math.max(...shards.map((s) => s.length)) - Math.min(...shards.map((s) => s.length)) <= 1;
    }),
  );
  t.pass();
});

test("the lab's files are found as Gradescope's runner finds them: at the top, nested, or flat (package/submission.ts)", (t) => {
  const complete = (prefix: string) => Object.fromEntries(FILES.map((f) => [`${prefix}${f}`, f]));
  const top = tree({ ...complete(''), 'extra/lockservice/server.ts': '' });
  t.like(locateStudentFiles(top, FILES), { kind: 'found', folder: top });
  const nested = tree({ ...complete('lab1-alice/'), 'a-old/lockservice/server.ts': '', 'notes/readme': '' });
  t.like(locateStudentFiles(nested, FILES), { kind: 'found', folder: path.join(nested, 'lab1-alice') });
  const flat = locateStudentFiles(tree({ 'server.ts': '1', 'client.ts': '2', 'common.ts': '3' }), FILES);
  t.like(flat, { kind: 'found', where: 'the submission (flat)' });
  t.is(flat.kind === 'found' ? flat.folder : 'x', undefined, 'flat files are copied before grading, not graded in place');
  const partial = locateStudentFiles(tree({ 'b/lockservice/server.ts': '', 'a/lockservice/server.ts': '' }), FILES);
  t.like(partial, { kind: 'missing', missing: ['lockservice/client.ts', 'lockservice/common.ts'] });
});

test("the fingerprint changes with the lab's files only", (t) => {
  const dir = tree({ 'alice/lockservice/server.ts': 'a', 'alice/lockservice/client.ts': 'b', 'alice/notes.md': 'x' });
  const alice = { student: 'alice', kind: 'folder' as const, path: path.join(dir, 'alice') };
  const before = fingerprint(alice, FILES);
  writeFileSync(path.join(dir, 'alice/notes.md'), 'y');
  t.is(fingerprint(alice, FILES), before);
  writeFileSync(path.join(dir, 'alice/lockservice/common.ts'), '');
  t.not(fingerprint(alice, FILES), before, 'a file that appeared');
  const withCommon = fingerprint(alice, FILES);
  writeFileSync(path.join(dir, 'alice/lockservice/server.ts'), 'A');
  t.not(fingerprint(alice, FILES), withCommon, 'a file that changed');
  t.regex(withCommon, /^sha256:[0-9a-f]{64}$/);
});
