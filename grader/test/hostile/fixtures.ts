/**
 * Hostile submissions and what every one of them must leave behind: nothing. A fixture is a
 * copy of the reference (or of the starter) with some of its files edited or replaced; the
 * checks say that the grader finished, no process is left, nothing outside the run's
 * temporary folder changed, and the score is no higher than the honest work earns.
 */
import type { ExecutionContext } from 'ava';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { loadLab } from '../../src/lab/load.ts';
import type { Limits } from '../../src/lab/manifest.ts';
import { grade, type GradeOutcome } from '../../src/score/grade.ts';
import type { RunResult } from '../../src/score/run-test.ts';
import { liveNodes, orphanNodes, runsOf } from '../support/grading.ts';

export const SERVER = 'lockservice/server.ts';
export const CLIENT = 'lockservice/client.ts';

/** Every file a hostile node tries to create has this in its name: finding one anywhere is a breach. */
export const MARK = 'hostile-was-here';

/** A file the hostile fixtures try to overwrite (outside any run's folder, in the gitignored .locklab/). */
export const CANARY = path.join(LOCKLAB_ROOT, '.locklab', 'hostile-canary', 'scores.json');
const CANARY_TEXT = '{"canary": true}\n';

/** Places where a file named with MARK must never appear. */
export const MARK_PLACES = [tmpdir(), LOCKLAB_ROOT, path.join(LOCKLAB_ROOT, 'grader'), homedir()];

/** Files the fixtures read or aim at, whose content must not change. */
const WATCHED = [
  'solutions/lockservice/server.ts',
  'solutions/lockservice/client.ts',
  'labs/lab1/tests/basic.ts',
  'grader/src/cluster/sandbox-guard.mjs',
].map((f) => path.join(LOCKLAB_ROOT, f));

type Edit = string | ((source: string) => string);

/**
 * A submission in a fresh temporary folder: `base` (the reference or the starter) with `files`
 * replaced (a string) or edited (a function). Removed when the test ends.
 */
