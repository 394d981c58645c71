/**
 * Joins the gradebooks of shards (or of any batches of disjoint students) into one: same lab,
 * tests and seeds, no student twice. The students' folders next to each gradebook (results and
 * unpacked submissions, under `students/`) are copied along, so the merged folder looks like one unsharded batch.
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../commands/common.ts';
import { gradebook, GradebookSchema, writeGradebook, type Gradebook, type GradebookRow } from './gradebook.ts';
import { studentDir } from './batch.ts';
import { byName } from './submissions.ts';

export interface MergeReport {
  gradebook: Gradebook;
  files: { json: string; csv: string };
  /** Shards that a set of shard gradebooks lacks, e.g. ["3/4"]. */
  missingShards: string[];
}

export function readGradebook(file: string): Gradebook {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${file} as JSON: ${(err as Error).message}`);
  }
  const parsed = GradebookSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(`${file} is not a locklab gradebook: ${z.prettifyError(parsed.error).split('\n').join(' ')}`);
  return parsed.data;
}

const shapeKey = (b: Gradebook) => JSON.stringify({ tests: b.tests, parts: b.parts, seeds: b.seeds, max: b.max_score });

export function mergeGradebooks(files: string[], out: string): MergeReport {
  if (files.length === 0) throw new UsageError('merge takes at least one gradebook.json');
  const books = files.map((file) => ({ file, book: readGradebook(file) }));
  const first = books[0]!;
  for (const { file, book } of books.slice(1)) {
    if (book.lab !== first.book.lab) throw new UsageError(`mismatched labs: ${first.file} grades ${first.book.lab}, ${file} grades ${book.lab}`);
    if (shapeKey(book) !== shapeKey(first.book)) {
      throw new UsageError(`mismatched gradings of ${book.lab}: ${first.file} and ${file} differ in their tests, points or seeds`);
    }
  }
  const owner = new Map<string, string>();
  const rows: GradebookRow[] = [];
  for (const { file, book } of books) {
    for (const row of book.students) {
      const twice = owner.get(row.student);
      if (twice !== undefined) throw new UsageError(`student ${row.student} is in both ${twice} and ${file}`);
      owner.set(row.student, file);
      rows.push(row);
    }
  }
  // Only now, with every check passed, is anything written.
  for (const { file, book } of books) {
    for (const row of book.students) {
      const from = studentDir(path.dirname(file), row.student);
      const to = studentDir(out, row.student);
      if (existsSync(from) && path.resolve(from) !== path.resolve(to)) cpSync(from, to, { recursive: true });
    }
  }
  rows.sort((a, b) => byName(a.student, b.student));
  const { format: _f, version: _v, shard: _s, students: _r, ...shape } = first.book;
  const merged = gradebook(shape, rows);
  const files_ = writeGradebook(out, merged);

  const shards = books.map((b) => b.book.shard);
  let missingShards: string[] = [];
  if (shards.every((s) => s !== undefined) && shards.every((s) => s!.count === shards[0]!.count)) {
    const count = shards[0]!.count;
    const have = new Set(shards.map((s) => s!.index));
    missingShards = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !have.has(i)).map((i) => `${i}/${count}`);
  }
  return { gradebook: merged, files: files_, missingShards };
}
