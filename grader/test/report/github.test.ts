/**
 * GitHub Actions: `::error` annotations for failing tests (on the student's file and line when a
 * stack trace or the compiler names one), the Markdown job summary, and neither outside Actions.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { cell, errorCommand, escapeData, escapeProperty, GitHubReporter, stepSummary } from '../../src/report/github.ts';
import { findStudentLocation, locateRunFailure, relativeTo } from '../../src/report/locate.ts';
import { referenceWith } from '../support/grading.ts';
import { info, NASTY, run, score, summaryOf } from './fixtures.ts';

const cli = path.join(LOCKLAB_ROOT, 'bin/locklab.js');

/** The annotation lines of some output, parsed back: the command, its properties and its message. */
function annotations(output: string, kind = 'error'): { props: Record<string, string>; message: string }[] {
  const unescape = (s: string) => s.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
  return output
    .split('\n')
    .filter((l) => l.startsWith(`::${kind} `))
    .map((line) => {
      const match = /^::\w+ (.*?)::(.*)$/.exec(line)!;
      const props = Object.fromEntries(match[1]!.split(',').map((p) => p.split('=') as [string, string]).map(([k, v]) => [k, unescape(v)]));
      return { props, message: unescape(match[2]!) };
    });
}

test('workflow command escaping: data keeps %, CR, LF apart; properties also : and ,', (t) => {
  t.is(escapeData('100% done\r\nnext'), '100%25 done%0D%0Anext');
  t.is(escapeProperty('Basic (part A): 0/8, again'), 'Basic (part A)%3A 0/8%2C again');
  t.is(errorCommand({ title: 't: x', message: 'a\nb' }), '::error title=t%3A x::a%0Ab');
  t.is(errorCommand({ title: 't', message: 'm', file: 'starter/lockservice/server.ts', line: 4, col: 2 }), '::error file=starter/lockservice/server.ts,line=4,col=2,title=t::m');
});

test('student locations: stack frames and compiler messages, the earliest in the text; never a scaffold file', (t) => {
  const files = info.lab.studentFiles;
  t.deepEqual(findStudentLocation('Error: boom\n    at Server.unlock (/tmp/x/lockservice/server.ts:42:7)\n    at y (/tmp/x/lockservice/client.ts:3:1)', files), {
    file: '/tmp/x/lockservice/server.ts',
    line: 42,
    column: 7,
  });
  t.deepEqual(findStudentLocation('at file:///w/mywork/lockservice/common.ts:9:3', files), { file: '///w/mywork/lockservice/common.ts', line: 9, column: 3 });
  t.deepEqual(findStudentLocation('mywork/lockservice/client.ts(20,25): error TS2345: no', files), { file: 'mywork/lockservice/client.ts', line: 20, column: 25 });
  t.is(findStudentLocation('at labs/lab1/scaffold/node-server.ts:10:2', files), undefined);
  t.is(findStudentLocation('lockservice/server.ts without a line', files), undefined);
  const failure = run('Basic', 'A', 1, {
    message: 'node `backup` crashed',
    node: 'backup',
    logs: { primary: ['at a (/w/s/lockservice/client.ts:1:1)'], backup: ['at b (/w/s/lockservice/server.ts:5:6)'] },
  });
  t.deepEqual(locateRunFailure(failure, files), { file: '/w/s/lockservice/server.ts', line: 5, column: 6 }, 'the log of the node at fault first');
  t.is(relativeTo('/w', '/w/s/lockservice/server.ts', '/elsewhere'), 's/lockservice/server.ts');
  t.is(relativeTo('/w', 'mywork/a.ts', '/w'), 'mywork/a.ts');
  t.is(relativeTo('/w', '/tmp/a.ts', '/w'), undefined);
});

