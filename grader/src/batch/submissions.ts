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
 * student (alice/ and alice.zip) are an error.
 */
export function findSubmissions(dir: string, exclude: string[] = []): Submission[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`submissions folder ${dir} does not exist`);
  const excluded = new Set(exclude.map((e) => path.resolve(e)));
  const found = new Map<string, Submission>();
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
    const twin = found.get(submission.student);
    if (twin) throw new UsageError(`two submissions for ${submission.student}: ${twin.path} and ${submission.path}; keep one`);
    found.set(submission.student, submission);
  }
  return [...found.values()].sort((a, b) => byName(a.student, b.student));
}

/** Shard I/N of the sorted submissions: those at positions p (0-based) with p mod N = I - 1. */
export function shardOf<T>(sorted: readonly T[], shard: Shard | undefined): T[] {
  return shard ? sorted.filter((_, p) => p % shard.count === shard.index - 1) : [...sorted];
}

/**
 * A digest of what grading reads: the archive's bytes, or the lab's files as the submission
 * locator finds them in the folder (package/submission.ts, the one Gradescope's runner uses).
 */
export function fingerprint(submission: Submission, studentFiles: readonly string[], starter?: StarterContents): string {
  const hash = createHash('sha256');
  if (submission.kind === 'archive') {
    hash.update('archive\0').update(readFileSync(submission.path));
  } else {
    const located = locateStudentFiles(submission.path, studentFiles, starter);
    hash.update(`folder\0${located.kind}\0`);
    if (located.kind === 'ambiguous') hash.update(located.candidates.join('\0'));
    else {
      hash.update(`${located.where}\0`);
      for (const file of studentFiles) {
        const from = located.files[file];
        const bytes = from === undefined ? undefined : readFileSync(from);
        hash.update(bytes ? `${file}\0${bytes.length}\0` : `${file}\0missing\0`);
        if (bytes) hash.update(bytes);
      }
    }
  }
  return `sha256:${hash.digest('hex')}`;
}
