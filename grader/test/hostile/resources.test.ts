// Hostile submissions that go after the grader's resources: time, memory, output, the network.
// Each fails its test with the limit named and a hint, and leaves nothing behind.
import test from 'ava';
import { detectSandbox } from '../../src/cluster/sandbox.ts';
import type { Limits } from '../../src/lab/manifest.ts';
import { gradeLab1 } from '../support/grading.ts';
import { SERVER, assertContained, inLock, logOf, onlyRun, submission, watchOutside } from './fixtures.ts';

const BASIC = ['Basic'];

/** Grades `impl` on Basic with `limits`, sampling the grader's own memory meanwhile. */
async function gradeWatchingMemory(impl: string, limits: Partial<Limits>) {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const started = performance.now();
  try {
    const outcome = await gradeLab1(impl, { tests: BASIC, limits });
    return { outcome, run: onlyRun(outcome), growthMiB: (peak - before) / 2 ** 20, seconds: (performance.now() - started) / 1000 };
  } finally {
    clearInterval(sampler);
  }
}

test.serial('an infinite loop in a handler: "did not become idle within 1 s", 0 points', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'loop', { [SERVER]: inLock('while (name.length >= 0) { /* spin */ }') });
  const outcome = await gradeLab1(impl, { tests: BASIC, limits: { stepWallMs: 1000 } });
  const run = onlyRun(outcome);
  t.false(run.passed);
  t.regex(run.message!, /^node `primary` did not become idle within 1 s after delivering "Lock" from c1 — infinite loop\?$/);
  t.regex(run.hint!, /must not loop or busy-wait/);
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});

test.serial('a busy loop at import: the node never answers init, and the test fails at start-up', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'import-loop', { [SERVER]: (s) => `${s}\nwhile (Date.now() > 0) { /* spin at import */ }\n` });
  const outcome = await gradeLab1(impl, { tests: BASIC, limits: { startWallMs: 3000 } });
  const run = onlyRun(outcome);
  t.false(run.passed);
  t.regex(run.message!, /^node `primary` did not become idle within 3 s after init — infinite loop\?$/);
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});

test.serial('a memory bomb on the heap: "ran out of memory (heap limit 64 MiB)"', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'heap-bomb', { [SERVER]: inLock('const hog: unknown[] = []; for (;;) hog.push({ name, n: hog.length });') });
  const { outcome, run, growthMiB } = await gradeWatchingMemory(impl, { heapMiB: 64, stepWallMs: 30_000 });
  t.false(run.passed);
  t.is(run.node, 'primary');
  t.regex(run.message!, /^node `primary` ran out of memory \(heap limit 64 MiB\) while delivering "Lock" from c1$/);
  t.regex(run.hint!, /only grows/);
  t.is(outcome.summary.points, 0);
  t.true(growthMiB < 200, `the grader grew by ${growthMiB.toFixed(0)} MiB`);
  assertContained(t, outside);
});

test.serial('a memory bomb outside the heap (Buffers): stopped by the address-space limit', async (t) => {
  const sandbox = await detectSandbox();
  if (!sandbox.prlimit) {
    t.log(`skipped: ${sandbox.missing.join(', ')}; without prlimit, memory outside the V8 heap is not limited (docs/security.md)`);
    t.pass();
    return;
  }
  const outside = watchOutside();
  const impl = submission(t, 'buffer-bomb', { [SERVER]: inLock('const hog: Buffer[] = []; for (;;) hog.push(Buffer.alloc(64 * 1024 * 1024, 1));') });
  const { outcome, run } = await gradeWatchingMemory(impl, { heapMiB: 64, addressSpaceMiB: 1536, stepWallMs: 30_000 });
  t.false(run.passed);
  t.regex(run.message!, /^node `primary` ran out of memory \(address-space limit 1536 MiB, for the heap of 64 MiB and everything outside it: buffers, typed arrays\) while delivering "Lock" from c1$/);
  t.regex(run.hint!, /Buffers and typed arrays count too/);
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});

