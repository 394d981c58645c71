/**
 * A class's submissions: one entry per student in the submissions folder, either a folder
 * (the student's files, possibly nested one level, e.g. `alice/lab1-alice/lockservice/*.ts`)
 * or an archive (`alice.zip`, `alice.tar`, `alice.tar.gz`, `alice.tgz`). The student's name is
 * the entry's name without the archive extension.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../commands/common.ts';
import { locateStudentFiles, type StarterContents } from '../package/submission.ts';
import { archiveExtension } from './archive.ts';

export interface Submission {
  student: string;
  kind: 'folder' | 'archive';
  /** The entry, as the user's path to the submissions folder joined with its name (for messages and replay commands). */
  path: string;
  /** Another entry of the same student (alice/ and alice.zip): neither is graded, and the reason says so. */
  twin?: string;
}

/** A slice of the class: shard `index` of `count` (1-based), for grading on several machines. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `I/N` (1 <= I <= N). */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) throw new UsageError(`--shard takes I/N with 1 <= I <= N, e.g. --shard 2/4 (got "${text}")`);
  return { index, count };
}

/** Names in a fixed order on every machine: by UTF-16 code units, not by locale. */
export const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every submission in `dir`, sorted by student. Hidden entries (".x") and other files are
 * skipped; `exclude` (e.g. the output folder, if it lies inside) too. Two entries for one
 * student (alice/ and alice.zip) are one submission that names its twin, graded as a duplicate:
 * a name is the student's to choose, so it must not stop the class's grading.
 */
export function findSubmissions(dir: string, exclude: string[] = []): Submission[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`submissions folder ${dir} does not exist`);
  const excluded = new Set(exclude.map((e) => path.resolve(e)));
  const found: Submission[] = [];
  const byStudent = new Map<string, Submission>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === '__MACOSX') continue;
    const full = path.join(dir, entry.name);
    if (excluded.has(path.resolve(full))) continue;
    let submission: Submission | undefined;
    if (entry.isDirectory()) submission = { student: entry.name, kind: 'folder', path: full };
    else if (entry.isFile()) {
      const ext = archiveExtension(entry.name);
      if (ext && entry.name.length > ext.length) submission = { student: entry.name.slice(0, -ext.length), kind: 'archive', path: full };
    }
    if (!submission) continue;
    const first = byStudent.get(submission.student);
    if (first) {
      first.twin = first.path < submission.path ? submission.path : first.path;
      if (first.path > submission.path) Object.assign(first, { kind: submission.kind, path: submission.path });
      continue;
    }
    byStudent.set(submission.student, submission);
    found.push(submission);
  }
  return found.sort((a, b) => byName(a.student, b.student));
}

/**
 * The folder, under `<out>/students/`, of a student's results: the name itself when it is
 * plain (lower-case letters, digits, `.`, `_`, `-`, `@`, `+`), else a plain form of it and a
 * digest of the name. A name is the student's to choose: so no name can collide with another
 * on a case-insensitive filesystem, hold characters some filesystem refuses, or be too long.
 */
export function studentFolder(student: string): string {
  if (/^[a-z0-9][a-z0-9._@+-]{0,99}$/.test(student) && !student.endsWith('.')) return student;
  const plain = student
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._@+-]+/g, '_')
    .replace(/^[._-]+|[._]+$/g, '')
    .slice(0, 60);
  return `${plain || 'student'}~${createHash('sha256').update(student).digest('hex').slice(0, 10)}`;
}

/** Shard I/N of the sorted submissions: those at positions p (0-based) with p mod N = I - 1. */
export function shardOf<T>(sorted: readonly T[], shard: Shard | undefined): T[] {
  return shard ? sorted.filter((_, p) => p % shard.count === shard.index - 1) : [...sorted];
}

/**
 * A digest of what grading reads: the archive's bytes, or the lab's files as the submission
 * locator finds them in the folder (package/submission.ts, the one Gradescope's runner uses).
 * A file larger than `maxFileBytes` (which staging refuses anyway) counts by its size only, so
 * that a huge file is never read whole.
 */
export function fingerprint(submission: Submission, studentFiles: readonly string[], starter?: StarterContents, maxFileBytes = 64 * 1024 * 1024): string {
  const hash = createHash('sha256');
  const add = (file: string) => {
    const size = statSync(file).size;
    if (size > maxFileBytes) hash.update(`too large\0${size}\0`);
    else hash.update(`${size}\0`).update(readFileSync(file));
  };
  if (submission.kind === 'archive') {
    hash.update('archive\0');
    add(submission.path);
  } else {
    const located = locateStudentFiles(submission.path, studentFiles, starter);
    hash.update(`folder\0${located.kind}\0`);
    if (located.kind === 'ambiguous') hash.update(located.candidates.join('\0'));
    else {
      hash.update(`${located.where}\0`);
      for (const file of studentFiles) {
        const from = located.files[file];
        if (from !== undefined && existsSync(from) && statSync(from).isFile()) {
          hash.update(`${file}\0`);
          add(from);
        } else hash.update(`${file}\0missing\0`);
      }
    }
  }
  return `sha256:${hash.digest('hex')}`;
}
