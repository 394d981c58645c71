/**
 * `locklab export-student`: the students' repository works there (`npm ci` replaced by a symlink
 * to node_modules, to stay fast: the lock file is the same), the starter scores 0 with exit 1, and
 * nothing of the reference, the hidden tests or the instructors' material is in it: not as a
 * file, and not as a single distinctive line inside another file.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import anyTest, { type TestFn } from 'ava';
import { execa } from 'execa';
import { parse } from 'yaml';
import { ClassroomResultSchema } from '../../src/report/classroom.ts';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { loadLab } from '../../src/lab/load.ts';
import { walk } from '../../src/package/files.ts';
import { markdownSection } from '../../src/package/student.ts';
import { GradescopeResultsSchema } from '../../src/report/gradescope.ts';

const test = anyTest as TestFn<{ dir: string; out: string; files: string[] }>;
const cli = path.join(LOCKLAB_ROOT, 'bin/locklab.js');

test.before(async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-export-'));
  const out = path.join(dir, 'students');
  const result = await execa(process.execPath, [cli, 'export-student', '--out', out, '--lab', 'lab1'], { cwd: LOCKLAB_ROOT, reject: false });
  if (result.exitCode !== 0) throw new Error(`export-student failed: ${result.stderr}`);
  t.context = { dir, out, files: walk(out, '') };
});

test.after.always((t) => {
  if (t.context.dir) rmSync(t.context.dir, { recursive: true, force: true });
});

/** Lines long enough to be distinctive, trimmed. */
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 24);

test('what students get, and what they do not', (t) => {
  const { files } = t.context;
  for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', '.gitignore', '.npmrc', '.github/workflows/classroom.yml', 'README.md', 'bin/locklab.js', 'grader/src/cli.ts', 'grader/src/runtime/index.ts', 'labs/lab1/lab.ts', 'labs/lab1/handout.md', 'starter/lockservice/server.ts', 'docs/students.md', 'docs/protocol.md', 'docs/trace-viewer.md', 'docs/history-format.md', 'docs/architecture.md']) {
    t.true(files.includes(needed), needed);
  }
  for (const doc of walk(LOCKLAB_ROOT, 'docs').filter((d) => d !== 'docs/instructors.md')) t.true(files.includes(doc), `${doc}: every document but the instructors' guide`);
  for (const f of files) t.false(/^(solutions|grader\/test|grader\/bench|labs\/[^/]+\/hidden|node_modules|\.locklab|test-artifacts)(\/|$)|^docs\/instructors\.md$|^ava\.config/.test(f), f);
});

test('no line of the reference (absent from the starter) and no line of a hidden test appears in any exported file', async (t) => {
  const starterLines = new Set(walk(LOCKLAB_ROOT, 'starter').flatMap((f) => lines(path.join(LOCKLAB_ROOT, f))));
  const reference = [...new Set(walk(LOCKLAB_ROOT, 'solutions').flatMap((f) => lines(path.join(LOCKLAB_ROOT, f))))].filter((l) => !starterLines.has(l) && !l.startsWith('//') && !l.startsWith('*'));
  const lab = await loadLab('lab1');
  const visibleLines = new Set(walk(LOCKLAB_ROOT, 'labs/lab1/tests').flatMap((f) => lines(path.join(LOCKLAB_ROOT, f))));
  const hidden = [...new Set(walk(LOCKLAB_ROOT, path.relative(LOCKLAB_ROOT, lab.hiddenDir)).flatMap((f) => lines(path.join(LOCKLAB_ROOT, f))))].filter((l) => !visibleLines.has(l));
  t.true(reference.length >= 10, `distinctive lines of the reference: ${reference.length}`);
  if (existsSync(lab.hiddenDir)) t.true(hidden.length >= 5, `distinctive lines of the hidden tests: ${hidden.length}`);
  const leaks: string[] = [];
  for (const f of t.context.files) {
    const exported = new Set(lines(path.join(t.context.out, f)));
    for (const line of [...reference, ...hidden]) if (exported.has(line)) leaks.push(`${f}: ${line}`);
  }
  t.deepEqual(leaks, []);
});

