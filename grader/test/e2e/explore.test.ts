// `locklab explore`: a test on many seeds through grade's own runs. The reference passes every
// seed (exit 0, a summary per test); a known-buggy implementation fails with replay commands that
// `locklab grade` reproduces; only --max-failures traces are kept; bad arguments exit 2.
import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { ExploreResultsSchema } from '../../src/report/explore-results.ts';
import { MUTANTS, materialize } from '../support/mutants.ts';

const cli = path.join(LOCKLAB_ROOT, 'bin/locklab.js');
const locklab = (...args: string[]) => execa(process.execPath, [cli, ...args], { cwd: LOCKLAB_ROOT, reject: false, env: { NO_COLOR: '1' } });
const scratch = () => mkdtempSync(path.join(tmpdir(), 'locklab-explore-'));
const TEST = 'PrimaryFailAfterReply';

test('the reference on 10 seeds: exit 0, no failure, a summary line and a results file', async (t) => {
  const json = path.join(scratch(), 'explore.json');
  const result = await locklab('explore', 'lab1', '--test', TEST, '--seeds', '1-10', '--jobs', '2', '--no-typecheck', '--json', json);
  t.is(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
  const stdout = String(result.stdout);
  t.regex(stdout, /^locklab: exploring lab1 \(solutions\), 1 test, seeds 1-10, 2 runs at a time$/m);
  t.notRegex(stdout, /FAIL/);
  t.regex(stdout, /^Test +runs +failures +rate +runs\/min +failing seeds$/m);
  t.regex(stdout, new RegExp(`^${TEST} +10 +0 +0% +\\d+$`, 'm'));
  const results = ExploreResultsSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
  t.true(results.complete);
  t.deepEqual(
    results.tests.map(({ impl, test, runs, failures, failure_rate, failing_seeds }) => ({ impl, test, runs, failures, failure_rate, failing_seeds })),
    [{ impl: 'solutions', test: TEST, runs: 10, failures: 0, failure_rate: 0, failing_seeds: [] }],
  );
  t.true(results.tests[0]!.runs_per_minute > 0);
  t.deepEqual(results.failures, []);
});

test('a buggy implementation: every failure streamed with a replay command that grade reproduces; only --max-failures traces kept', async (t) => {
  const impl = materialize(MUTANTS.find((m) => m.name === 'reply-before-backup')!);
  const dir = scratch();
  const out = path.join(dir, 'failures');
  const json = path.join(dir, 'explore.json');
  const result = await locklab('explore', 'lab1', '--test', TEST, '--impl', impl, '--seeds', '1-4', '--jobs', '2', '--no-typecheck', '--max-failures', '2', '--out', out, '--json', json);
  t.is(result.exitCode, 1, `${result.stdout}\n${result.stderr}`);
  const stdout = String(result.stdout);
  const failures = [...stdout.matchAll(new RegExp(`^FAIL  ${TEST}  seed (\\d+): (.+)\\n +replay: (.+)$`, 'gm'))].map((m) => ({ seed: Number(m[1]), reason: m[2]!, replay: m[3]! }));
  const results = ExploreResultsSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
  const tally = results.tests[0]!;
  t.true(tally.failures >= 3, `the mutant fails on several seeds (${tally.failures})`);
  t.is(failures.length, tally.failures, 'one FAIL line per failing seed');
  t.deepEqual(failures.map((f) => f.seed).sort((a, b) => a - b), tally.failing_seeds);
  t.is(tally.failure_rate, tally.failures / 4);
  t.regex(stdout, new RegExp(`^${TEST} +4 +${tally.failures} +[\\d.]+% +\\d+ +seeds? [\\d, -]+$`, 'm'));

  // The memory bound: two failures kept (reason, replay, trace), the others only counted.
  t.is(results.failures.length, 2);
  t.deepEqual(readdirSync(out).filter((f) => f.endsWith('.json')).length, 2);
  t.deepEqual(readdirSync(out).filter((f) => f.endsWith('.html')).length, 2);
  for (const kept of results.failures) t.is(readFileSync(kept.trace!, 'utf8').includes('"format": "locklab-trace"'), true);

  // A failure whose trace was not kept still replays: grade, run as printed, fails the same way.
  const last = failures.at(-1)!;
  t.is(last.replay, `npx locklab grade lab1 --impl ${impl} --test ${TEST} --seed ${last.seed}`);
  const replayed = await locklab(...last.replay.split(' ').slice(2), '--no-typecheck');
  t.is(replayed.exitCode, 1);
  t.true(String(replayed.stdout).includes(`seed ${last.seed}: ${last.reason}`), String(replayed.stdout));
});

test('bad arguments: exit 2 with one line', async (t) => {
  const cases: [string[], RegExp][] = [
    [['explore', 'lab1'], /^locklab: which test\? --test NAME/],
    [['explore', 'lab1', '--test', 'Nope'], /^locklab: unknown test "Nope"; tests: Basic, /],
    [['explore', 'lab1', '--test', 'Basic', '--seeds', '9-3'], /^locklab: --seeds A-B needs A <= B/],
    [['explore', 'lab1', '--test', 'Basic', '--seeds', 'x'], /^locklab: --seeds is a range A-B/],
    [['explore', 'lab1', '--test', 'Basic', '--impl', 'no/such/dir'], /^locklab: implementation folder no\/such\/dir does not exist/],
  ];
  const results = await Promise.all(cases.map(([args]) => locklab(...args)));
  for (const [i, [args, expected]] of cases.entries()) {
    const result = results[i]!;
    t.is(result.exitCode, 2, args.join(' '));
    t.regex(String(result.stderr).trim(), expected);
    t.is(String(result.stderr).trim().split('\n').length, 1, `one line for ${args.join(' ')}`);
  }
});
