/**
 * `locklab package gradescope`: the zip holds what Gradescope needs and nothing that must stay
 * with the instructor; unpacked into a temporary tree laid out as Gradescope's (/autograder/source,
 * submission, results; AUTOGRADER_ROOT points there), setup.sh installs the grader (its Node.js
 * install is skipped because Node 20 is already here; `npm ci` runs offline, from npm's cache) and
 * run_autograder grades submissions: the reference (full marks), the starter (0), and it leaves a
 * valid results.json when files are missing or the grader cannot run at all.
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
import { locateStudentFiles } from '../../src/package/submission.ts';
import { readZip, extractZip } from '../../src/package/zip.ts';
import { GradescopeResultsSchema, type GradescopeResults } from '../../src/report/gradescope.ts';

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

/** Puts files in submission/ (emptied first), runs run_autograder as Gradescope does, reads results.json. */
async function grade(root: string, files: Record<string, string>, env: Record<string, string> = {}): Promise<{ results: GradescopeResults; stdout: string; exitCode: number }> {
  const submission = path.join(root, 'submission');
  rmSync(submission, { recursive: true, force: true });
  mkdirSync(submission, { recursive: true });
  for (const [file, from] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(submission, file)), { recursive: true });
    copyFileSync(from, path.join(submission, file));
  }
  const run = await execa('bash', [path.join(root, 'run_autograder')], { cwd: root, reject: false, env: { AUTOGRADER_ROOT: root, GITHUB_ACTIONS: undefined, ...env }, all: true });
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
    t.false(/^locklab\/(solutions|starter|grader\/test|grader\/bench|docs|node_modules|\.locklab)(\/|$)/.test(p), p);
    t.true(p === 'setup.sh' || p === 'run_autograder' || p.startsWith('locklab/'), p);
  }
  const script = setupScript('lab1', '20.11.1');
  t.regex(script, /node-v\$\{NODE_VERSION\}-linux-\$\{arch\}\.tar\.xz/);
  t.regex(script, /sha256sum -c/);
  t.regex(script, /npm ci/);
});

test.serial('the reference, uploaded flat: full marks, hidden tests included, every test passed', async (t) => {
  const lab = await loadLab('lab1');
  const { results, exitCode, stdout } = await grade(t.context.root, Object.fromEntries(['server.ts', 'client.ts', 'common.ts'].map((f) => [f, from('solutions')(f)])));
  t.is(exitCode, 0);
  const total = lab.manifest.tests.reduce((a, x) => a + x.points, 0);
  t.is(results.max_score, total);
  t.is(results.score, total, stdout);
  t.is(results.tests.length, lab.manifest.tests.length);
  t.true(results.tests.every((x) => x.status === 'passed'));
  t.true(results.extra_data!.complete);
  for (const hidden of lab.manifest.tests.filter((x) => x.hidden)) t.true(results.tests.some((x) => x.name.endsWith(`: ${hidden.name}`)), hidden.name);
  t.regex(results.output!, /^Graded lockservice\/server\.ts, lockservice\/client\.ts, lockservice\/common\.ts from the submission \(flat\)\./);
});

test.serial('the starter, in its lockservice/ folder: 0 points, with replay commands students can run', async (t) => {
  const { results, exitCode } = await grade(t.context.root, Object.fromEntries(['server.ts', 'client.ts', 'common.ts'].map((f) => [`lockservice/${f}`, from('starter')(f)])));
  t.is(exitCode, 0, 'run_autograder itself succeeds; the score says the rest');
  t.is(results.score, 0);
  t.true(results.extra_data!.complete);
  const failed = results.tests.find((x) => x.extra_data.replay)!;
  t.regex(failed.extra_data.replay!, /^npx locklab grade lab1 --test \w+ --seed \d+$/);
  t.regex(results.output!, /from the submission\./);
});

test.serial('files missing: a valid results.json that says which, every test at 0', async (t) => {
  const { results, exitCode } = await grade(t.context.root, { 'server.ts': from('solutions')('server.ts') });
  t.is(exitCode, 0);
  t.is(results.score, 0);
  t.regex(results.output!, /^Your submission lacks lockservice\/client\.ts, lockservice\/common\.ts, so it was not graded\./);
  t.true(results.tests.length > 0);
  t.true(results.tests.every((x) => x.score === 0 && /Not graded: Your submission lacks/.test(x.output)));
});

test.serial('the grader cannot run at all: run_autograder still leaves a valid results.json', async (t) => {
  const elsewhere = path.join(t.context.dir, 'broken');
  mkdirSync(path.join(elsewhere, 'submission'), { recursive: true });
  const { results, exitCode } = await grade(t.context.root, {}, { AUTOGRADER_ROOT: elsewhere });
  t.is(exitCode, 0);
  t.is(results.score, 0);
  t.regex(results.output!, /could not run \(exit status 127\).*please tell your instructor/);

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

test('locating student files: in their folder, flat, inside a repository, or reporting what is missing', (t) => {
  const files = ['lockservice/server.ts', 'lockservice/client.ts', 'lockservice/common.ts'];
  const make = (layout: string[]) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'locklab-submission-'));
    for (const f of layout) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), f);
    }
    return dir;
  };
  const read = (located: ReturnType<typeof locateStudentFiles>) => Object.fromEntries(Object.entries(located.files).map(([k, v]) => [k, readFileSync(v, 'utf8')]));

  const folder = locateStudentFiles(make(files), files);
  t.deepEqual([folder.missing, folder.where], [[], 'the submission']);
  const flat = locateStudentFiles(make(['server.ts', 'client.ts', 'common.ts', 'notes.txt']), files);
  t.deepEqual(read(flat), { 'lockservice/server.ts': 'server.ts', 'lockservice/client.ts': 'client.ts', 'lockservice/common.ts': 'common.ts' });
  t.is(flat.where, 'the submission (flat)');
  const repo = locateStudentFiles(make([...files.map((f) => `repo/starter/${f}`), ...files.map((f) => `repo/node_modules/x/${f}`), 'repo/solutions/lockservice/server.ts']), files);
  t.is(repo.where, 'repo/starter/');
  t.is(read(repo)['lockservice/server.ts'], 'repo/starter/lockservice/server.ts');
  const shallowest = locateStudentFiles(make([...files.map((f) => `b/deeper/${f}`), ...files.map((f) => `a/${f}`)]), files);
  t.is(shallowest.where, 'a/', 'the shallowest complete folder wins');
  const missing = locateStudentFiles(make(['lockservice/server.ts', 'client.ts']), files);
  t.deepEqual(missing.missing, ['lockservice/common.ts']);
  t.deepEqual(Object.keys(missing.files), ['lockservice/server.ts', 'lockservice/client.ts']);
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
  const results = GradescopeResultsSchema.parse(ungraded(lab, 'The grading stopped before the end.', [graded]));
  t.is(results.score, first.points);
  t.is(results.tests.length, lab.manifest.tests.length);
  t.deepEqual(results.tests[0], graded);
  t.true(results.tests.slice(1).every((x) => x.score === 0 && x.output.endsWith('Not graded: The grading stopped before the end.')));
  t.false(results.extra_data!.complete);
});
