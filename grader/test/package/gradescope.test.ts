/**
 * `locklab package gradescope`: the zip holds what Gradescope needs and nothing that must stay
 * with the instructor; unpacked into a temporary tree laid out as Gradescope's (/autograder/source,
 * submission, results; AUTOGRADER_ROOT points there), setup.sh installs the grader (its Node.js
 * install is skipped because Node 20 is already here; `npm ci` runs offline, from npm's cache) and
 * run_autograder grades submissions: the reference (full marks, in a cgroup with Gradescope's
 * default limits where this machine can make one), the starter (0), and it leaves a valid
 * results.json when files are missing or the grader cannot run at all.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import anyTest, { type TestFn } from 'ava';
import { execa } from 'execa';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { loadLab } from '../../src/lab/load.ts';
import { ungraded } from '../../src/package/gradescope-run.ts';
import { setupScript } from '../../src/package/gradescope.ts';
import { readZip, extractZip } from '../../src/package/zip.ts';
import { GradescopeResultsSchema, type GradescopeResults } from '../../src/report/gradescope.ts';
import { limitedCgroup, type Cgroup } from '../support/cgroup.ts';

const test = anyTest as TestFn<{ dir: string; zip: string; root: string }>;
const cli = path.join(LOCKLAB_ROOT, 'bin/locklab.js');

test.before(async (t) => {
  t.timeout(300_000, 'npm ci of the packed grader');
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-gradescope-'));
  const zip = path.join(dir, 'autograder.zip');
  const made = await execa(process.execPath, [cli, 'package', 'gradescope', '--lab', 'lab1', '--out', zip], { cwd: LOCKLAB_ROOT, reject: false });
  if (made.exitCode !== 0) throw new Error(`locklab package failed: ${made.stderr}`);
  const root = path.join(dir, 'autograder');
  for (const sub of ['source', 'submission', 'results']) mkdirSync(path.join(root, sub), { recursive: true });
  extractZip(readFileSync(zip), path.join(root, 'source'));
  // Gradescope copies run_autograder next to source/ when it builds the image.
  copyFileSync(path.join(root, 'source', 'run_autograder'), path.join(root, 'run_autograder'));
  const setup = spawnSync('bash', [path.join(root, 'source', 'setup.sh')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, AUTOGRADER_ROOT: root, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' },
  });
  if (setup.status !== 0) {
    // npm's cache lacks a package (a machine that never ran `npm ci` itself): reuse node_modules.
    t.log(`setup.sh could not install offline (${setup.stderr.trim().split('\n').slice(-1)[0]}); reusing node_modules by symlink`);
    rmSync(path.join(root, 'source', 'locklab', 'node_modules'), { recursive: true, force: true });
    symlinkSync(path.join(LOCKLAB_ROOT, 'node_modules'), path.join(root, 'source', 'locklab', 'node_modules'));
  } else if (!/setup\.sh: node v2\d/.test(setup.stdout)) {
    throw new Error(`setup.sh did not report Node 20+: ${setup.stdout}`);
  }
  t.context = { dir, zip, root };
});

test.after.always((t) => {
  if (t.context.dir) rmSync(t.context.dir, { recursive: true, force: true });
});

/** Puts files in submission/ (emptied first), runs run_autograder as Gradescope does (inside `cgroup` if given), reads results.json. */
async function grade(root: string, files: Record<string, string>, env: Record<string, string> = {}, cgroup?: Cgroup): Promise<{ results: GradescopeResults; stdout: string; exitCode: number }> {
  const submission = path.join(root, 'submission');
  rmSync(submission, { recursive: true, force: true });
  mkdirSync(submission, { recursive: true });
  for (const [file, from] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(submission, file)), { recursive: true });
    copyFileSync(from, path.join(submission, file));
  }
  const command = cgroup ? cgroup.wrap('bash', [path.join(root, 'run_autograder')]) : { file: 'bash', args: [path.join(root, 'run_autograder')] };
  const run = await execa(command.file, command.args, { cwd: root, reject: false, env: { AUTOGRADER_ROOT: root, GITHUB_ACTIONS: undefined, ...env }, all: true });
  const resultsFile = path.join(env.AUTOGRADER_ROOT ?? root, 'results', 'results.json');
  const results = GradescopeResultsSchema.parse(JSON.parse(readFileSync(resultsFile, 'utf8')));
  return { results, stdout: String(run.all), exitCode: run.exitCode ?? -1 };
}

