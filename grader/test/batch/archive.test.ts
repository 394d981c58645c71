// Students' archives are unpacked safely: zip (stored, deflate), tar, tar.gz, long names; an
// absolute path, a "..", a link, a bomb or a corrupt file rejects the archive, and nothing
// lands outside the folder.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ArchiveError, safeRelativePath, unpackArchive } from '../../src/batch/archive.ts';
import { crc32 } from '../../src/package/zip.ts';
import { tar, zip, type ArchiveEntry } from './archives.ts';

const scratch = () => mkdtempSync(path.join(tmpdir(), 'locklab-archive-'));

function unpack(name: string, bytes: Buffer, limits?: { maxEntries: number; maxBytes: number }, dir = scratch()) {
  const archive = path.join(dir, name);
  writeFileSync(archive, bytes);
  const dest = path.join(dir, 'out');
  execFileSync('mkdir', [dest]);
  const files = unpackArchive(archive, dest, limits);
  return { dir, dest, files };
}

const LAB_FILES: ArchiveEntry[] = [
  { name: 'alice/' },
  { name: 'alice/lockservice/' },
  { name: 'alice/lockservice/server.ts', data: 'export const server = 1;\n' },
  { name: 'alice/lockservice/client.ts', data: 'export const client = "é";\n' },
];

test('crc32 matches the standard check value', (t) => {
  t.is(crc32(Buffer.from('123456789')), 0xcbf43926);
});

for (const [label, name, bytes] of [
  ['zip, stored', 'a.zip', zip(LAB_FILES)],
  ['zip, deflate', 'a.zip', zip(LAB_FILES, { deflate: true })],
  ['tar', 'a.tar', tar(LAB_FILES)],
  ['tar.gz', 'a.tar.gz', tar(LAB_FILES, { gzip: true })],
  ['tgz', 'a.TGZ', tar(LAB_FILES, { gzip: true })],
] as const) {
  test(`${label}: files and folders come out as they went in`, (t) => {
    const { dest, files } = unpack(name, bytes);
    t.deepEqual(files, ['alice/lockservice/server.ts', 'alice/lockservice/client.ts']);
    t.is(readFileSync(path.join(dest, 'alice/lockservice/client.ts'), 'utf8'), 'export const client = "é";\n');
  });
}

test('a system tar.gz (GNU tar) unpacks too', (t) => {
  const dir = scratch();
  execFileSync('mkdir', ['-p', path.join(dir, 'src/lockservice')]);
  writeFileSync(path.join(dir, 'src/lockservice/common.ts'), 'export {};\n');
  execFileSync('tar', ['-czf', path.join(dir, 'b.tar.gz'), '-C', path.join(dir, 'src'), '.']);
  execFileSync('mkdir', [path.join(dir, 'out')]);
  t.deepEqual(unpackArchive(path.join(dir, 'b.tar.gz'), path.join(dir, 'out')), ['lockservice/common.ts']);
});

