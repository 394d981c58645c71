// The command line: exit codes 0/1/2, one-line errors that list the valid choices, and a
// Gradescope results file that validates.
import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { GradescopeResultsSchema } from '../../src/report/gradescope.ts';

const cli = path.join(LOCKLAB_ROOT, 'bin/locklab.js');
const locklab = (...args: string[]) => execa(process.execPath, [cli, ...args], { cwd: LOCKLAB_ROOT, reject: false, env: { NO_COLOR: '1' } });

test('unknown lab, part, test or folder: exit 2 with one line listing the choices', async (t) => {
  const cases: [string[], RegExp][] = [
    [['grade', 'lab9'], /^locklab: unknown lab "lab9"; labs: lab1$/],
    [['grade', 'lab1', '--part', 'Z'], /^locklab: unknown part "Z" of lab1; parts: A, B, C$/],
    [['grade', 'lab1', '--test', 'Nope'], /^locklab: unknown test "Nope"; tests: Basic, PrimaryFail1, .*RandomKill, ClientFailMidOp, RandomClientFail, LossyNetwork, LossyPrimaryFail, LossyBackupFail$/],
    [['grade', 'lab1', '--impl', 'no/such/dir'], /^locklab: implementation folder no\/such\/dir does not exist/],
    [['grade', 'lab1', '--seed', 'x'], /^locklab: --seed must be a whole number$/],
    [['grade', 'lab1', '--seed', '1', '--seeds', '2'], /^locklab: --seed and --seeds do not go together$/],
    [['frobnicate'], /^locklab: unknown command "frobnicate"; commands: /],
  ];
  for (const [args, expected] of cases) {
    const result = await locklab(...args);
    t.is(result.exitCode, 2, args.join(' '));
    t.regex(String(result.stderr).trim(), expected);
    t.is(String(result.stderr).trim().split('\n').length, 1, `one line for ${args.join(' ')}`);
  }
});

test('passing grade: exit 0 and a valid results.json with locklab fields', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-cli-'));
  const json = path.join(dir, 'results.json');
  const result = await locklab('grade', 'lab1', '--impl', 'solutions', '--test', 'Basic,PrimaryFail2', '--json', json, '--no-typecheck');
  t.is(result.exitCode, 0, String(result.stdout));
  t.regex(String(result.stdout), /PASS {2}Basic/);
  const results = GradescopeResultsSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
  t.is(results.score, 13);
  t.is(results.tests.length, 2);
  t.deepEqual(results.tests[1]!.extra_data.seeds, [1]);
  t.true(results.extra_data!.complete);
});

test('failing grade: exit 1, reason, hint and the replay command', async (t) => {
  const result = await locklab('grade', 'lab1', '--test', 'PrimaryFail2', '--seed', '5', '--no-typecheck');
  t.is(result.exitCode, 1);
  t.regex(String(result.stdout), /FAIL {2}PrimaryFail2/);
  t.regex(String(result.stdout), /seed 5: c1's lock\("z"\) returned false, expected true/);
  t.regex(String(result.stdout), /replay: npx locklab grade lab1 --test PrimaryFail2 --seed 5/);
});

test('a type error is reported against the student file, and every test scores 0', async (t) => {
  const { referenceWith } = await import('../support/grading.ts');
  const impl = referenceWith('type-error', 'lockservice/server.ts', (s) => s.replace('return this.held.delete(name);', 'return this.held.delete(name) + 1;'));
  const result = await locklab('grade', 'lab1', '--impl', impl, '--test', 'Basic');
  t.is(result.exitCode, 1);
  t.regex(String(result.stdout), /does not compile/);
  t.regex(String(result.stdout), new RegExp(`${impl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/lockservice/server\\.ts\\(\\d+,\\d+\\): error TS`));
  t.regex(String(result.stdout), /FAIL {2}Basic/);
});

test('list shows labs, parts, tests and points', async (t) => {
  const result = await locklab('list');
  t.is(result.exitCode, 0);
  t.regex(String(result.stdout), /lab1: Primary\/backup lock service {2}\(160 points/);
  t.regex(String(result.stdout), /Part B: At-most-once/);
  t.regex(String(result.stdout), /PrimaryFail7 +5 /);
});

test('check: exit 0 for a linearizable history, 1 with the counterexample, 2 for a malformed file', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-check-'));
  const write = (name: string, value: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(value));
    return file;
  };
  const op = (client: string, kind: string, invoke: number, complete: number | null, result: boolean | null) => ({ client, op: kind, lock: 'a', invoke, complete, result });
  const good = write('good.json', { operations: [op('c1', 'lock', 0, 4, true), op('c3', 'unlock', 1, null, null), op('c2', 'lock', 5, 9, true)] });
  const bad = write('bad.json', { operations: [op('c1', 'lock', 0, 4, true), op('c2', 'lock', 5, 9, true)] });
  const malformed = write('malformed.json', { operations: [{ client: 'c1', op: 'lok' }] });

  const ok = await locklab('check', good);
  t.is(ok.exitCode, 0);
  t.regex(String(ok.stdout), /^linearizable: 3 operations on 1 lock/);
  const no = await locklab('check', bad);
  t.is(no.exitCode, 1);
  t.regex(String(no.stdout), /NOT linearizable, lock "a": .*c1 and c2 both got true/);
  t.regex(String(no.stdout), /c1 lock\("a"\) -> true \[0, 4\]\n {2}c2 lock\("a"\) -> true \[5, 9\]/);
  const broken = await locklab('check', malformed);
  t.is(broken.exitCode, 2);
  t.regex(String(broken.stderr), /is not a valid history: operations\[0\]\.op: expected "lock" or "unlock"/);
});
