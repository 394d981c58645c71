/**
 * The gradebook of a class: one row per student (status, total, points per part and per test,
 * and the reason), as JSON and CSV. It is always rebuilt from the students' results files, so it
 * can be written again at any time (after every student, after a resume, after a merge) and a
 * killed batch never leaves it wrong for long. It holds no timestamps or timings: the same
 * grades give the same bytes, which is what lets shards merged equal one unsharded batch.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { GradedTest, LabManifest } from '../lab/manifest.ts';
import type { GradescopeResults } from '../report/gradescope.ts';
import { round } from '../score/scorer.ts';
import { inertCell } from '../text/untrusted.ts';

export const STATUSES = ['graded', 'compile_error', 'missing_files', 'ambiguous_files', 'bad_archive', 'duplicate', 'error', 'pending'] as const;
export type Status = (typeof STATUSES)[number];

export const GradebookRowSchema = z.object({
  student: z.string().min(1),
  status: z.enum(STATUSES),
  score: z.number().nonnegative(),
  /** Points per part id. */
  parts: z.record(z.string(), z.number().nonnegative()),
  /** Points per test name. */
  tests: z.record(z.string(), z.number().nonnegative()),
  /** Why the score is what it is, in one line ("" for full marks). */
  reason: z.string(),
});
export type GradebookRow = z.infer<typeof GradebookRowSchema>;

export const GradebookSchema = z.object({
  format: z.literal('locklab-gradebook'),
  version: z.literal(1),
  lab: z.string(),
  seeds: z.array(z.number().int()),
  tests: z.array(z.object({ name: z.string(), part: z.string(), points: z.number().nonnegative(), hidden: z.boolean() })),
  parts: z.array(z.object({ id: z.string(), title: z.string(), points: z.number().nonnegative() })),
  max_score: z.number().nonnegative(),
  /** Set when the gradebook holds one shard of the class. */
  shard: z.object({ index: z.number().int().positive(), count: z.number().int().positive() }).optional(),
  students: z.array(GradebookRowSchema),
});
export type Gradebook = z.infer<typeof GradebookSchema>;

/** The columns every row of a batch has: what was graded. */
export interface GradebookShape {
  lab: string;
  seeds: number[];
  tests: Gradebook['tests'];
  parts: Gradebook['parts'];
  max_score: number;
}

export function gradebookShape(manifest: Pick<LabManifest, 'id' | 'parts'>, tests: readonly GradedTest[], seeds: readonly number[]): GradebookShape {
  const parts = manifest.parts
    .map((p) => ({ id: p.id, title: p.title, points: round(tests.filter((t) => t.part === p.id).reduce((a, t) => a + t.points, 0)) }))
    .filter((p) => tests.some((t) => t.part === p.id));
  return {
    lab: manifest.id,
    seeds: [...seeds],
    tests: tests.map((t) => ({ name: t.name, part: t.part, points: t.points, hidden: t.hidden ?? false })),
    parts,
    max_score: round(tests.reduce((a, t) => a + t.points, 0)),
  };
}

/** A student's row, from their results file (undefined: not graded yet). */
export function rowOf(student: string, shape: GradebookShape, results: GradescopeResults | undefined): GradebookRow {
  const parts = Object.fromEntries(shape.parts.map((p) => [p.id, 0]));
  const tests = Object.fromEntries(shape.tests.map((t) => [t.name, 0]));
  if (!results) return { student, status: 'pending', score: 0, parts, tests, reason: 'not graded yet' };
  for (const test of results.tests) {
    const name = test.extra_data.test ?? test.name.replace(`${test.extra_data.part}: `, '');
    if (!(name in tests)) continue;
    tests[name] = test.score;
    parts[test.extra_data.part] = round((parts[test.extra_data.part] ?? 0) + test.score);
  }
  const batch = results.extra_data?.batch;
  return {
    student,
    status: batch?.status ?? 'graded',
    score: round(Object.values(tests).reduce((a, b) => a + b, 0)),
    parts,
    tests,
    reason: batch?.reason ?? '',
  };
}

export function gradebook(shape: GradebookShape, rows: GradebookRow[], shard?: { index: number; count: number }): Gradebook {
  return GradebookSchema.parse({ format: 'locklab-gradebook', version: 1, ...shape, ...(shard ? { shard } : {}), students: rows });
}

/** CSV, one row per student: student, status, score, max_score, a column per part and per test, reason. */
export function gradebookCsv(book: Gradebook): string {
  const header = ['student', 'status', 'score', 'max_score', ...book.parts.map((p) => `part ${p.id}`), ...book.tests.map((t) => t.name), 'reason'];
  const lines = [header.map(csvCell)];
  for (const row of book.students) {
    lines.push(
      [row.student, row.status, row.score, book.max_score, ...book.parts.map((p) => row.parts[p.id] ?? 0), ...book.tests.map((t) => row.tests[t.name] ?? 0), row.reason].map(csvCell),
    );
  }
  return lines.map((cells) => cells.join(',')).join('\r\n') + '\r\n';
}

/**
 * One CSV cell (RFC 4180 quoting) of text that may be a student's (a name, a compiler message):
 * made inert and never a formula (`inertCell`).
 */
export function csvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = inertCell(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Writes `<dir>/gradebook.json` and `<dir>/gradebook.csv`, each atomically. */
export function writeGradebook(dir: string, book: Gradebook): { json: string; csv: string } {
  const valid = GradebookSchema.parse(book);
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'gradebook.json');
  const csv = path.join(dir, 'gradebook.csv');
  writeAtomically(json, JSON.stringify(valid, null, 2) + '\n');
  writeAtomically(csv, gradebookCsv(valid));
  return { json, csv };
}

export function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}
