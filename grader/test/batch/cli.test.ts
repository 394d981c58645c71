// `locklab batch` and `locklab merge` as commands: plain progress lines in CI, exit codes and
// one-line errors, and a batch killed midway that loses no finished grade.
import test from 'ava';
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { GradebookSchema } from '../../src/batch/gradebook.ts';
import { GradescopeResultsSchema } from '../../src/report/gradescope.ts';
import { SOLUTIONS, addFolder, emptyClass, onlyServer } from './class.ts';

const cli = path.join(LOCKLAB_ROOT, 'bin/locklab.js');
const locklab = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [cli, ...args], { cwd: LOCKLAB_ROOT, reject: false, env: { NO_COLOR: '1', CI: '1', ...env } });

test('bad arguments: exit 2 with one line', async (t) => {
  const dir = emptyClass();
  const cases: [string[], RegExp][] = [
    [['batch', dir, '--out', 'x'], /^locklab: --lab is required, e\.g\. --lab lab1$/],
    [['batch', dir, '--lab', 'lab1'], /^locklab: --out is required/],
    [['batch', '--lab', 'lab1', '--out', 'x'], /^locklab: which submissions\?/],
    [['batch', path.join(dir, 'nope'), '--lab', 'lab1', '--out', 'x'], /^locklab: submissions folder .*nope does not exist$/],
    [['batch', dir, '--lab', 'lab9', '--out', 'x'], /^locklab: unknown lab "lab9"/],
    [['batch', dir, '--lab', 'lab1', '--out', 'x', '--shard', '3/2'], /^locklab: --shard takes I\/N with 1 <= I <= N/],
    [['batch', dir, '--lab', 'lab1', '--out', 'x', '--jobs', '0'], /^locklab: --jobs must be at least 1$/],
    [['batch', dir, '--lab', 'lab1', '--out', dir], /^locklab: --out must not be the submissions folder itself/],
    [['batch', dir, '--lab', 'lab1', '--out', cli], /^locklab: --out .*locklab\.js is a file; give a folder$/],
    [['batch', dir, '--lab', 'lab1', '--out', 'x', '--test', 'Nope'], /^locklab: unknown test "Nope"/],
    [['merge', 'a.json'], /^locklab: --out is required/],
    [['merge', '--out', 'x'], /^locklab: which gradebooks\?/],
    [['merge', path.join(dir, 'missing.json'), '--out', 'x'], /^locklab: cannot read .*missing\.json as JSON/],
  ];
  const results = await Promise.all(cases.map(([args]) => locklab(args)));
  for (const [i, [args, expected]] of cases.entries()) {
    const result = results[i]!;
    t.is(result.exitCode, 2, args.join(' '));
    t.regex(String(result.stderr).trim(), expected, args.join(' '));
    t.is(String(result.stderr).trim().split('\n').length, 1, `one line for ${args.join(' ')}`);
  }
});

test('a batch killed midway keeps every finished grade; run again, it grades only the rest', async (t) => {
  const dir = emptyClass();
  for (const student of ['s1', 's2', 's3', 's4']) addFolder(dir, student, SOLUTIONS);
  onlyServer(dir, 's5');
  const out = path.join(emptyClass(), 'grades');
  const args = ['batch', dir, '--lab', 'lab1', '--out', out, '--test', 'Basic', '--jobs', '1', '--no-typecheck'];

  // Its own process group, so that the kill takes the batch and every node it started.
  const child = execa(process.execPath, [cli, ...args], { cwd: LOCKLAB_ROOT, reject: false, detached: true, env: { NO_COLOR: '1', CI: '1' } });
  let seen = '';
  await new Promise<void>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/\[2\/5\] s2 /.test(seen)) resolve();
    });
    void child.then(() => resolve());
  });
  process.kill(-child.pid!, 'SIGKILL');
  await child;
  t.regex(seen, /^\[1\/5\] s1 {2}8\/8 {2}\d+\.\ds {2}ETA \S+$/m, 'plain lines in CI, with the ETA');
  t.false(seen.includes('\r'), 'nothing is rewritten in place in CI');

  const finished = readdirSync(path.join(out, 'students')).filter((s) => existsSync(path.join(out, 'students', s, 'results.json')));
  t.true(finished.includes('s1') && finished.includes('s2'), `finished: ${finished.join(', ')}`);
  for (const student of finished) GradescopeResultsSchema.parse(JSON.parse(readFileSync(path.join(out, 'students', student, 'results.json'), 'utf8')));
  const partial = GradebookSchema.parse(JSON.parse(readFileSync(path.join(out, 'gradebook.json'), 'utf8')));
  t.is(partial.students.length, 5);
  t.true(partial.students.filter((r) => r.status === 'graded').length >= 2);

  const resumed = await locklab(args);
  t.is(resumed.exitCode, 0, String(resumed.stdout));
  t.regex(String(resumed.stdout), new RegExp(`5 submission\\(s\\), ${5 - finished.length} to grade; ${finished.length} already graded`));
  for (const student of finished) t.notRegex(String(resumed.stdout), new RegExp(`\\] ${student} `), `${student} is not graded again`);
  const book = GradebookSchema.parse(JSON.parse(readFileSync(path.join(out, 'gradebook.json'), 'utf8')));
  t.deepEqual(
    book.students.map((r) => [r.student, r.status, r.score]),
    [['s1', 'graded', 8], ['s2', 'graded', 8], ['s3', 'graded', 8], ['s4', 'graded', 8], ['s5', 'missing_files', 0]],
  );
  t.regex(String(resumed.stdout), /5 submission\(s\): .*1 missing files; mean 6\.4\/8/);
});

test('merge on the command line: shards in, one gradebook out; a student twice is an error', async (t) => {
  const dir = emptyClass();
  addFolder(dir, 'alice', SOLUTIONS);
  onlyServer(dir, 'bob');
  const root = emptyClass();
  for (const shard of ['1/2', '2/2']) {
    const result = await locklab(['batch', dir, '--lab', 'lab1', '--out', path.join(root, `shard-${shard[0]}`), '--test', 'Basic', '--shard', shard, '--no-typecheck']);
    t.is(result.exitCode, 0, String(result.stdout));
    t.regex(String(result.stdout), new RegExp(`shard ${shard}`));
  }
  const shards = [path.join(root, 'shard-1', 'gradebook.json'), path.join(root, 'shard-2', 'gradebook.json')];
  const merged = await locklab(['merge', ...shards, '--out', path.join(root, 'all')]);
  t.is(merged.exitCode, 0, String(merged.stderr));
  t.regex(String(merged.stdout), /merged 2 gradebook\(s\) of lab1: 2 student\(s\)/);
  t.is(readFileSync(path.join(root, 'all', 'gradebook.csv'), 'utf8').split('\r\n')[2], `bob,missing_files,0,8,0,0,"implementation folder ${path.join(dir, 'bob')} lacks lockservice/client.ts, lockservice/common.ts (lab lab1 needs lockservice/server.ts, lockservice/client.ts, lockservice/common.ts)"`);
  const lonely = await locklab(['merge', shards[0]!, '--out', path.join(root, 'one')]);
  t.regex(String(lonely.stderr), /^locklab: warning: no gradebook of shard 2\/2$/m);
  const twice = await locklab(['merge', shards[0]!, shards[0]!, '--out', path.join(root, 'twice')]);
  t.is(twice.exitCode, 2);
  t.regex(String(twice.stderr).trim(), /^locklab: student alice is in both /);
});