test.serial('1 GB of console.log: the grader keeps 1 MiB, stays small, and names the flood', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'console-flood', {
    [SERVER]: inLock("const line = 'x'.repeat(1024 * 1024); for (let i = 0; i < 1024; i++) console.log(line);"),
  });
  const { outcome, run, growthMiB, seconds } = await gradeWatchingMemory(impl, { stepWallMs: 1500 });
  t.true(growthMiB < 400, `the grader grew by ${growthMiB.toFixed(0)} MiB`);
  t.true(seconds < 30, `graded in ${seconds.toFixed(1)} s`);
  const kept = run.trace.events.filter((e) => e.kind === 'log' && e.node === 'primary').reduce((a, e) => a + (e.kind === 'log' ? e.text.length : 0), 0);
  t.true(kept <= 1024 * 1024 + 4096, `${kept} characters of primary's log kept`);
  // A machine that prints 1 GB within the step guard passes the test; the flood costs it nothing.
  if (!run.passed) {
    t.regex(run.message!, /^node `primary` flooded its output: more than 8 MiB of console and stdout\/stderr output in one step, still writing after 1\.5 s while delivering "Lock" from c1$/);
    t.regex(run.hint!, /print less/);
    t.is(outcome.summary.points, 0);
  }
  assertContained(t, outside);
});

test.serial('1 GB of process.stdout.write: the grader keeps the tail, stays small, and names the flood', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'stdout-flood', {
    [SERVER]: inLock("const line = 'y'.repeat(1024 * 1024) + '\\n'; for (let i = 0; i < 1024; i++) process.stdout.write(line);"),
  });
  const { outcome, run, growthMiB, seconds } = await gradeWatchingMemory(impl, { stepWallMs: 1500 });
  t.true(growthMiB < 400, `the grader grew by ${growthMiB.toFixed(0)} MiB`);
  t.true(seconds < 30, `graded in ${seconds.toFixed(1)} s`);
  if (!run.passed) {
    // Writes to a pipe are asynchronous in Node: the node's own queue fills (ENOBUFS, or its heap).
    t.regex(run.message!, /^node `primary` (flooded its output|ran out of memory)/);
    t.is(outcome.summary.points, 0);
  }
  t.true(logOf(run, 'primary').length < 64 * 1024);
  assertContained(t, outside);
});

test.serial('a message flood in one step: "flooded the network"', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'message-flood', {
    [SERVER]: inLock("for (let i = 0; i < 100_000; i++) void __call('backup', 'Spam', i);", "import { call as __call } from 'locklab/runtime';\n"),
  });
  const outcome = await gradeLab1(impl, { tests: BASIC });
  const run = onlyRun(outcome);
  t.false(run.passed);
  t.regex(run.message!, /^node `primary` flooded the network: more than 1000 messages and timers in one step while delivering "Lock" from c1$/);
  t.regex(run.hint!, /in a loop/);
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});

test.serial('messages too large in all: "flooded the network" with the run\'s budget named', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'message-bytes', {
    [SERVER]: inLock("for (let i = 0; i < 8; i++) void __call('backup', 'Bulk', 'b'.repeat(900 * 1024));", "import { call as __call } from 'locklab/runtime';\n"),
  });
  const outcome = await gradeLab1(impl, { tests: BASIC, limits: { messageBytes: 4 * 1024 * 1024 } });
  const run = onlyRun(outcome);
  t.false(run.passed);
  t.regex(run.message!, /^node `primary` flooded the network: more than 4 MiB of messages in one run while delivering "Lock" from c1$/);
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});

test.serial('a 100 MB message: "sent a message of more than 1 MiB"', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'big-message', {
    [SERVER]: inLock("void __call('backup', 'Big', 'z'.repeat(100 * 1024 * 1024));", "import { call as __call } from 'locklab/runtime';\n"),
  });
  const { outcome, run, growthMiB } = await gradeWatchingMemory(impl, {});
  t.false(run.passed);
  t.regex(run.message!, /^node `primary` sent a message of more than 1 MiB while delivering "Lock" from c1$/);
  t.regex(run.hint!, /at most 1 MiB/);
  t.is(outcome.summary.points, 0);
  t.true(growthMiB < 200, `the grader grew by ${growthMiB.toFixed(0)} MiB`);
  assertContained(t, outside);
});

test.serial('a node that fills its state folder: stopped while it writes, "wrote more than 16 MiB to its state folder"', async (t) => {
  const outside = watchOutside();
  // 64 values of 4 MiB each (256 MiB), as fast as writeState goes: each file is under the file-size limit, all of them are not.
  const impl = submission(t, 'disk-fill', {
    [SERVER]: inLock("const big = 'd'.repeat(4 * 1024 * 1024); for (let i = 0; i < 64; i++) __writeState('k' + i, big);", "import { writeState as __writeState } from 'locklab/runtime';\n"),
  });
  const { outcome, run } = await gradeWatchingMemory(impl, { stateMiB: 16, stepWallMs: 60_000 });
  t.false(run.passed);
  t.regex(run.message!, /^node `primary` wrote more than 16 MiB to its state folder while delivering "Lock" from c1$/);
  t.regex(run.hint!, /limits each node's state folder to 16 MiB/);
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});
