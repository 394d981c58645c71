// Hostile submissions that try to leave the sandbox: start processes, read the reference or the
// tests, write the grader's files, signal the grader, or let clients agree among themselves
// through files or sockets instead of the servers. Where a cheat would work without the
// sandbox, the test shows that too, so the sandbox is what stops it.
import test from 'ava';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { GradescopeResultsSchema } from '../../src/report/gradescope.ts';
import {
  CANARY,
  CLIENT,
  MARK,
  SERVER,
  assertContained,
  gradeTests,
  inLock,
  locklab,
  logOf,
  onlyRun,
  privateTmp,
  submission,
  watchOutside,
} from './fixtures.ts';

const BASIC = ['Basic'];
const SANDBOX_REFUSAL = /^node `primary` was stopped by the sandbox: (.+) is not allowed while delivering "Lock" from c1$/;
const reference = (file: string) => JSON.stringify(path.join(LOCKLAB_ROOT, file));

test.serial('spawning a child process: refused, and the command never ran', async (t) => {
  const outside = watchOutside();
  const marker = path.join(tmpdir(), `${MARK}-spawn`);
  const impl = submission(t, 'spawn', {
    [SERVER]: inLock(`execSync('touch ${marker}');`, "import { execSync } from 'node:child_process';\n"),
  });
  const outcome = await gradeTests(impl, BASIC);
  const run = onlyRun(outcome);
  t.false(run.passed);
  t.is(SANDBOX_REFUSAL.exec(run.message!)?.[1], 'starting a process');
  t.regex(run.hint!, /may not read other files, start processes/);
  t.regex(logOf(run, 'primary'), /lockservice\/server\.ts:\d+:\d+/, 'the log shows where, in the student\'s file');
  t.false(existsSync(marker));
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});

test.serial('reading the reference solution or the tests at run time: refused', async (t) => {
  const outside = watchOutside();
  for (const [name, code] of [
    ['read-reference', `readFileSync(${reference('solutions/lockservice/server.ts')}, 'utf8');`],
    ['read-tests', `readFileSync(${reference('labs/lab1/tests/basic.ts')}, 'utf8');`],
    ['list-tests', `readdirSync(${reference('labs/lab1/tests')});`],
  ] as const) {
    const impl = submission(t, name, { [SERVER]: inLock(code, "import { readFileSync, readdirSync } from 'node:fs';\n") });
    const run = onlyRun(await gradeTests(impl, BASIC));
    t.false(run.passed, name);
    t.regex(SANDBOX_REFUSAL.exec(run.message!)?.[1] ?? run.message!, /^file access outside the node's own folder \(fs\.(readFileSync|readdirSync)\)$/, name);
  }
  // A module loaded at run time (a computed path, which the bundler cannot see).
  const dynamic = submission(t, 'import-at-run-time', {
    [SERVER]: inLock(`const where: string = ${reference('solutions/lockservice/common.ts')}; void import(where).then((m) => console.log(Object.keys(m)));`),
  });
  const run = onlyRun(await gradeTests(dynamic, BASIC));
  t.false(run.passed);
  t.is(SANDBOX_REFUSAL.exec(run.message!)?.[1], 'loading a module from outside the node\'s own code');
  assertContained(t, outside);
});

test.serial('importing the reference into the bundle: the submission does not compile, every test scores 0', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'import-reference', {
    [SERVER]: `export { LockServer, type Role } from ${reference('solutions/lockservice/server.ts')};\n`,
    // Relative to where the file is staged: <tmp>/locklab-lab1-XXXXXX/stage/lockservice/.
    [CLIENT]: `export { Clerk } from '${path.relative(path.join(tmpdir(), 'locklab-lab1-x', 'stage', 'lockservice'), path.join(LOCKLAB_ROOT, 'solutions/lockservice/client.ts'))}';\n`,
  });
  const outcome = await gradeTests(impl, ['Basic', 'PrimaryFail2']);
  t.is(outcome.kind, 'compile_error');
  if (outcome.kind === 'compile_error') {
    const details = outcome.details.join('\n');
    t.regex(details, /lockservice\/server\.ts\(1,\d+\): error: ".*solutions\/lockservice\/server\.ts" is outside the implementation: a submission may import only its own files/);
    t.regex(details, /lockservice\/client\.ts\(1,\d+\): error: "(\.\.\/)+.*solutions\/lockservice\/client\.ts" is outside the implementation/);
  }
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});

