/**
 * Finding a lab's student files in what a student uploaded: the files in their folders
 * (`lockservice/server.ts`, ...), the same files flat (`server.ts`, ...), or the folders anywhere
 * inside (a whole repository: `starter/lockservice/server.ts`). Only those files are ever read.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface LocatedFiles {
  /** Student file (as the manifest names it) -> the uploaded file. */
  files: Record<string, string>;
  /** Student files that were not found. */
  missing: string[];
  /** Where they were found, in words, relative to the submission folder. */
  where: string;
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/** Folders under `dir` (itself included), shallowest first, then by name; no node_modules or dot-folders. */
function folders(dir: string, depth = 6): string[] {
  const found: string[] = [];
  let level = [dir];
  for (let d = 0; d <= depth && level.length > 0; d++) {
    found.push(...level);
    const next: string[] = [];
    for (const folder of level) {
      let entries;
      try {
        entries = readdirSync(folder, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries.filter((e) => e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        next.push(path.join(folder, e.name));
      }
    }
    level = next;
  }
  return found;
}

export function locateStudentFiles(submission: string, studentFiles: readonly string[]): LocatedFiles {
  const show = (dir: string) => (path.relative(submission, dir) || '.').split(path.sep).join('/');
  const all = folders(submission);
  // 1. A folder that holds every file at its path (the submission itself, or e.g. starter/).
  for (const dir of all) {
    if (studentFiles.every((f) => isFile(path.join(dir, f)))) {
      return { files: Object.fromEntries(studentFiles.map((f) => [f, path.join(dir, f)])), missing: [], where: show(dir) === '.' ? 'the submission' : `${show(dir)}/` };
    }
  }
  // 2. A folder that holds every file by its name alone (uploaded flat).
  for (const dir of all) {
    if (studentFiles.every((f) => isFile(path.join(dir, path.basename(f))))) {
      return {
        files: Object.fromEntries(studentFiles.map((f) => [f, path.join(dir, path.basename(f))])),
        missing: [],
        where: show(dir) === '.' ? 'the submission (flat)' : `${show(dir)}/ (flat)`,
      };
    }
  }
  // 3. Each file wherever it is, so that the report names only what is really missing.
  const files: Record<string, string> = {};
  for (const f of studentFiles) {
    const dir = all.find((d) => isFile(path.join(d, f))) ?? all.find((d) => isFile(path.join(d, path.basename(f))));
    if (dir) files[f] = isFile(path.join(dir, f)) ? path.join(dir, f) : path.join(dir, path.basename(f));
  }
  return { files, missing: studentFiles.filter((f) => !(f in files)), where: 'several places in the submission' };
}
