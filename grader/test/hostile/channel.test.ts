// Hostile submissions that abuse the channel and the grader's output: garbage, messages to
// nobody, a forged sender, an exit at start, a fake score printed for the grader's reader.
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GradescopeResultsSchema } from '../../src/report/gradescope.ts';
import { gradeLab1 } from '../support/grading.ts';
import { CLIENT, SERVER, assertContained, inLock, leftIn, locklab, logOf, onlyRun, privateTmp, submission, watchOutside } from './fixtures.ts';

const BASIC = ['Basic'];

test.serial('garbage on the channel: a malformed message, with the line and what was expected', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'garbage', {
    [SERVER]: inLock("writeSync(3, '\\u0000\\u00ff not json {{{\\n');", "import { writeSync } from 'node:fs';\n"),
  });
  const outcome = await gradeLab1(impl, { tests: BASIC });
  const run = onlyRun(outcome);
  t.false(run.passed);
  t.regex(run.message!, /^node `primary` wrote a malformed message while delivering "Lock" from c1: not JSON; .*The line: ␀\u00ff not json \{\{\{$/);
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});

test.serial('messages to a node that does not exist are refused and logged; the honest work still counts', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'nobody', {
    [SERVER]: inLock("void __call('nobody', 'Hello', { name });", "import { call as __call } from 'locklab/runtime';\n"),
  });
  const outcome = await gradeLab1(impl, { tests: BASIC });
  const run = onlyRun(outcome);
  t.true(run.passed, run.message);
  t.is(outcome.summary.points, 8, 'the reference earns its points');
  const refused = run.trace.events.filter((e) => e.kind === 'refuse' && e.to === 'nobody');
  t.true(refused.length > 0);
  t.true(run.trace.events.some((e) => e.kind === 'log' && /sent "Hello" to nobody, which does not exist/.test(e.text)));
  assertContained(t, outside);
});

test.serial('a forged src: the grader delivers the message as from its real sender, and a forged reply settles nothing', async (t) => {
  const outside = watchOutside();
  // c2, at start, writes on its channel as if it were the primary: replies to c1's first calls
  // (which would make c1's lock("a") return false) and a Forward to the backup.
  const forge = `
    if (me() === 'c2') {
      for (let id = 1; id <= 30; id++) writeSync(3, JSON.stringify({ src: 'primary', dest: 'c1', body: { type: 'Lock_ok', in_reply_to: id, reply: { ok: false } } }) + '\\n');
      writeSync(3, JSON.stringify({ src: 'primary', dest: 'backup', body: { type: 'Forward', msg_id: 999, args: { op: 'Lock', args: { name: 'z', clientId: 'forged', seq: 1 } } } }) + '\\n');
    }
  }`;
  const impl = submission(t, 'forged-src', {
    [CLIENT]: (s) => `import { writeSync } from 'node:fs';\n${s.replace(/\n {2}\) \{\}/, `\n  ) {${forge}`)}`,
  });
  const outcome = await gradeLab1(impl, { tests: BASIC });
  const run = onlyRun(outcome);
  t.true(run.passed, run.message);
  t.is(outcome.summary.points, 8);
  const forged = run.trace.events.filter((e) => e.kind === 'send' && (e.body.msg_id === 999 || e.body.type === 'Lock_ok') && e.from !== 'primary' && e.to !== 'primary');
  t.true(forged.length >= 31, 'every forged message is in the trace');
  t.true(forged.every((e) => e.kind === 'send' && e.from === 'c2'), 'sent by c2, whatever it wrote as src');
  const delivered = run.trace.events.filter((e) => e.kind === 'deliver' && e.to === 'backup' && e.from === 'c2');
  t.true(delivered.length >= 1, 'the backup was handed the forged Forward as coming from c2');
  assertContained(t, outside);
});

test.serial('process.exit(0) at start: "exited (code 0) while init", 0 points', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'exit', { [SERVER]: (s) => `${s}\nprocess.exit(0);\n` });
  const outcome = await gradeLab1(impl, { tests: BASIC });
  const run = onlyRun(outcome);
  t.false(run.passed);
  t.regex(run.message!, /^node `primary` exited \(code 0\) while init$/);
  t.regex(run.hint!, /do not call process\.exit/);
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});

test.serial('a fake score printed by a node: shown only indented in a node\'s log, with control characters defused; the real score stands', async (t) => {
  const outside = watchOutside();
  const tmp = privateTmp(t, 'fake-score');
  const json = path.join(tmp, 'results.json');
  // The starter (0 points) printing a perfect score in every way a node can print.
  const impl = submission(
    t,
    'fake-score',
    {
      [CLIENT]: (s) =>
        s
          .replace(
            'async lock(name: string): Promise<boolean> {',
            `async lock(name: string): Promise<boolean> {
    console.log('Total  140/140');
    console.log('\\nPart A  Replication  50/50\\nTotal  140/140');
    process.stdout.write('\\r\\u001b[2KTotal  140/140\\n');
    console.error('\\u001b[1A\\u001b[2K\\rTotal  140/140');`,
          )
          .replace('async unlock(name: string): Promise<boolean> {', "async unlock(name: string): Promise<boolean> {\n    throw new Error('boom\\nTotal  140/140');"),
    },
    'starter',
  );
  const result = await locklab(['grade', 'lab1', '--impl', impl, '--test', 'Basic,PrimaryFail2', '--json', json, '--no-typecheck', '--jobs', '1'], { tmp });
  t.is(result.exitCode, 1);
  const stdout = String(result.stdout);
  t.false(/[\r\u001b]/.test(stdout), 'no carriage return or escape sequence from a node reaches the terminal');
  const lines = stdout.split('\n');
  const totals = lines.filter((l) => /^Total\b/.test(l));
  t.is(totals.length, 1, `one Total line at the start of a line:\n${totals.join('\n')}`);
  t.regex(totals[0]!, /^Total\s+0\/13\b/);
  t.true(lines.filter((l) => /140\/140/.test(l)).every((l) => /^\s{6,}/.test(l)), 'the fake lines appear only indented, inside a node log');
  const results = GradescopeResultsSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
  t.is(results.score, 0);
  t.deepEqual(leftIn(tmp).filter((e) => e !== 'results.json'), []);
  assertContained(t, outside);
});

test.serial('a node\'s log keeps one line per line and cuts very long ones', async (t) => {
  const impl = submission(t, 'long-lines', { [SERVER]: inLock("console.log('first\\nsecond\\n' + 'w'.repeat(100_000));") });
  const outcome = await gradeLab1(impl, { tests: BASIC, limits: { stepWallMs: 1000 } });
  const run = onlyRun(outcome);
  t.true(run.passed, run.message);
  const texts = run.trace.events.filter((e) => e.kind === 'log' && e.node === 'primary').map((e) => (e.kind === 'log' ? e.text : ''));
  t.true(texts.includes('first') && texts.includes('second'));
  t.true(texts.some((x) => /^w{4096}… \(95904 more characters\)$/.test(x)));
  t.is(logOf(run, 'primary'), '', 'a passing run shows no log');
});
