// Student code that hangs, dies or writes garbage fails its test with a clear message
// naming the node, and leaves no process behind; the grading goes on.
import test from 'ava';
import { failedTests, gradeLab1, liveNodes, orphanNodes, referenceWith, runsOf } from '../support/grading.ts';

const SERVER = 'lockservice/server.ts';
const ONE_TEST = ['Basic', 'PrimaryFail2'];

test.serial('a handler that spins forever fails with "did not become idle", and the grading goes on', async (t) => {
  const impl = referenceWith('spin', SERVER, (s) =>
    s.replace('private lock(name: string): boolean {', 'private lock(name: string): boolean {\n    while (name.length >= 0) { /* spin */ }'),
  );
  const outcome = await gradeLab1(impl, { tests: ONE_TEST, limits: { stepWallMs: 1000 } });
  const [basic, second] = runsOf(outcome);
  t.false(basic!.passed);
  t.is(basic!.node, 'primary');
  t.regex(basic!.message!, /node `primary` did not become idle within 1 s after delivering "Lock" from c1 — infinite loop\?/);
  t.regex(basic!.hint!, /must not loop or busy-wait/);
  t.false(second!.passed, 'the next test ran too');
  t.deepEqual(failedTests(outcome), ONE_TEST);
  t.is(liveNodes(), 0);
  t.deepEqual(orphanNodes(), []);
});

test.serial('a node that exits at start fails its tests with the exit named', async (t) => {
  const impl = referenceWith('exit', SERVER, (s) => `${s}\nprocess.exit(0);\n`);
  const outcome = await gradeLab1(impl, { tests: ONE_TEST });
  for (const run of runsOf(outcome)) {
    t.false(run.passed);
    t.regex(run.message!, /node `primary` exited \(code 0\) while init/);
    t.regex(run.hint!, /do not call process\.exit/);
  }
  t.is(liveNodes(), 0);
  t.deepEqual(orphanNodes(), []);
});

test.serial('a node that writes garbage on the channel fails with the line and what was expected', async (t) => {
  const impl = referenceWith('garbage', SERVER, (s) =>
    `import { writeSync } from 'node:fs';\n${s.replace('private unlock(name: string): boolean {', "private unlock(name: string): boolean {\n    writeSync(3, 'this is not json\\n');")}`,
  );
  const outcome = await gradeLab1(impl, { tests: ['Basic'] });
  const [run] = runsOf(outcome);
  t.false(run!.passed);
  t.is(run!.node, 'primary');
  t.regex(run!.message!, /node `primary` wrote a malformed message while delivering "Unlock" from c1: not JSON.*The line: this is not json/);
  t.is(liveNodes(), 0);
  t.deepEqual(orphanNodes(), []);
});

test.serial('a handler that throws crashes its node; the report shows the student\'s file and line', async (t) => {
  const impl = referenceWith('throw', SERVER, (s) =>
    s.replace('private unlock(name: string): boolean {', "private unlock(name: string): boolean {\n    if (name === 'a') throw new Error('boom in unlock');"),
  );
  const outcome = await gradeLab1(impl, { tests: ['Basic'] });
  const [run] = runsOf(outcome);
  t.false(run!.passed);
  t.regex(run!.message!, /node `primary` crashed while delivering "Unlock" from c1: Error: boom in unlock/);
  const log = (run!.logs['primary'] ?? []).join('\n');
  t.regex(log, /lockservice\/server\.ts:\d+:\d+/, 'the stack trace points into the student file');
  t.is(liveNodes(), 0);
});