test('tar: a name longer than 100 bytes (pax header) keeps its full path', (t) => {
  const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/lockservice/server.ts`;
  const { dest, files } = unpack('long.tar', tar([{ name: long, data: 'x' }]));
  t.deepEqual(files, [long]);
  t.true(existsSync(path.join(dest, long)));
});

test('macOS resource forks are skipped', (t) => {
  const { files } = unpack('mac.zip', zip([...LAB_FILES, { name: '__MACOSX/alice/._server.ts', data: 'junk' }, { name: 'alice/._client.ts', data: 'junk' }]));
  t.deepEqual(files, ['alice/lockservice/server.ts', 'alice/lockservice/client.ts']);
});

const hostile: [string, string, Buffer, RegExp][] = [
  ['zip with ".."', 'evil.zip', zip([{ name: 'ok.ts', data: 'x' }, { name: 'lockservice/../../escaped.ts', data: 'x' }]), /a "\.\." in its path/],
  ['zip with an absolute path', 'evil.zip', zip([{ name: '/tmp/escaped.ts', data: 'x' }]), /an absolute path/],
  ['zip with a Windows drive', 'evil.zip', zip([{ name: 'C:\\escaped.ts', data: 'x' }]), /an absolute path/],
  ['zip with a backslash ".."', 'evil.zip', zip([{ name: '..\\escaped.ts', data: 'x' }]), /a "\.\." in its path/],
  ['zip with a symlink', 'evil.zip', zip([{ name: 'lockservice/server.ts', symlink: '/etc/passwd' }]), /a link or special file/],
  ['tar with ".."', 'evil.tar', tar([{ name: '../escaped.ts', data: 'x' }]), /a "\.\." in its path/],
  ['tar with an absolute path', 'evil.tar', tar([{ name: '/escaped.ts', data: 'x' }]), /an absolute path/],
  ['tar with a symlink', 'evil.tar.gz', tar([{ name: 'lockservice/server.ts', symlink: '/etc/passwd' }], { gzip: true }), /a link/],
  ['tar with a file twice', 'twice.tar', tar([{ name: 'a.ts', data: 'x' }, { name: 'a.ts', data: 'y' }]), /holds it twice/],
  ['not a zip at all', 'junk.zip', Buffer.from('hello, I am not a zip'), /not a valid zip file/],
  ['not a gzip at all', 'junk.tar.gz', Buffer.from('hello'), /not a valid gzip file/],
  ['a tar with a broken header', 'junk.tar', Buffer.concat([Buffer.from('x'.repeat(512)), Buffer.alloc(1024)]), /not a valid tar file/],
];
for (const [label, name, bytes, reason] of hostile) {
  test(`rejected: ${label}, and nothing is written outside`, (t) => {
    const dir = scratch();
    const error = t.throws(() => unpack(name, bytes, undefined, dir), { instanceOf: ArchiveError });
    t.regex(error!.message, reason);
    // Checked before writing: the folder next to the archive got nothing, and nor did its parent.
    t.deepEqual(readdirSync(dir).sort(), [name, 'out'].sort());
    t.deepEqual(readdirSync(path.join(dir, 'out')), []);
    t.false(existsSync(path.join(path.dirname(dir), 'escaped.ts')));
  });
}

test('a corrupt zip entry (checksum) is rejected', (t) => {
  const bytes = zip([{ name: 'a.ts', data: 'hello world' }]);
  bytes[30 + 'a.ts'.length] ^= 0xff; // flip the first byte of the stored data
  t.throws(() => unpack('bad.zip', bytes), { instanceOf: ArchiveError, message: /corrupt/ });
});

test('limits: too many entries or too many bytes (a bomb) are rejected', (t) => {
  const many = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}.ts`, data: 'x' }));
  t.throws(() => unpack('many.zip', zip(many), { maxEntries: 10, maxBytes: 1e6 }), { message: /more than 10 entries/ });
  const bomb = zip([{ name: 'zeros.ts', data: Buffer.alloc(5_000_000) }], { deflate: true });
  t.true(bomb.length < 20_000, 'deflated zeros are small');
  t.throws(() => unpack('bomb.zip', bomb, { maxEntries: 10, maxBytes: 1_000_000 }), { message: /more than 1000000 bytes/ });
  const tarBomb = tar([{ name: 'zeros.ts', data: Buffer.alloc(5_000_000) }], { gzip: true });
  t.throws(() => unpack('bomb.tar.gz', tarBomb, { maxEntries: 10, maxBytes: 1_000_000 }), { message: /more than 1000000 bytes/ });
});

test('safeRelativePath normalizes harmless names', (t) => {
  t.is(safeRelativePath('./a//b/./c.ts'), 'a/b/c.ts');
  t.is(safeRelativePath('a\\b.ts'), 'a/b.ts');
  t.is(safeRelativePath('./'), undefined);
  t.throws(() => safeRelativePath('a/../../b'), { instanceOf: ArchiveError });
  t.throws(() => safeRelativePath('a\0b'), { instanceOf: ArchiveError });
});