test('finding locations and making table cells take linear time, whatever a student prints', (t) => {
  const files = info.lab.studentFiles;
  const inputs = ['x'.repeat(300_000), 'a/'.repeat(150_000), 'lockservice/server.ts/'.repeat(15_000), `${'y'.repeat(300_000)}/lockservice/server.ts:7:1`];
  const started = performance.now();
  for (const text of inputs) findStudentLocation(text, files);
  t.deepEqual(findStudentLocation(inputs[3]!, files), { file: `${'y'.repeat(300_000)}/lockservice/server.ts`, line: 7, column: 1 });
  cell(`${' '.repeat(300_000)}a`);
  cell(`${' \n'.repeat(150_000)}a`);
  const elapsed = performance.now() - started;
  t.true(elapsed < 3000, `${elapsed.toFixed(0)} ms (a quadratic scan takes minutes)`);
});

test('annotations: one per failing test, on the student file when the stack names one; compile errors on their lines', (t) => {
  let out = '';
  const reporter = new GitHubReporter(info, { write: (s) => (out += s), workspace: '/repo', cwd: '/repo' });
  reporter.testDone(score('Basic', 'A', 8), [run('Basic', 'A', 1), run('Basic', 'A', 2)]);
  reporter.testDone(score('PrimaryFail1', 'A', 8, [1, 2]), [
    run('PrimaryFail1', 'A', 1, {
      message: 'node `primary` crashed while delivering "Lock" from c1: Error: boom',
      hint: 'an exception escaped',
      node: 'primary',
      logs: { primary: ['[3 ms] Error: boom', '    at Server.lock (/repo/mywork/lockservice/server.ts:42:7)'] },
    }),
    run('PrimaryFail1', 'A', 2, { message: 'again' }),
  ]);
  reporter.testDone(score('PrimaryFail2', 'B', 5, [1]), [run('PrimaryFail2', 'B', 1, { message: `wrong, ${NASTY}`, logs: { c1: ['at x (/outside/lockservice/client.ts:1:1)'] } })]);
  t.is(out, '', 'written at the end, in order of use');
  reporter.finish(summaryOf([score('Basic', 'A', 8), score('PrimaryFail1', 'A', 8, [1, 2]), score('PrimaryFail2', 'B', 5, [1])]), 1000);
  const found = annotations(out);
  t.is(found.length, 2, out);
  t.deepEqual(found[0]!.props, { file: 'mywork/lockservice/server.ts', line: '42', col: '7', title: 'PrimaryFail1 (part A): 0/8' });
  t.is(
    found[0]!.message,
    'seed 1: node `primary` crashed while delivering "Lock" from c1: Error: boom\nhint: an exception escaped\nalso failing: seed 2\nreplay: npx locklab grade lab1 --impl mywork --test PrimaryFail1 --seed 1',
  );
  t.deepEqual(found[1]!.props, { title: 'PrimaryFail2 (part B): 0/5' }, 'a file outside the workspace is not named');
  t.true(found[1]!.message.startsWith(`seed 1: wrong, ${NASTY}`), 'the message comes back intact after unescaping');
  t.is(out.split('\n').filter(Boolean).length, 2, 'one line per annotation: newlines are escaped');

  let compile = '';
  const failing = new GitHubReporter(info, { write: (s) => (compile += s), workspace: '/repo', cwd: '/repo' });
  failing.compileError(['mywork/lockservice/client.ts(20,25): error TS2345: Argument of type "lock"', 'mywork/lockservice/server.ts(3,1): error TS1005: ";" expected']);
  failing.testDone(score('Basic', 'A', 8, [1], [1]), []);
  failing.finish(summaryOf([score('Basic', 'A', 8, [1], [1])]), 1000);
  const errors = annotations(compile);
  t.deepEqual(
    errors.map((e) => [e.props.file, e.props.line, e.props.col, e.message]),
    [
      ['mywork/lockservice/client.ts', '20', '25', 'error TS2345: Argument of type "lock"'],
      ['mywork/lockservice/server.ts', '3', '1', 'error TS1005: ";" expected'],
    ],
    'tests that did not run add no annotation of their own',
  );
});