test('README opens with the commands that work here; package.json and tsconfig.json name nothing that is absent', (t) => {
  const readme = readFileSync(path.join(t.context.out, 'README.md'), 'utf8');
  const firstBlock = /```\n([\s\S]*?)```/.exec(readme)![1]!;
  t.regex(firstBlock, /^npm ci && npx locklab grade lab1 +# grades your code in starter\/: 0 points at the start\n$/);
  t.false(/solutions|instructors\.md|npm run bench/.test(readme), 'nothing students do not have');
  t.truthy(markdownSection(readme, 'What locklab is'));
  t.truthy(markdownSection(readme, 'The command'));

  t.regex(markdownSection(readme, 'Handing in')!, /\*\*Gradescope\*\*: Upload server\.ts, client\.ts, common\.ts: .* They are in `starter\/lockservice\/`\./);
  t.regex(markdownSection(readme, 'Handing in')!, /\*\*GitHub Classroom\*\*: push\. `\.github\/workflows\/classroom\.yml` grades every push/);

  const pkg = JSON.parse(readFileSync(path.join(t.context.out, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: unknown };
  t.deepEqual(Object.keys(pkg.scripts).sort(), ['test', 'typecheck'], 'npm test and npm run typecheck; they are run below');
  const original = JSON.parse(readFileSync(path.join(LOCKLAB_ROOT, 'package.json'), 'utf8')) as { dependencies: unknown };
  t.deepEqual(pkg.dependencies, original.dependencies, 'the same dependencies: package-lock.json still matches, `npm ci` works');
  const tsconfig = JSON.parse(readFileSync(path.join(t.context.out, 'tsconfig.json'), 'utf8')) as { include: string[] };
  for (const entry of tsconfig.include) t.true(existsSync(path.join(t.context.out, entry)), entry);
});

test('every relative link of the exported Markdown leads to a file that is there', (t) => {
  const broken: string[] = [];
  for (const f of t.context.files.filter((f) => f.endsWith('.md'))) {
    for (const [, target] of readFileSync(path.join(t.context.out, f), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!) || target!.startsWith('#')) continue;
      const file = path.join(t.context.out, path.dirname(f), target!.split('#')[0]!);
      if (!existsSync(file)) broken.push(`${f} -> ${target}`);
    }
  }
  t.deepEqual(broken, []);
});

test.serial('in the export: `npm ci`, then `npm test` grades the starter (0, exit 1); `npm run typecheck` passes', async (t) => {
  t.timeout(300_000);
  const { out } = t.context;
  // As students install: from the lock file, without the grader's own test tools (.npmrc). Offline here.
  const install = await execa('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: out, reject: false, env: { npm_config_update_notifier: 'false' } });
  if (install.exitCode !== 0) {
    t.log(`npm ci could not install offline (${String(install.stderr).trim().split('\n').slice(-1)[0]}); reusing node_modules by symlink`);
    rmSync(path.join(out, 'node_modules'), { recursive: true, force: true });
    symlinkSync(path.join(LOCKLAB_ROOT, 'node_modules'), path.join(out, 'node_modules'));
  } else {
    t.false(existsSync(path.join(out, 'node_modules', 'ava')), 'devDependencies are left out');
    t.true(existsSync(path.join(out, 'node_modules', '@types', 'node')), 'what the type-check of their code needs is there');
  }
  const results = path.join(t.context.dir, 'results.json');
  const tested = await execa('npm', ['test', '--', '--test', 'Basic', '--json', results], { cwd: out, reject: false, env: { NO_COLOR: '1', GITHUB_ACTIONS: undefined, CI: '1' } });
  t.is(tested.exitCode, 1, `npm test: ${String(tested.stderr)}`);
  t.regex(String(tested.stdout), /^locklab: grading lab1 \(starter\), 1 test,/m);
  t.is(GradescopeResultsSchema.parse(JSON.parse(readFileSync(results, 'utf8'))).score, 0);
  const typecheck = await execa('npm', ['run', 'typecheck'], { cwd: out, reject: false });
  t.is(typecheck.exitCode, 0, String(typecheck.stdout) + String(typecheck.stderr));
});

test.serial('in the export: the GitHub Classroom workflow\'s grading step, run as Actions runs it, gives the reporter a result it adds up to the grader\'s score', async (t) => {
  t.timeout(300_000);
  const { out } = t.context;
  if (!existsSync(path.join(out, 'node_modules'))) symlinkSync(path.join(LOCKLAB_ROOT, 'node_modules'), path.join(out, 'node_modules'));
  interface Step { id?: string; name?: string; run?: string; uses?: string; env?: Record<string, string>; with?: Record<string, string>; 'continue-on-error'?: boolean }
  const workflow = parse(readFileSync(path.join(out, '.github/workflows/classroom.yml'), 'utf8')) as { on: Record<string, unknown>; jobs: Record<string, { steps: Step[] }> };
  t.true('push' in workflow.on && 'repository_dispatch' in workflow.on, 'on push, and on Classroom\'s dispatch');
  const steps = Object.values(workflow.jobs)[0]!.steps;
  const grading = steps.find((s) => s.run?.includes('--classroom'))!;
  const reporter = steps.find((s) => s.uses?.startsWith('classroom-resources/autograding-grading-reporter@'))!;
  t.true(grading['continue-on-error'], 'a failing grade must not skip the reporter');
  // The reporter (its main.js): for each id in `runners`, the variable <ID upper-cased>_RESULTS, base64 JSON.
  t.deepEqual(reporter.with!.runners!.split(','), [grading.id]);
  t.regex(reporter.with!.runners!, /^([a-zA-Z0-9]+,)*[a-zA-Z0-9]+$/, 'the runners list the reporter accepts');
  t.is(reporter.env![`${grading.id!.toUpperCase()}_RESULTS`], `\${{ steps.${grading.id}.outputs.result }}`);

  const outputs = path.join(t.context.dir, 'github-output');
  writeFileSync(outputs, '');
  const env = { NO_COLOR: '1', CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: out, GITHUB_OUTPUT: outputs, GITHUB_STEP_SUMMARY: path.join(t.context.dir, 'summary.md') };
  const run = await execa('bash', ['-e', '-c', grading.run!], { cwd: out, reject: false, env });
  t.is(run.exitCode, 1, String(run.stderr));
  const encoded = /^result=(.*)$/m.exec(readFileSync(outputs, 'utf8'))?.[1];
  t.truthy(encoded, 'the step output `result`');
  const result = ClassroomResultSchema.parse(JSON.parse(Buffer.from(encoded!, 'base64').toString('utf8')));
  // NotifyClassroom (the reporter's notify-classroom.js): the tests' scores against max_score.
  const lab = await loadLab('lab1', undefined, { hidden: false });
  const visible = lab.manifest.tests.filter((x) => !x.hidden);
  t.is(result.max_score, visible.reduce((a, x) => a + x.points, 0));
  t.is(result.tests.reduce((a, x) => a + x.score, 0), 0, 'the starter scores 0');
  t.is(result.status, 'fail');
  t.deepEqual(result.tests.map((x) => x.name), visible.map((x) => `${x.part}: ${x.name}`), "the lab's own tests, and no hidden one");
  t.true(String(run.stdout).split('\n').filter((l) => l.startsWith('::error ')).length <= 10, 'at most 10 error annotations');
});

test('export-student refuses a folder that is not empty, and an unknown lab', async (t) => {
  const full = path.join(t.context.dir, 'full');
  mkdirSync(full);
  writeFileSync(path.join(full, 'keep.txt'), 'mine');
  const refused = await execa(process.execPath, [cli, 'export-student', '--out', full], { cwd: LOCKLAB_ROOT, reject: false });
  t.is(refused.exitCode, 2);
  t.regex(String(refused.stderr).trim(), /^locklab: .*full is not empty; export into a new folder$/);
  t.is(readFileSync(path.join(full, 'keep.txt'), 'utf8'), 'mine');
  const unknown = await execa(process.execPath, [cli, 'export-student', '--out', path.join(t.context.dir, 'new'), '--lab', 'lab9'], { cwd: LOCKLAB_ROOT, reject: false });
  t.is(unknown.exitCode, 2);
  t.regex(String(unknown.stderr).trim(), /^locklab: unknown lab "lab9"; labs: lab1$/);
});
