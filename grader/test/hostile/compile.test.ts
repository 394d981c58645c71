// Hostile submissions that go after the compilers: types that keep tsc busy for minutes, a file
// of many megabytes. Type-checking and bundling are bounded in time, memory and size, say so in
// a compile error (score 0), and die with the grader however it stops: the native tsc ignores
// SIGINT and survives SIGTERM, so only a SIGKILL to its process group is sure.
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { detectSandbox } from '../../src/cluster/sandbox.ts';
import { GradescopeResultsSchema } from '../../src/report/gradescope.ts';
import { gradeLab1 } from '../support/grading.ts';
import { SERVER, SLOW_TYPES, leftIn, locklab, privateTmp, processesIn, processesMentioning, submission } from './fixtures.ts';


async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

test.serial('types that keep tsc busy: "did not compile within 3 s", score 0, and no compiler left running', async (t) => {
  t.timeout(120_000, 'type-checking is bounded: a grading must not wait for tsc');
  const impl = submission(t, 'slow-types', { [SERVER]: (s) => `${s}\n${SLOW_TYPES}` });
  const outcome = await gradeLab1(impl, { tests: ['Basic'], typecheck: true, limits: { compileWallMs: 3000 } });
  t.is(outcome.kind, 'compile_error');
  if (outcome.kind === 'compile_error') {
    t.deepEqual(outcome.details, ['the implementation did not compile within 3 s: type-checking took longer (types that expand without end, or a very large file, keep the compiler busy)']);
  }
  t.is(outcome.summary.points, 0);
  t.deepEqual(processesMentioning(path.basename(impl)), []);
  t.deepEqual(processesMentioning('--pretty false').filter((p) => p.includes('locklab-lab1-')), []);
});

test.serial('a student file of several megabytes is not staged: the size and the limit named', async (t) => {
  t.timeout(120_000);
  const impl = submission(t, 'huge-file', { [SERVER]: (s) => `${s}\n// ${'x'.repeat(3 * 1024 * 1024)}\n` });
  const outcome = await gradeLab1(impl, { tests: ['Basic'], typecheck: true });
  t.is(outcome.kind, 'compile_error');
  if (outcome.kind === 'compile_error') t.deepEqual(outcome.details, ['lockservice/server.ts is 3 MiB; a student file may be at most 1 MiB']);
  const together = submission(t, 'big-files', { [SERVER]: (s) => `${s}\n// ${'x'.repeat(900 * 1024)}\n` });
  const small = await gradeLab1(together, { tests: ['Basic'], limits: { sourceBytes: 512 * 1024 } });
  t.is(small.kind, 'compile_error');
  if (small.kind === 'compile_error') t.regex(small.details[0]!, /^the student files \(.*\) take more than 512 KiB together; at most 512 KiB$/);
});

test.serial('a compiler over its memory limit: "ran out of memory", score 0', async (t) => {
  const sandbox = await detectSandbox();
  if (!sandbox.prlimit) return t.pass(`no prlimit here (${sandbox.missing.join(', ')}): compilers have a time limit only (docs/security.md)`);
  // Below what the Go runtime and Node reserve at start: any compiler fails at once.
  const outcome = await gradeLab1('solutions', { tests: ['Basic'], typecheck: true, limits: { compileMemoryMiB: 256 } });
  t.is(outcome.kind, 'compile_error');
  if (outcome.kind === 'compile_error') t.regex(outcome.details[0]!, /^the implementation did not compile: (type-checking|bundling) ran out of memory \(limit 256 MiB\)$/);
});

/** Compilers (tsc, the bundler and its esbuild service) of gradings whose temporary folders live in `tmp`. */
const compilersIn = (tmp: string) => processesIn(`${tmp}/locklab-`).filter((p) => /\/tsc |bundle-worker\.mjs|esbuild/.test(p));

// Ctrl-C signals the terminal's foreground process group; a service manager or a CI runner
// that cancels a job signals the grader's process alone.
for (const [signal, code, to] of [['SIGINT', 130, 'group'], ['SIGTERM', 143, 'grader'], ['SIGHUP', 129, 'grader']] as const) {
  test.serial(`${signal} to the ${to === 'group' ? "grader's process group" : 'grader alone'} while tsc runs: the grader stops, and tsc with it`, async (t) => {
    t.timeout(120_000);
    const tmp = privateTmp(t, `tsc-${signal.toLowerCase()}`);
    const impl = submission(t, `slow-types-${signal.toLowerCase()}`, { [SERVER]: (s) => `${s}\n${SLOW_TYPES}` });
    const json = path.join(tmp, 'results.json');
    const grading = locklab(['grade', 'lab1', '--impl', impl, '--test', 'Basic', '--json', json], { tmp, detached: true });
    t.true(await eventually(() => compilersIn(tmp).some((p) => /\/tsc /.test(p)), 60_000), 'tsc runs');
    process.kill(to === 'group' ? -grading.pid! : grading.pid!, signal);
    const result = await grading;
    t.is(result.exitCode, code);
    t.regex(String(result.stderr).trim().split('\n').pop()!, new RegExp(`^locklab: stopped by ${signal} after 0 of 1 tests; every node was killed`));
    t.deepEqual(compilersIn(tmp), [], 'no compiler outlived the grader');
    t.deepEqual(leftIn(tmp).filter((e) => e !== 'results.json'), [], 'the temporary folders were removed');
    t.false(GradescopeResultsSchema.parse(JSON.parse(readFileSync(json, 'utf8'))).extra_data!.complete);
  });
}

test.serial('the grader SIGKILLed while tsc runs: the parent-death signal takes tsc along', async (t) => {
  t.timeout(120_000);
  const sandbox = await detectSandbox();
  if (!sandbox.setpriv) return t.pass(`no setpriv here (${sandbox.missing.join(', ')}): a compiler outlives a SIGKILLed grader until its CPU limit (docs/security.md)`);
  const tmp = privateTmp(t, 'tsc-sigkill');
  const impl = submission(t, 'slow-types-sigkill', { [SERVER]: (s) => `${s}\n${SLOW_TYPES}` });
  const grading = locklab(['grade', 'lab1', '--impl', impl, '--test', 'Basic'], { tmp });
  t.true(await eventually(() => compilersIn(tmp).some((p) => /\/tsc /.test(p)), 60_000), 'tsc runs');
  grading.kill('SIGKILL');
  await grading;
  t.true(await eventually(() => compilersIn(tmp).length === 0, 5000), `still running: ${compilersIn(tmp).join('\n')}`);
});
