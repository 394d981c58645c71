/**
 * The zip writer and reader: round trip, Unix modes, corruption detected, and agreement with the
 * system's `zip`/`unzip` programs when they are installed (an independent implementation).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { crc32, extractZip, readZip, writeZip, ZipError, type ZipEntry } from '../../src/package/zip.ts';

const random = (n: number, seed: number) => {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
};

const ENTRIES: ZipEntry[] = [
  { path: 'run_autograder', data: Buffer.from('#!/usr/bin/env bash\necho hi\n'), mode: 0o755 },
  { path: 'locklab/', data: Buffer.alloc(0), mode: 0o755 },
  { path: 'locklab/empty.txt', data: Buffer.alloc(0), mode: 0o644 },
  { path: 'locklab/text.ts', data: Buffer.from('export const x = 1;\n'.repeat(500)), mode: 0o644 },
  { path: 'locklab/random.bin', data: random(70_000, 7), mode: 0o600 },
  { path: 'locklab/ünïcødé name.md', data: Buffer.from('ü'), mode: 0o644 },
];

const has = (program: string) => spawnSync(program, ['-v'], { encoding: 'utf8' }).status === 0;

test('crc32 of known strings', (t) => {
  t.is(crc32(Buffer.from('')), 0);
  t.is(crc32(Buffer.from('123456789')), 0xcbf43926);
  t.is(crc32(Buffer.from('The quick brown fox jumps over the lazy dog')), 0x414fa339);
});

test('round trip: paths, bytes and modes; compressible data is deflated; the same entries give the same bytes', (t) => {
  const zip = writeZip(ENTRIES);
  t.deepEqual(readZip(zip), ENTRIES);
  t.true(zip.length < 20_000 + 70_000, 'the repeated text is compressed');
  t.deepEqual(writeZip(ENTRIES), zip, 'deterministic');
});

test('bad paths and duplicates are refused; corruption is detected', (t) => {
  for (const bad of ['/abs', '../up', 'a/../b', 'a//b', 'back\\slash', '']) {
    t.throws(() => writeZip([{ path: bad, data: Buffer.from('x'), mode: 0o644 }]), { instanceOf: ZipError }, bad);
  }
  t.throws(() => writeZip([ENTRIES[0]!, ENTRIES[0]!]), { instanceOf: ZipError });
  const zip = writeZip([{ path: 'a.txt', data: Buffer.from('hello hello hello hello'), mode: 0o644 }]);
  const broken = Buffer.from(zip);
  broken[40] = broken[40]! ^ 0xff; // inside the data of the only entry
  t.throws(() => readZip(broken));
  t.throws(() => readZip(Buffer.from('not a zip at all, not even close')), { message: /not a zip/ });
});

test('extractZip writes files with their modes', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-zip-'));
  extractZip(writeZip(ENTRIES), dir);
  t.is(statSync(path.join(dir, 'run_autograder')).mode & 0o777, 0o755);
  t.is(statSync(path.join(dir, 'locklab/random.bin')).mode & 0o777, 0o600);
  t.deepEqual(readFileSync(path.join(dir, 'locklab/random.bin')), ENTRIES[4]!.data);
  t.is(readFileSync(path.join(dir, 'locklab/ünïcødé name.md'), 'utf8'), 'ü');
});

test('the system unzip reads what we write, with the modes', (t) => {
  if (!has('unzip')) return t.pass('no unzip program here: skipped');
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-zip-'));
  const file = path.join(dir, 'a.zip');
  writeFileSync(file, writeZip(ENTRIES));
  const check = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
  t.is(check.status, 0, check.stdout + check.stderr);
  const out = path.join(dir, 'out');
  t.is(spawnSync('unzip', ['-q', file, '-d', out]).status, 0);
  t.is(statSync(path.join(out, 'run_autograder')).mode & 0o777, 0o755);
  t.deepEqual(readFileSync(path.join(out, 'locklab/random.bin')), ENTRIES[4]!.data);
  t.deepEqual(readFileSync(path.join(out, 'locklab/text.ts')), ENTRIES[3]!.data);
});

test('we read what the system zip writes', (t) => {
  if (!has('zip')) return t.pass('no zip program here: skipped');
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-zip-'));
  mkdirSync(path.join(dir, 'src', 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'src', 'run.sh'), '#!/bin/sh\n');
  chmodSync(path.join(dir, 'src', 'run.sh'), 0o755);
  writeFileSync(path.join(dir, 'src', 'sub', 'data.bin'), random(5000, 3));
  const made = spawnSync('zip', ['-qr', path.join(dir, 'b.zip'), '.'], { cwd: path.join(dir, 'src') });
  t.is(made.status, 0);
  const entries = readZip(readFileSync(path.join(dir, 'b.zip')));
  const byPath = new Map(entries.map((e) => [e.path, e]));
  t.is(byPath.get('run.sh')!.mode, 0o755);
  t.deepEqual(byPath.get('sub/data.bin')!.data, random(5000, 3));
});
