/** Classes of submissions for the batch tests: copies of the reference, of a mutant, and broken ones. */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { loadLab, type LoadedLab } from '../../src/lab/load.ts';
import type { GradedTest } from '../../src/lab/manifest.ts';
import { MUTANTS, materialize } from '../support/mutants.ts';
import { tar, zip, type ArchiveEntry } from './archives.ts';

export const SOLUTIONS = path.join(LOCKLAB_ROOT, 'solutions');
/** A mutant that loses Basic and PrimaryFail2 (see grader/test/support/mutants.ts). */
export const MUTANT = MUTANTS.find((m) => m.name === 'lock-ignores-holder')!;
/** Two quick tests that tell the reference and the mutant apart. */
export const TESTS = ['Basic', 'PrimaryFail2'];

export async function lab1(names = TESTS): Promise<{ lab: LoadedLab; tests: GradedTest[] }> {
  const lab = await loadLab('lab1');
  return { lab, tests: lab.manifest.tests.filter((t) => names.includes(t.name)) };
}

export function emptyClass(): string {
  return mkdtempSync(path.join(tmpdir(), 'locklab-class-'));
}

/** The files of a folder as archive entries under `prefix`. */
export function entriesOf(dir: string, prefix = ''): ArchiveEntry[] {
  const out: ArchiveEntry[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push({ name: `${prefix}${name}/` }, ...entriesOf(full, `${prefix}${name}/`));
    else out.push({ name: `${prefix}${name}`, data: readFileSync(full) });
  }
  return out;
}

export const copyFolder = (from: string, to: string) => cpSync(from, to, { recursive: true });

export function addFolder(classDir: string, student: string, from: string, nested?: string): void {
  copyFolder(from, path.join(classDir, student, ...(nested ? [nested] : [])));
}

export function addZip(classDir: string, student: string, from: string, prefix = ''): void {
  writeFileSync(path.join(classDir, `${student}.zip`), zip(entriesOf(from, prefix), { deflate: true }));
}

export function addTarGz(classDir: string, student: string, from: string, prefix = ''): void {
  writeFileSync(path.join(classDir, `${student}.tar.gz`), tar(entriesOf(from, prefix), { gzip: true }));
}

export function mutantFolder(): string {
  return materialize(MUTANT);
}

/** The reference with one file edited. */
export function editedReference(file: string, edit: (s: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-edited-'));
  copyFolder(SOLUTIONS, dir);
  writeFileSync(path.join(dir, file), edit(readFileSync(path.join(dir, file), 'utf8')));
  return dir;
}

export function onlyServer(classDir: string, student: string): void {
  mkdirSync(path.join(classDir, student, 'lockservice'), { recursive: true });
  cpSync(path.join(SOLUTIONS, 'lockservice/server.ts'), path.join(classDir, student, 'lockservice/server.ts'));
}