const from = (folder: string) => (name: string) => path.join(LOCKLAB_ROOT, folder, 'lockservice', name);

test.serial('the zip: setup.sh and run_autograder at its root (executable), the grader and the lab with its hidden tests; no solutions, no grader tests', (t) => {
  const entries = readZip(readFileSync(t.context.zip));
  const paths = entries.map((e) => e.path);
  const mode = (p: string) => entries.find((e) => e.path === p)!.mode;
  t.is(mode('setup.sh'), 0o755);
  t.is(mode('run_autograder'), 0o755);
  for (const needed of ['locklab/package.json', 'locklab/package-lock.json', 'locklab/tsconfig.json', 'locklab/bin/locklab.js', 'locklab/grader/src/cli.ts', 'locklab/grader/src/package/gradescope-run.ts', 'locklab/labs/lab1/lab.ts', 'locklab/labs/lab1/scaffold/node-server.ts']) {
    t.true(paths.includes(needed), needed);
  }
  t.is(mode('locklab/bin/locklab.js'), statSync(path.join(LOCKLAB_ROOT, 'bin/locklab.js')).mode & 0o111 ? 0o755 : 0o644);
  const hidden = path.join(LOCKLAB_ROOT, 'labs/lab1/hidden');
  if (existsSync(hidden)) t.true(paths.some((p) => p.startsWith('locklab/labs/lab1/hidden/') && p.endsWith('.ts')), 'hidden tests are graded on Gradescope');
  for (const p of paths) {
    t.false(/^locklab\/(solutions|grader\/test|grader\/bench|docs|node_modules|\.locklab)(\/|$)/.test(p), p);
    t.true(p === 'setup.sh' || p === 'run_autograder' || p.startsWith('locklab/'), p);
  }
  // The starter's copy of the student files only: to tell it from the student's own in a repository.
  t.deepEqual(paths.filter((p) => p.startsWith('locklab/starter/') && !p.endsWith('/')), ['lockservice/client.ts', 'lockservice/common.ts', 'lockservice/server.ts'].map((f) => `locklab/starter/${f}`));
  const script = setupScript('lab1', '20.11.1');
  t.regex(script, /node-v\$\{NODE_VERSION\}-linux-\$\{arch\}\.tar\.xz/);
  t.regex(script, /sha256sum -c/);
  t.regex(script, /npm ci --omit=dev/, 'the grader\'s own test tools (and their browser) stay out of the image');
});

/** Gradescope's default container: 768 MB of memory, half a CPU (its documentation's troubleshooting page). */
const GRADESCOPE_LIMITS = { memoryBytes: 768 * 1024 * 1024, cpus: 0.5 };

