/**
 * Where in the student's code a failure happened, when a stack trace or a compiler message says
 * so: `.../lockservice/server.ts:42:7` (a node's stack trace, mapped to the student's files) or
 * `.../lockservice/server.ts(20,25): error TS...` (the type-checker). CI reporters point at it.
 */
import path from 'node:path';
import type { RunResult } from '../score/run-test.ts';

export interface SourceLocation {
  /** The path as the text wrote it. */
  file: string;
  line: number;
  column?: number;
}

/** What cannot be part of a path as the grader and the compiler print them. */
const DELIMITER = /[\s()'"`:]/;
const LINE = /^(?::(\d+)(?::(\d+))?|\((\d+),(\d+)\))/;

/**
 * The first place in `text` that names one of the student files with a line. Linear in the text
 * (it may be a student's log line of any length): the file names are found with indexOf, and only
 * the first one followed by a line number is extended back to the start of its path.
 */
export function findStudentLocation(text: string, studentFiles: readonly string[]): SourceLocation | undefined {
  let best: { index: number; location: SourceLocation } | undefined;
  for (const file of studentFiles) {
    for (let at = text.indexOf(file); at >= 0; at = text.indexOf(file, at + 1)) {
      const before = at === 0 ? '' : text[at - 1]!;
      if (before !== '' && before !== '/' && !DELIMITER.test(before)) continue; // e.g. "mylockservice/server.ts"
      const match = LINE.exec(text.slice(at + file.length, at + file.length + 32));
      if (!match) continue;
      let start = at;
      while (start > 0 && !DELIMITER.test(text[start - 1]!)) start--;
      if (best === undefined || start < best.index) {
        const column = match[2] ?? match[4];
        best = { index: start, location: { file: text.slice(start, at + file.length), line: Number(match[1] ?? match[3]), ...(column ? { column: Number(column) } : {}) } };
      }
      break;
    }
  }
  return best?.location;
}

/** The student location a failing run points at: its message first, then the log of the node at fault, then the others. */
export function locateRunFailure(run: Pick<RunResult, 'message' | 'logs' | 'node'>, studentFiles: readonly string[]): SourceLocation | undefined {
  const logs = Object.entries(run.logs);
  const ordered = [...logs.filter(([node]) => node === run.node), ...logs.filter(([node]) => node !== run.node)];
  for (const text of [run.message ?? '', ...ordered.map(([, lines]) => lines.join('\n'))]) {
    const found = findStudentLocation(text, studentFiles);
    if (found) return found;
  }
  return undefined;
}

/**
 * `file` (relative to `cwd`, or absolute) as a path relative to `root` with forward slashes, or
 * undefined when it lies outside `root`.
 */
export function relativeTo(root: string, file: string, cwd: string): string | undefined {
  const relative = path.relative(path.resolve(root), path.resolve(cwd, file));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).join('/');
}
