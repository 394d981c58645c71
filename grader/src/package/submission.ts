/**
 * Finding a lab's student files in what a student handed in, for Gradescope's runner and for
 * `locklab batch` alike: the files in their folders (`lockservice/server.ts`, ...), the same files
 * flat (`server.ts`, ...), or their folder anywhere inside (a whole repository:
 * `starter/lockservice/server.ts`). Only those files are ever read, and only regular files (a
 * symbolic link could point at the grader's own files).
 *
 * A repository may hold more than one complete copy: the unchanged starter next to the
 * student's own folder, say. Copies with the same contents count once; a copy identical to the
 * lab's starter is set aside when another one differs from it; when two different copies are
 * left, none is taken, and the result lists them, so that nobody is graded on the wrong one.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface Common {
  /** Student file (as the manifest names it) -> the file handed in. */
  files: Record<string, string>;
  /** Where they were found, in words, relative to the submission folder. */
  where: string;
}

export type LocatedFiles =
  | (Common & {
      kind: 'found';
      /** The folder that holds every file at its manifest path, when they were found so (not flat). */
      folder?: string;
      /** Complete copies set aside, in words (e.g. "starter/ (unchanged starter)"). */
      ignored: string[];
      /** The files taken are the unchanged starter. */
      pristine: boolean;
    })
  | (Common & { kind: 'missing'; missing: string[] })
  | { kind: 'ambiguous'; candidates: string[] };

/** The starter's contents of each student file (as read by `readStarter`), to recognise an unchanged copy. */
export type StarterContents = Record<string, string>;

/** The lab's starter files under `root/starter/`, if they are there. */
export function readStarter(root: string, studentFiles: readonly string[]): StarterContents | undefined {
  const contents: StarterContents = {};
  for (const f of studentFiles) {
    const file = path.join(root, 'starter', f);
    if (!isRegularFile(file)) return undefined;
    contents[f] = normalize(readFileSync(file, 'utf8'));
  }
  return contents;
}

function isRegularFile(p: string): boolean {
  try {
    return lstatSync(p).isFile();
  } catch {
    return false;
  }
}

/** Line endings and trailing blank space do not make a copy different. */
const normalize = (text: string) => text.replace(/\r\n?/g, '\n').replace(/\s+$/, '');

/** Folders under `dir` (itself included), shallowest first, then by name; no node_modules or dot-folders, no links. */
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
      const names = entries.filter((e) => e.isDirectory() && e.name !== 'node_modules' && e.name !== '__MACOSX' && !e.name.startsWith('.')).map((e) => e.name);
      for (const name of names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) next.push(path.join(folder, name));
    }
    level = next;
  }
  return found;
}

interface Candidate {
  files: Record<string, string>;
  where: string;
  folder?: string;
  key: string;
  pristine: boolean;
}

/** A folder name from a submission, as words for a log or a results file: control characters escaped. */
const printable = (name: string) => name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function locateStudentFiles(submission: string, studentFiles: readonly string[], starter?: StarterContents): LocatedFiles {
  const show = (dir: string) => printable((path.relative(submission, dir) || '.').split(path.sep).join('/'));
  const whereOf = (dir: string, flat: boolean) => `${show(dir) === '.' ? 'the submission' : `${show(dir)}/`}${flat ? ' (flat)' : ''}`;
  const all = existsSync(submission) ? folders(submission) : [];

  // Every complete copy, in its folders or flat, shallowest first.
  const candidates: Candidate[] = [];
  for (const dir of all) {
    for (const flat of [false, true]) {
      const files = Object.fromEntries(studentFiles.map((f) => [f, path.join(dir, flat ? path.basename(f) : f)]));
      if (!Object.values(files).every(isRegularFile)) continue;
      const contents = Object.fromEntries(studentFiles.map((f) => [f, normalize(readFileSync(files[f]!, 'utf8'))]));
      const key = createHash('sha256').update(JSON.stringify(studentFiles.map((f) => contents[f]))).digest('hex');
      const pristine = starter !== undefined && studentFiles.every((f) => contents[f] === starter[f]);
      candidates.push({ files, where: whereOf(dir, flat), ...(flat ? {} : { folder: dir }), key, pristine });
    }
  }
  // Identical copies count once (the first: shallowest, in folders before flat).
  const distinct = candidates.filter((c, i) => candidates.findIndex((d) => d.key === c.key) === i);
  const changed = distinct.filter((c) => !c.pristine);
  if (changed.length > 1) return { kind: 'ambiguous', candidates: changed.map((c) => c.where) };
  const chosen = changed[0] ?? distinct[0];
  if (chosen) {
    const ignored = distinct.filter((c) => c !== chosen).map((c) => `${c.where} (unchanged starter)`);
    return { kind: 'found', files: chosen.files, where: chosen.where, ...(chosen.folder ? { folder: chosen.folder } : {}), ignored, pristine: chosen.pristine };
  }

  // No complete copy: each file wherever it is, so that the report names only what is really missing.
  const files: Record<string, string> = {};
  for (const f of studentFiles) {
    const dir = all.find((d) => isRegularFile(path.join(d, f))) ?? all.find((d) => isRegularFile(path.join(d, path.basename(f))));
    if (dir) files[f] = isRegularFile(path.join(dir, f)) ? path.join(dir, f) : path.join(dir, path.basename(f));
  }
  return { kind: 'missing', files, missing: studentFiles.filter((f) => !(f in files)), where: 'several places in the submission' };
}

/** Why a folder cannot be graded: the files it lacks (the words `assertImplementation` uses for --impl). */
export function missingText(folder: string, lab: { id: string; studentFiles: readonly string[] }, missing: readonly string[]): string {
  return `implementation folder ${folder} lacks ${missing.join(', ')} (lab ${lab.id} needs ${lab.studentFiles.join(', ')})`;
}

/** Why nothing was graded when several different copies were handed in. */
export function ambiguousText(candidates: readonly string[]): string {
  return `several different copies of the lab's files: ${candidates.join(', ')}; none was graded (keep one)`;
}

/** What to upload, in words, for a message to a student. */
export function uploadAdvice(studentFiles: readonly string[]): string {
  const folders = [...new Set(studentFiles.map((f) => path.posix.dirname(f)))];
  return `Upload ${studentFiles.map((f) => path.posix.basename(f)).join(', ')}: either flat, or in their folder (${folders.map((d) => `${d}/`).join(', ')}), or your whole repository.`;
}
