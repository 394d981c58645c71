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
  for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', '.gitignore', 'README.md', 'bin/locklab.js', 'grader/src/cli.ts', 'grader/src/runtime/index.ts', 'labs/lab1/lab.ts', 'labs/lab1/handout.md', 'starter/lockservice/server.ts', 'docs/students.md', 'docs/protocol.md', 'docs/trace-viewer.md', 'docs/history-format.md', 'docs/architecture.md']) {
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

  const pkg = JSON.parse(readFileSync(path.join(t.context.out, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: unknown };
  t.deepEqual(pkg.scripts, { test: 'locklab grade lab1', typecheck: 'tsc -p .' });
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

test('in the export: `locklab grade lab1` runs, the starter scores 0 and exits 1; `npm run typecheck` passes', async (t) => {
  const { out } = t.context;
  symlinkSync(path.join(LOCKLAB_ROOT, 'node_modules'), path.join(out, 'node_modules'));
  const results = path.join(t.context.dir, 'results.json');
  const graded = await execa(process.execPath, ['bin/locklab.js', 'grade', 'lab1', '--json', results], { cwd: out, reject: false, env: { NO_COLOR: '1', GITHUB_ACTIONS: undefined } });
  t.is(graded.exitCode, 1, String(graded.stderr));
  t.regex(String(graded.stdout), /^locklab: grading lab1 \(starter\)/);
  const parsed = GradescopeResultsSchema.parse(JSON.parse(readFileSync(results, 'utf8')));
  t.is(parsed.score, 0);
  t.true(parsed.extra_data!.complete);
  const lab = await loadLab('lab1');
  t.deepEqual(
    parsed.tests.map((x) => x.name),
    lab.manifest.tests.filter((x) => !x.hidden).map((x) => `${x.part}: ${x.name}`),
    'the lab\'s own tests, and no hidden one',
  );
  const typecheck = await execa('npm', ['run', 'typecheck'], { cwd: out, reject: false });
  t.is(typecheck.exitCode, 0, String(typecheck.stdout) + String(typecheck.stderr));
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