test('at most 10 error annotations (GitHub drops the rest of a step\'s): the most useful first, and a notice that points to the job summary', (t) => {
  let out = '';
  const summaryFile = path.join(mkdtempSync(path.join(tmpdir(), 'locklab-cap-')), 'summary.md');
  const reporter = new GitHubReporter(info, { write: (s) => (out += s), workspace: '/repo', cwd: '/repo', summaryFile });
  const scores: ReturnType<typeof score>[] = [];
  // 19 failing tests, as the starter has: part B's first, then part A's, small and large.
  for (let i = 1; i <= 9; i++) scores.push(score(`B${i}`, 'B', 5, [1]));
  for (let i = 1; i <= 8; i++) scores.push(score(`A${i}`, 'A', i % 2 === 0 ? 8 : 4, [1]));
  scores.push(score('ACrash', 'A', 4, [1]));
  scores.push(score('BCrash', 'B', 5, [1]));
  for (const s of scores) {
    const crash = s.name.endsWith('Crash') ? { logs: { primary: ['    at Server.lock (/repo/mywork/lockservice/server.ts:42:7)'] }, node: 'primary' } : {};
    reporter.testDone(s, [run(s.name, s.part, 1, { message: `${s.name} failed`, ...crash })]);
  }
  reporter.finish(summaryOf(scores), 1000);
  const errors = annotations(out);
  t.is(errors.length, 10);
  t.deepEqual(
    errors.map((e) => e.props.title!.replace(/ \(part .*$/, '')),
    ['ACrash', 'A2', 'A4', 'A6', 'A8', 'A1', 'A3', 'A5', 'A7', 'BCrash'],
    'part A first; in a part, a failure on a line of code, then the most points lost',
  );
  const notices = annotations(out, 'notice');
  t.is(notices.length, 1);
  t.is(notices[0]!.props.title, 'locklab: 9 more failing tests not annotated');
  t.regex(notices[0]!.message, /^GitHub shows 10 error annotations per step: these are the first by part and by points lost\. This run's job summary shows every test/);
  const summary = readFileSync(summaryFile, 'utf8');
  t.is(summary.split('\n').filter((l) => l.startsWith('| ❌')).length, 19, 'the job summary has every failing test');
});

test('the job summary: appended, a row per test, parts, replay commands; table cells cannot be broken', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-summary-'));
  const file = path.join(dir, 'summary.md');
  writeFileSync(file, '# an earlier step\n');
  const reporter = new GitHubReporter(info, { write: () => {}, workspace: '/repo', cwd: '/repo', summaryFile: file });
  const scores = [score('Basic', 'A', 8), score('PrimaryFail2', 'B', 5, [2])];
  reporter.testDone(scores[0]!, [run('Basic', 'A', 1), run('Basic', 'A', 2)]);
  reporter.testDone(scores[1]!, [run('PrimaryFail2', 'B', 1), run('PrimaryFail2', 'B', 2, { message: 'a | b <script>\nsecond line' })]);
  reporter.finish(summaryOf(scores), 2500);
  const markdown = readFileSync(file, 'utf8');
  t.true(markdown.startsWith('# an earlier step\n## locklab lab1: 8/13 ❌\n'));
  t.true(markdown.includes('| ✅ | Basic | A | 8/8 |  |'));
  t.true(markdown.includes('| ❌ | PrimaryFail2 | B | 0/5 | seed 2: a \\| b &lt;script&gt; second line |'));
  t.true(markdown.includes('| A | Replication | 8/8 |'));
  t.true(markdown.includes('| **Total** | | **8/13** |'));
  t.true(markdown.includes('npx locklab grade lab1 --impl mywork --test PrimaryFail2 --seed 2'));
  // Every table row has as many unescaped column breaks as its header.
  for (const line of markdown.split('\n').filter((l) => l.startsWith('| ✅') || l.startsWith('| ❌'))) {
    t.is(line.replace(/\\\|/g, '').split('|').length, 7, line);
  }
  t.true(stepSummary(info, [], summaryOf([]), 0).startsWith('## locklab lab1: 0/0 ✅'));
});

test('locklab grade under GitHub Actions: an annotation on the line that threw, and the job summary', async (t) => {
  const impl = referenceWith('github-throw', 'lockservice/server.ts', (s) =>
    s.replace('private unlock(name: string): boolean {', "private unlock(name: string): boolean {\n    if (name === 'a') throw new Error('boom in unlock');"),
  );
  const throwLine = readFileSync(path.join(impl, 'lockservice/server.ts'), 'utf8').split('\n').findIndex((l) => l.includes('boom in unlock')) + 1;
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-actions-'));
  const summary = path.join(dir, 'summary.md');
  const env = { NO_COLOR: '1', GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: path.dirname(impl), GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: undefined };
  const result = await execa(process.execPath, [cli, 'grade', 'lab1', '--impl', impl, '--test', 'Basic,PrimaryFail1', '--no-typecheck'], { cwd: LOCKLAB_ROOT, reject: false, env });
  t.is(result.exitCode, 1, String(result.stderr));
  const found = annotations(String(result.stdout));
  t.deepEqual(
    found.map((a) => a.props),
    ['Basic', 'PrimaryFail1'].map((name) => ({ file: `${path.basename(impl)}/lockservice/server.ts`, line: String(throwLine), col: found[0]!.props.col!, title: `${name} (part A): 0/8` })),
    String(result.stdout),
  );
  t.regex(found[0]!.message, /^seed 1: node `primary` crashed while delivering "Unlock" from c1: Error: boom in unlock/);
  t.regex(found[0]!.message, /replay: npx locklab grade lab1 --impl \S+ --test Basic --seed 1$/);
  const markdown = readFileSync(summary, 'utf8');
  t.regex(markdown, /^## locklab lab1: 0\/16 ❌/);
  t.regex(markdown, /\| ❌ \| Basic \| A \| 0\/8 \| seed 1: node `primary` crashed/);
  t.regex(markdown, /\| ❌ \| PrimaryFail1 \| A \| 0\/8 \| seed 1: node `backup` crashed/);

  const outside = await execa(process.execPath, [cli, 'grade', 'lab1', '--impl', impl, '--test', 'Basic', '--no-typecheck'], {
    cwd: LOCKLAB_ROOT,
    reject: false,
    env: { NO_COLOR: '1', GITHUB_ACTIONS: undefined, GITHUB_STEP_SUMMARY: summary },
  });
  t.is(outside.exitCode, 1);
  t.false(String(outside.stdout).includes('::error'), 'no workflow commands outside GitHub Actions');
  t.is(readFileSync(summary, 'utf8'), markdown, 'and no job summary');
});

test('the starter under GitHub Actions: every test fails, 10 error annotations and a notice, not one per test', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-actions-'));
  const env = { NO_COLOR: '1', GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: LOCKLAB_ROOT, GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'), GITHUB_OUTPUT: undefined };
  const result = await execa(process.execPath, [cli, 'grade', 'lab1', '--impl', 'starter', '--no-typecheck'], { cwd: LOCKLAB_ROOT, reject: false, env });
  t.is(result.exitCode, 1, String(result.stderr));
  const failing = readFileSync(path.join(dir, 'summary.md'), 'utf8').split('\n').filter((l) => l.startsWith('| ❌')).length;
  t.true(failing > 10, `${failing} failing tests`);
  t.is(annotations(String(result.stdout)).length, 10);
  t.deepEqual(annotations(String(result.stdout), 'notice').map((n) => n.props.title), [`locklab: ${failing - 10} more failing tests not annotated`]);
});