test.serial('a student file that is a symbolic link to the reference: not staged, every test scores 0', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'symlink', {});
  rmSync(path.join(impl, SERVER));
  symlinkSync(path.join(LOCKLAB_ROOT, 'solutions', SERVER), path.join(impl, SERVER));
  const outcome = await gradeTests(impl, BASIC);
  t.is(outcome.kind, 'compile_error');
  if (outcome.kind === 'compile_error') t.deepEqual(outcome.details, ['lockservice/server.ts is a symbolic link; submit the file itself']);
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});

test.serial('writing into the grader\'s files, its results or anywhere outside the state folder: refused, results untouched', async (t) => {
  const outside = watchOutside();
  const tmp = privateTmp(t, 'write-grader');
  const json = path.join(tmp, 'results.json');
  // Every attempt is made; any that succeeds turns into an error saying so.
  const attempts = [
    `() => writeFileSync(${JSON.stringify(json)}, JSON.stringify({ score: 130, tests: [] }))`,
    `() => writeFileSync(${JSON.stringify(CANARY)}, 'overwritten')`,
    `() => closeSync(openSync(${reference('grader/src/score/scorer.ts')}, 'r+'))`,
    `() => writeFileSync(${JSON.stringify(path.join(LOCKLAB_ROOT, MARK))}, 'x')`,
    `() => mkdirSync(${JSON.stringify(path.join(tmpdir(), `${MARK}-dir`))})`,
  ];
  const code = `{
      const denied: unknown[] = []; const done: string[] = [];
      for (const attempt of [${attempts.join(', ')}]) { try { attempt(); done.push(String(attempt)); } catch (err) { denied.push(err); } }
      if (done.length > 0) throw new Error('BREACH: ' + done.join('; '));
      throw denied[0];
    }`;
  const impl = submission(t, 'write-grader', {
    [SERVER]: inLock(code, "import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';\n"),
  });
  const result = await locklab(['grade', 'lab1', '--impl', impl, '--test', 'Basic', '--json', json, '--no-typecheck'], { tmp });
  t.is(result.exitCode, 1);
  t.regex(String(result.stdout), /node `primary` was stopped by the sandbox: file access outside the node's own folder \(fs\.writeFileSync\) is not allowed/);
  t.notRegex(String(result.stdout), /BREACH/);
  const results = GradescopeResultsSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
  t.is(results.score, 0);
  t.is(results.tests.length, 1);
  assertContained(t, outside);
});

test.serial('signalling the grader (kill, or opening its inspector): refused', async (t) => {
  const outside = watchOutside();
  for (const [name, code] of [
    ['kill-grader', 'process.kill(process.ppid, 0);'],
    ['kill-init', 'process.kill(1, 0);'],
    ['debug-grader', '(process as unknown as { _debugProcess(pid: number): void })._debugProcess(process.ppid);'],
  ] as const) {
    const impl = submission(t, name, { [SERVER]: inLock(code) });
    const run = onlyRun(await gradeTests(impl, BASIC));
    t.false(run.passed, name);
    t.regex(SANDBOX_REFUSAL.exec(run.message!)?.[1] ?? run.message!, /^(sending a signal to|debugging) process \d+$/, name);
  }
  assertContained(t, outside);
});

/** A Clerk that keeps the lock table in a file every client host can reach, and never asks a server. */
function fileClerk(table: string): string {
  return `import { readFileSync, writeFileSync } from 'node:fs';
import type { NodeId } from 'locklab/runtime';
const TABLE = ${JSON.stringify(table)};
function load(): Record<string, boolean> {
  try { return JSON.parse(readFileSync(TABLE, 'utf8')); } catch (err) { if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}; throw err; }
}
export class Clerk {
  constructor(readonly primary: NodeId, readonly backup: NodeId) {}
  async lock(name: string): Promise<boolean> { const t = load(); if (t[name]) return false; t[name] = true; writeFileSync(TABLE, JSON.stringify(t)); return true; }
  async unlock(name: string): Promise<boolean> { const t = load(); if (!t[name]) return false; delete t[name]; writeFileSync(TABLE, JSON.stringify(t)); return true; }
}
`;
}

test.serial('clients that agree through a shared file instead of the servers: pass without the sandbox, refused with it', async (t) => {
  const table = path.join(tmpdir(), `${MARK}-locks-${process.pid}.json`);
  t.teardown(() => rmSync(table, { force: true }));
  const impl = submission(t, 'file-clerk', { [CLIENT]: fileClerk(table) });
  const unsandboxed = onlyRun(await gradeTests(impl, BASIC, { sandbox: false }));
  t.true(unsandboxed.passed, `the cheat works without the sandbox: ${unsandboxed.message}`);
  rmSync(table, { force: true });

  const outside = watchOutside();
  const outcome = await gradeTests(impl, BASIC);
  const run = onlyRun(outcome);
  t.false(run.passed);
  t.regex(run.message!, /^node `c1` was stopped by the sandbox: file access outside the node's own folder \(fs\.readFileSync\) is not allowed while running lock\("a"\)$/);
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});

test.serial('clients that agree through a socket (a lock server outside the grader): pass without the sandbox, refused with it', async (t) => {
  const held = new Set<string>();
  const oracle = createServer((socket) => {
    socket.setEncoding('utf8');
    socket.on('data', (line: string) => {
      const [op, name] = line.trim().split(' ') as [string, string];
      const ok = op === 'lock' ? !held.has(name) && !!held.add(name) : held.delete(name);
      socket.end(String(ok));
    });
  });
  await new Promise<void>((resolve) => oracle.listen(0, '127.0.0.1', resolve));
  t.teardown(() => oracle.close());
  const port = (oracle.address() as AddressInfo).port;
  const socketClerk = `import net from 'node:net';
import type { NodeId } from 'locklab/runtime';
function ask(op: string, name: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let done = false;
    const socket = net.connect(${port}, '127.0.0.1');
    socket.setEncoding('utf8');
    socket.on('data', (answer: string) => { done = true; resolve(answer === 'true'); });
    socket.on('error', (err) => { done = true; reject(err); });
    socket.write(op + ' ' + name + '\\n');
    // The runtime is not idle while an immediate is queued: spin until the answer is in.
    const spin = () => { if (!done) setImmediate(spin); };
    spin();
  });
}
export class Clerk {
  constructor(readonly primary: NodeId, readonly backup: NodeId) {}
  lock(name: string): Promise<boolean> { return ask('lock', name); }
  unlock(name: string): Promise<boolean> { return ask('unlock', name); }
}
`;
  const impl = submission(t, 'socket-clerk', { [CLIENT]: socketClerk });
  const unsandboxed = onlyRun(await gradeTests(impl, BASIC, { sandbox: false }));
  t.true(unsandboxed.passed, `the cheat works without the sandbox: ${unsandboxed.message}`);

  held.clear();
  const outside = watchOutside();
  const outcome = await gradeTests(impl, BASIC);
  const run = onlyRun(outcome);
  t.false(run.passed);
  t.is(run.message, `node \`c1\` was stopped by the sandbox: opening a connection to 127.0.0.1:${port} is not allowed while running lock("a")`);
  t.is(held.size, 0, 'the outside lock server never heard from a node');
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});

test.serial('a Clerk that answers without contacting any server: wrong answers, 0 points', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'local-clerk', {
    [CLIENT]: `import type { NodeId } from 'locklab/runtime';
export class Clerk {
  private readonly held = new Set<string>();
  constructor(readonly primary: NodeId, readonly backup: NodeId) {}
  async lock(name: string): Promise<boolean> { if (this.held.has(name)) return false; this.held.add(name); return true; }
  async unlock(name: string): Promise<boolean> { return this.held.delete(name); }
}
`,
  });
  const outcome = await gradeTests(impl, ['Basic', 'PrimaryFail1']);
  t.false(outcome.kind === 'graded' && outcome.runs.some((r) => r.passed));
  const basic = outcome.kind === 'graded' ? outcome.runs.find((r) => r.test === 'Basic') : undefined;
  t.regex(basic?.message ?? '', /^c2's lock\("a"\) returned true, expected false/);
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});