export function submission(t: ExecutionContext, name: string, files: Partial<Record<string, Edit>>, base: 'solutions' | 'starter' = 'solutions'): string {
  const dir = mkdtempSync(path.join(tmpdir(), `locklab-fixture-hostile-${name}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(path.join(LOCKLAB_ROOT, base), dir, { recursive: true });
  for (const [file, edit] of Object.entries(files)) {
    const target = path.join(dir, file);
    const before = readFileSync(target, 'utf8');
    const after = typeof edit === 'string' ? edit : edit!(before);
    if (after === before) throw new Error(`fixture ${name}: the edit changed nothing in ${file}`);
    writeFileSync(target, after);
  }
  return dir;
}

/**
 * Template-literal types that tsc expands for minutes (a 10 000-member union mapped twice,
 * then indexed by itself), in a few hundred bytes.
 */
export const SLOW_TYPES = `
type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';
type Four = \`\${Digit}\${Digit}\${Digit}\${Digit}\`;
type Split<T extends string> = T extends \`\${infer A}\${infer B}\` ? [A, B] : never;
type Table = { [K in Four]: Split<K> };
type Keyed = { [K in Four as \`k\${K}\`]: Table[K] };
type First<K extends Four> = K extends Four ? Keyed[\`k\${K}\`][0] : never;
export const slowFirst: First<Four> = '1';
type Grid = { [K in Four]: { [J in Digit]: \`\${K}\${J}\` } }[Four];
export const slowGrid = { '0': '00000' } as unknown as Grid;
`;

/** The reference's server with `code` run at the start of every Lock the server executes. */
export const inLock = (code: string, imports = '') => (source: string) =>
  `${imports}${source.replace('private lock(name: string): boolean {', `private lock(name: string): boolean {\n    ${code}`)}`;

const digest = (file: string) => (existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'absent');

/** What is outside every run's folder, before a fixture runs; `changes()` lists what differs after. */
export function watchOutside(): { changes(): string[] } {
  mkdirSync(path.dirname(CANARY), { recursive: true });
  writeFileSync(CANARY, CANARY_TEXT);
  const before = new Map(WATCHED.map((f) => [f, digest(f)]));
  return {
    changes() {
      const changed: string[] = [];
      for (const [file, hash] of before) if (digest(file) !== hash) changed.push(`${file} changed`);
      if (!existsSync(CANARY) || readFileSync(CANARY, 'utf8') !== CANARY_TEXT) changed.push(`${CANARY} was overwritten`);
      for (const place of MARK_PLACES) {
        let entries: string[] = [];
        try {
          entries = readdirSync(place);
        } catch {
          continue;
        }
        for (const entry of entries) if (entry.includes(MARK)) changed.push(`${path.join(place, entry)} was created`);
      }
      return changed;
    },
  };
}

/** The checks every hostile fixture ends with. */
export function assertContained(t: ExecutionContext, outside: { changes(): string[] }): void {
  t.is(liveNodes(), 0, 'no node process of this grader is left');
  t.deepEqual(orphanNodes(), [], 'no node process outlived its run');
  t.deepEqual(outside.changes(), [], 'nothing outside the run\'s temporary folder changed');
}

/** The one run of a grading of one test on one seed. */
export function onlyRun(outcome: GradeOutcome): RunResult {
  const runs = runsOf(outcome);
  if (runs.length !== 1) throw new Error(`expected one run, got ${runs.length}`);
  return runs[0]!;
}

/** A node's kept log, as one string. */
export const logOf = (run: RunResult, node: string) => (run.logs[node] ?? []).join('\n');

/** Every process but zombies (dead, waiting to be reaped: nothing runs, and their command line is gone): pid, command line, working folder. */
export function livingProcesses(): { pid: number; cmdline: string; cwd: string }[] {
  const found: { pid: number; cmdline: string; cwd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      // The state is the field after the command name, which may itself hold spaces or parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        // another user's process
      }
      found.push({ pid: Number(entry), cmdline, cwd });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Living processes whose command line mentions `text`: `pid: cmdline`. */
export function processesMentioning(text: string): string[] {
  return livingProcesses()
    .filter((p) => p.cmdline.includes(text))
    .map((p) => `${p.pid}: ${p.cmdline}`);
}

/** Living processes whose command line mentions `dir`, or that run in it (a compiler's service): `pid: cmdline`. */
export function processesIn(dir: string): string[] {
  return livingProcesses()
    .filter((p) => p.cmdline.includes(dir) || p.cwd.startsWith(dir))
    .map((p) => `${p.pid}: ${p.cmdline}`);
}

/** CPU seconds a process has used (user + system), from /proc. */
export function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The `locklab` command, as a child process, with its own temporary folder (TMPDIR). */
export const CLI = path.join(LOCKLAB_ROOT, 'bin/locklab.js');

export function privateTmp(t: ExecutionContext, name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `locklab-fixture-tmp-${name}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function locklab(args: string[], options: { tmp: string; env?: Record<string, string>; detached?: boolean }) {
  return execa(process.execPath, [CLI, ...args], {
    cwd: LOCKLAB_ROOT,
    reject: false,
    detached: options.detached ?? false,
    env: { NO_COLOR: '1', TMPDIR: options.tmp, ...options.env },
  });
}

/** What the grader left in a private TMPDIR (its own folders start with locklab-). */
export const leftIn = (tmp: string) => readdirSync(tmp).filter((e) => e.startsWith('locklab-'));

/** Grades `tests` of lab 1 on seed 1 through the library, with the sandbox on unless told otherwise. */
export async function gradeTests(impl: string, tests: string[], options: { sandbox?: boolean; limits?: Partial<Limits> } = {}): Promise<GradeOutcome> {
  const lab = await loadLab('lab1');
  return grade({
    lab,
    impl,
    tests: lab.manifest.tests.filter((t) => tests.includes(t.name)),
    seeds: [1],
    jobs: 2,
    typecheck: false,
    sandbox: options.sandbox ?? true,
    ...(options.limits ? { limits: options.limits } : {}),
  });
}