test.serial('the reference, uploaded flat, in a cgroup with Gradescope\'s default limits: full marks, hidden tests included, one run at a time', async (t) => {
  t.timeout(600_000, 'the whole lab on half a CPU');
  const lab = await loadLab('lab1');
  const cgroup = limitedCgroup(GRADESCOPE_LIMITS);
  if ('unavailable' in cgroup) t.log(`graded without Gradescope's limits: this machine cannot make the cgroup (${cgroup.unavailable})`);
  else t.log(`768 MB and half a CPU: ${cgroup.how}`);
  const limited = 'unavailable' in cgroup ? undefined : cgroup;
  let graded;
  try {
    graded = await grade(t.context.root, Object.fromEntries(['server.ts', 'client.ts', 'common.ts'].map((f) => [f, from('solutions')(f)])), {}, limited);
  } finally {
    limited?.remove();
  }
  const { results, exitCode, stdout } = graded;
  t.is(exitCode, 0);
  // The run's output says how many runs at a time, and why: from the cgroup, not the host's CPU count.
  const jobsLine = /^locklab: (\d+) runs? at a time: (.*)$/m.exec(stdout);
  t.truthy(jobsLine, stdout);
  if (limited) {
    t.is(jobsLine![1], '1');
    t.regex(jobsLine![2]!, /the cgroup's CPU quota is 0\.5 CPU; 768 MiB of memory \(cgroup limit\)/);
  }
  const total = lab.manifest.tests.reduce((a, x) => a + x.points, 0);
  t.is(results.max_score, total);
  t.is(results.score, total, stdout);
  t.is(results.tests.length, lab.manifest.tests.length);
  t.true(results.tests.every((x) => x.status === 'passed'));
  t.true(results.extra_data!.complete);
  for (const hidden of lab.manifest.tests.filter((x) => x.hidden)) t.true(results.tests.some((x) => x.name.endsWith(`: ${hidden.name}`)), hidden.name);
  t.regex(results.output!, /^Graded lockservice\/server\.ts, lockservice\/client\.ts, lockservice\/common\.ts from the submission \(flat\)\./);
});

test.serial('the check bites: in the same cgroup, 19 runs at once (what a 19-CPU host chose before) get the grader killed', async (t) => {
  t.timeout(600_000);
  const cgroup = limitedCgroup(GRADESCOPE_LIMITS);
  if ('unavailable' in cgroup) return t.pass(`skipped: this machine cannot make the cgroup (${cgroup.unavailable})`);
  const results = path.join(t.context.dir, 'killed.json');
  try {
    const command = cgroup.wrap(process.execPath, [cli, 'grade', 'lab1', '--impl', 'solutions', '--jobs', '19', '--json', results]);
    const run = await execa(command.file, command.args, { cwd: LOCKLAB_ROOT, reject: false, env: { NO_COLOR: '1', GITHUB_ACTIONS: undefined } });
    t.is(run.signal, 'SIGKILL', `exit ${run.exitCode}: ${String(run.stderr).slice(-300)}`);
    if (existsSync(results)) t.false(GradescopeResultsSchema.parse(JSON.parse(readFileSync(results, 'utf8'))).extra_data!.complete);
  } finally {
    cgroup.remove();
  }
});

test.serial('a repository with the unchanged starter/ and the student\'s own folder: graded from the student\'s, with replay commands they can run; a hidden test says what to run instead', async (t) => {
  t.timeout(300_000, 'a grading on a busy machine');
  const edited = path.join(t.context.dir, 'edited-server.ts');
  writeFileSync(edited, `${readFileSync(from('starter')('server.ts'), 'utf8')}\n// my work starts here\n`);
  const files = {
    ...Object.fromEntries(['server.ts', 'client.ts', 'common.ts'].map((f) => [`repo/starter/lockservice/${f}`, from('starter')(f)])),
    ...Object.fromEntries(['client.ts', 'common.ts'].map((f) => [`repo/lab1-mine/lockservice/${f}`, from('starter')(f)])),
    'repo/lab1-mine/lockservice/server.ts': edited,
  };
  const { results, exitCode, stdout } = await grade(t.context.root, files);
  t.is(exitCode, 0, 'run_autograder itself succeeds; the score says the rest');
  t.is(results.score, 0);
  t.true(results.extra_data!.complete);
  t.regex(results.output!, /^Graded lockservice\/server\.ts, lockservice\/client\.ts, lockservice\/common\.ts from repo\/lab1-mine\/\.\nNot graded: repo\/starter\/ \(unchanged starter\)\./, stdout);
  const visible = results.tests.find((x) => !x.extra_data.hidden && x.extra_data.replay)!;
  t.regex(visible.extra_data.replay!, /^npx locklab grade lab1 --test \w+ --seed \d+$/);
  t.regex(visible.output, /^Replay: npx locklab grade lab1 --test \w+ --seed \d+$/m);
  const hidden = results.tests.filter((x) => x.extra_data.hidden);
  t.true(hidden.length > 0, 'lab 1 has a hidden test');
  for (const test of hidden) {
    // `--test <hidden>` says "unknown test" in a student's repository: the output names what they can run.
    t.notRegex(test.output, /--test/);
    t.regex(test.output, new RegExp(`^This test is hidden: .* npx locklab grade lab1 --part ${test.extra_data.part} --seeds 20$`, 'm'));
    t.regex(test.extra_data.replay!, new RegExp(`--test ${test.extra_data.test} `), 'the instructor keeps the replay command');
  }
});

test.serial('two different copies: none is graded, both are named, every test says why', async (t) => {
  const files = {
    ...Object.fromEntries(['server.ts', 'client.ts', 'common.ts'].map((f) => [`attempt1/lockservice/${f}`, from('solutions')(f)])),
    ...Object.fromEntries(['server.ts', 'client.ts', 'common.ts'].map((f) => [`attempt2/${f}`, from('starter')(f)])),
  };
  files['attempt2/server.ts'] = path.join(t.context.dir, 'edited-server.ts');
  writeFileSync(files['attempt2/server.ts'], '// a start\n');
  const { results, exitCode } = await grade(t.context.root, files);
  t.is(exitCode, 0);
  t.is(results.score, 0);
  t.regex(results.output!, /^Your submission holds several different copies of .*: attempt1\/, attempt2\/ \(flat\)\. It was not graded/);
  t.true(results.tests.every((x) => /\nNot graded: Your submission holds several different copies/.test(x.output)));
});

test.serial('a compile error\'s text reaches Gradescope as plain text: `Promise<boolean>` is not taken for HTML', async (t) => {
  t.timeout(300_000, 'a grading on a busy machine');
  const broken = path.join(t.context.dir, 'broken-client.ts');
  writeFileSync(broken, `${readFileSync(from('starter')('client.ts'), 'utf8')}\nexport const wrong: Promise<boolean> = 1;\n`);
  const { results } = await grade(t.context.root, { 'server.ts': from('starter')('server.ts'), 'client.ts': broken, 'common.ts': from('starter')('common.ts') });
  t.is(results.score, 0);
  t.regex(results.output!, /Promise<boolean>/);
  // Gradescope's specification: `output_format` defaults to simple_format (HTML) at the top level; text renders no HTML.
  t.like(results, { output_format: 'text', test_output_format: 'text', test_name_format: 'text' });
  t.true(results.tests.every((x) => x.output_format === 'text' && x.name_format === 'text'));
});

/** Replaces the packed grader's `bin/locklab.js` (what the runner starts) for one grading. */
async function withFakeGrader<T>(root: string, script: string, body: () => Promise<T>): Promise<T> {
  const bin = path.join(root, 'source/locklab/bin/locklab.js');
  const saved = readFileSync(bin);
  writeFileSync(bin, script);
  try {
    return await body();
  } finally {
    writeFileSync(bin, saved);
  }
}

test.serial('grading that cannot start, or stops midway: every test not graded says the reason, not where the files came from', async (t) => {
  t.timeout(300_000, 'a grading on a busy machine');
  const reference = Object.fromEntries(['server.ts', 'client.ts', 'common.ts'].map((f) => [f, from('solutions')(f)]));
  const refused = await withFakeGrader(t.context.root, 'process.stderr.write("locklab: the lab could not load: broken on purpose\\n");\nprocess.exit(2);\n', () => grade(t.context.root, reference));
  t.is(refused.results.score, 0);
  t.regex(refused.results.output!, /^Graded .* from the submission \(flat\)\.\nThe grading could not run: locklab: the lab could not load: broken on purpose$/);
  t.true(refused.results.tests.every((x) => x.output.endsWith('\nNot graded: The grading could not run: locklab: the lab could not load: broken on purpose')), refused.results.tests[0]!.output);

  const lab = await loadLab('lab1');
  const first = lab.manifest.tests[0]!;
  const partial = {
    score: first.points,
    execution_time: 1,
    tests: [{ name: `${first.part}: ${first.name}`, score: first.points, max_score: first.points, status: 'passed', output: 'ok', visibility: 'visible', extra_data: { test: first.name, part: first.part, description: first.description, seeds: [1], failing_seeds: [] } }],
    extra_data: { lab: 'lab1', complete: false },
  };
  const killer = `import { writeFileSync } from 'node:fs';\nconst file = process.argv[process.argv.indexOf('--json') + 1];\nwriteFileSync(file, ${JSON.stringify(JSON.stringify(partial))});\nprocess.kill(process.pid, 'SIGKILL');\n`;
  const stopped = await withFakeGrader(t.context.root, killer, () => grade(t.context.root, reference));
  t.is(stopped.results.score, first.points, 'the test it graded keeps its points');
  t.is(stopped.results.tests.length, lab.manifest.tests.length);
  t.regex(stopped.results.output!, /^Graded .*\nThe grading stopped before the end \(SIGKILL\)/);
  t.true(stopped.results.tests.slice(1).every((x) => x.output.endsWith('\nNot graded: The grading stopped before the end (SIGKILL); the tests it graded keep their points, the others score 0.')), stopped.results.tests[1]!.output);
});

test.serial('files missing: a valid results.json that says which, every test at 0', async (t) => {
  const { results, exitCode } = await grade(t.context.root, { 'server.ts': from('solutions')('server.ts') });
  t.is(exitCode, 0);
  t.is(results.score, 0);
  t.regex(results.output!, /^Your submission lacks lockservice\/client\.ts, lockservice\/common\.ts, so it was not graded\.\nUpload server\.ts, client\.ts, common\.ts: /);
  t.true(results.tests.length > 0);
  t.true(results.tests.every((x) => x.score === 0 && x.output.endsWith('\nNot graded: Your submission lacks lockservice/client.ts, lockservice/common.ts, so it was not graded.')));
  t.like(results, { output_format: 'text', test_output_format: 'text', test_name_format: 'text' });
});

test.serial('the grader cannot run at all: run_autograder still leaves a valid results.json', async (t) => {
  const elsewhere = path.join(t.context.dir, 'broken');
  mkdirSync(path.join(elsewhere, 'submission'), { recursive: true });
  const { results, exitCode } = await grade(t.context.root, {}, { AUTOGRADER_ROOT: elsewhere });
  t.is(exitCode, 0);
  t.is(results.score, 0);
  t.regex(results.output!, /could not run \(exit status 127\).*please tell your instructor/);
  t.is(results.output_format, 'text', 'the shell\'s own results.json is plain text too');

  // The packed grader broken after setup: node starts, the runner's module does not.
  const runner = path.join(t.context.root, 'source/locklab/grader/src/package/gradescope-run.ts');
  const saved = readFileSync(runner);
  writeFileSync(runner, 'throw new Error("broken on purpose");\n');
  try {
    const broken = await grade(t.context.root, { 'server.ts': from('solutions')('server.ts') });
    t.is(broken.results.score, 0);
    t.regex(broken.results.output!, /could not run \(exit status 1\)/);
  } finally {
    writeFileSync(runner, saved);
  }
});

test('a grading that stopped midway: the tests it graded keep their points, every other test is listed at 0', async (t) => {
  const lab = await loadLab('lab1');
  const first = lab.manifest.tests[0]!;
  const graded = {
    name: `${first.part}: ${first.name}`,
    score: first.points,
    max_score: first.points,
    status: 'passed' as const,
    output: 'ok',
    visibility: 'visible' as const,
    extra_data: { part: first.part, description: first.description, seeds: [1], failing_seeds: [] },
  };
  const results = GradescopeResultsSchema.parse(ungraded(lab, { output: 'Graded lockservice/server.ts from the submission.\nThe grading stopped before the end.', reason: 'The grading stopped before the end.' }, [graded]));
  t.is(results.score, first.points);
  t.is(results.tests.length, lab.manifest.tests.length);
  t.deepEqual(results.tests[0], graded);
  t.true(results.tests.slice(1).every((x) => x.score === 0 && x.output.endsWith('Not graded: The grading stopped before the end.')));
  t.false(results.extra_data!.complete);
});
