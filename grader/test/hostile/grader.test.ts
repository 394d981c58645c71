// The grader itself under stress: stopped by Ctrl-C or SIGTERM, SIGKILLed, run twice at once,
// or run where the sandbox's OS layers are missing. It leaves no process and no folder behind,
// and keeps the results it had.
import test from 'ava';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { detectSandbox } from '../../src/cluster/sandbox.ts';
import { GradescopeResultsSchema } from '../../src/report/gradescope.ts';
import { orphanNodes } from '../support/grading.ts';
import { SERVER, cpuSecondsOf, leftIn, locklab, privateTmp, processesMentioning, submission } from './fixtures.ts';

/** Waits until `check` holds, polling; false if it never did within `ms`. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(25);
  }
  return check();
}

/** Node processes of gradings whose temporary folders live in `tmp`. */
const nodesIn = (tmp: string) => processesMentioning(`${tmp}/locklab-`).filter((p) => /\/bundle\/\w+\.mjs/.test(p));

for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test.serial(`${signal} stops the grading: every node killed, folders removed, the results so far kept, one clear line`, async (t) => {
    const tmp = privateTmp(t, signal.toLowerCase());
    const json = path.join(tmp, 'results.json');
    // Ctrl-C in a terminal signals the whole foreground process group: here, the grader's own.
    const grading = locklab(['grade', 'lab1', '--impl', 'solutions', '--seeds', '4', '--json', json, '--no-typecheck', '--jobs', '2'], { tmp, detached: true });
    let stdout = '';
    grading.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    t.true(await eventually(() => /PASS {2}\w+/.test(stdout) && nodesIn(tmp).length > 0, 60_000), 'a test finished and nodes of the next are running');
    process.kill(-grading.pid!, signal);
    const result = await grading;
    t.is(result.exitCode, code);
    const lastLine = String(result.stderr).trim().split('\n').pop()!;
    t.regex(lastLine, new RegExp(`^locklab: stopped by ${signal} after (\\d+) of \\d+ tests; every node was killed; results so far in ${json.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    const results = GradescopeResultsSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
    t.false(results.extra_data!.complete);
    t.true(results.tests.length >= 1);
    t.true(results.tests.every((test) => test.score === test.max_score), 'only tests that really ran are in the results, all passed');
    t.regex(String(results.output), new RegExp(`stopped by ${signal}`));
    t.deepEqual(nodesIn(tmp), []);
    t.deepEqual(leftIn(tmp), [], 'the temporary folders were removed');
  });
}

test.serial('the grader SIGKILLed: every node exits on its own when its channel closes', async (t) => {
  const tmp = privateTmp(t, 'sigkill');
  // No wrappers on the PATH: nothing but the closing channel tells the nodes.
  const grading = locklab(['grade', 'lab1', '--impl', 'solutions', '--seeds', '20', '--no-typecheck', '--jobs', '2'], { tmp, env: { PATH: '/nonexistent' } });
  t.true(await eventually(() => nodesIn(tmp).length >= 3, 60_000), 'nodes are running');
  const before = nodesIn(tmp);
  grading.kill('SIGKILL');
  await grading;
  t.true(await eventually(() => nodesIn(tmp).length === 0, 5000), `still running: ${nodesIn(tmp).join('\n')}`);
  t.true(before.length >= 3);
  // A SIGKILLed grader cannot remove its folder. Once it is gone, a node left running would be an orphan.
  t.true(leftIn(tmp).length >= 1);
  for (const folder of leftIn(tmp)) rmSync(path.join(tmp, folder), { recursive: true, force: true });
  t.deepEqual(orphanNodes(), []);
});

test.serial('the grader SIGKILLed while a node spins: the parent-death signal kills it', async (t) => {
  const sandbox = await detectSandbox();
  if (!sandbox.setpriv) {
    t.log(`skipped: ${sandbox.missing.join(', ')}; a spinning node then runs until its CPU limit or forever (docs/security.md)`);
    t.pass();
    return;
  }
  const tmp = privateTmp(t, 'sigkill-spin');
  // The servers spin at import: the grader waits up to 20 s (startWallMs) for their init.
  const impl = submission(t, 'spin-orphan', { [SERVER]: (s) => `${s}\nwhile (Date.now() > 0) { /* spin */ }\n` });
  const grading = locklab(['grade', 'lab1', '--impl', impl, '--test', 'Basic', '--no-typecheck'], { tmp });
  const spinning = () => nodesIn(tmp).map((p) => Number(p.split(':')[0])).find((pid) => cpuSecondsOf(pid) > 0.3);
  t.true(await eventually(() => spinning() !== undefined, 30_000), 'a node spins');
  grading.kill('SIGKILL');
  await grading;
  t.true(await eventually(() => nodesIn(tmp).length === 0, 3000), `still running: ${nodesIn(tmp).join('\n')}`);
});

test.serial('two gradings at once on one machine do not interfere, and leave nothing behind', async (t) => {
  const tmp = privateTmp(t, 'twice');
  const args = (impl: string, json: string) => ['grade', 'lab1', '--impl', impl, '--test', 'Basic,PrimaryFail2', '--json', json, '--no-typecheck', '--jobs', '2'];
  const [reference, starter] = await Promise.all([
    locklab(args('solutions', path.join(tmp, 'reference.json')), { tmp }),
    locklab(args('starter', path.join(tmp, 'starter.json')), { tmp }),
  ]);
  t.is(reference.exitCode, 0, String(reference.stdout));
  t.is(starter.exitCode, 1);
  const score = (file: string) => GradescopeResultsSchema.parse(JSON.parse(readFileSync(path.join(tmp, file), 'utf8'))).score;
  t.is(score('reference.json'), 13);
  t.is(score('starter.json'), 0);
  t.deepEqual(nodesIn(tmp), []);
  t.deepEqual(leftIn(tmp), []);
});

test.serial('a grading that ends in a compile error leaves no folder behind', async (t) => {
  const tmp = privateTmp(t, 'compile-error');
  const impl = submission(t, 'type-error', { [SERVER]: (s) => s.replace('return this.held.delete(name);', 'return this.held.delete(name) + 1;') });
  const result = await locklab(['grade', 'lab1', '--impl', impl, '--test', 'Basic'], { tmp });
  t.is(result.exitCode, 1);
  t.regex(String(result.stdout), /does not compile/);
  t.deepEqual(leftIn(tmp), []);
});

test.serial('without unshare, prlimit and setpriv: one line says so, and the grading goes on', async (t) => {
  const tmp = privateTmp(t, 'no-namespaces');
  const result = await locklab(['grade', 'lab1', '--impl', 'solutions', '--test', 'Basic,PrimaryFail2', '--no-typecheck'], { tmp, env: { PATH: '/nonexistent' } });
  t.is(result.exitCode, 0, String(result.stdout));
  const notices = String(result.stdout).split('\n').filter((l) => l.startsWith('locklab: sandbox:'));
  t.deepEqual(notices, [
    'locklab: sandbox: no network namespace (unshare not found), no OS limits on memory, CPU and files (prlimit not found), ' +
      'no parent-death signal (setpriv not found); grading goes on with the other layers (see docs/security.md)',
  ]);
  t.regex(String(result.stdout), /Total\s+13\/13/);
  t.deepEqual(leftIn(tmp), []);
});

test.serial('--no-sandbox grades as plain node processes, and says nothing about the sandbox', async (t) => {
  const tmp = privateTmp(t, 'no-sandbox');
  const result = await locklab(['grade', 'lab1', '--impl', 'solutions', '--test', 'Basic', '--no-typecheck', '--no-sandbox'], { tmp, env: { PATH: '/nonexistent' } });
  t.is(result.exitCode, 0, String(result.stdout));
  t.notRegex(String(result.stdout), /sandbox/);
  t.deepEqual(leftIn(tmp), []);
});
