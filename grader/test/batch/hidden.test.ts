// Hidden tests: loaded from the lab's hidden folder when it exists, marked hidden, graded after
// the lab's own, listed only with --all, and shown on Gradescope as the manifest says.
import test from 'ava';
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { LabNotFound, loadLab } from '../../src/lab/load.ts';
import { GradescopeResultsSchema } from '../../src/report/gradescope.ts';
import { TerminalReporter } from '../../src/report/terminal.ts';
import type { RunResult } from '../../src/score/run-test.ts';
import { scoreTest } from '../../src/score/scorer.ts';

const cli = path.join(LOCKLAB_ROOT, 'bin/locklab.js');
const locklab = (...args: string[]) => execa(process.execPath, [cli, ...args], { cwd: LOCKLAB_ROOT, reject: false, env: { NO_COLOR: '1' } });

test('lab 1 has a hidden test, graded after the visible ones; the students\' view has none', async (t) => {
  const lab = await loadLab('lab1');
  const hidden = lab.manifest.tests.filter((x) => x.hidden);
  t.deepEqual(hidden.map((x) => x.name), ['ResendStorm']);
  t.is(lab.manifest.tests.at(-1)!.name, 'ResendStorm');
  t.true(lab.manifest.tests.filter((x) => !x.hidden).every((x) => x.hidden === undefined), 'the lab\'s own tests are not marked');
  t.is(lab.hiddenDir, path.join(LOCKLAB_ROOT, 'labs/lab1/hidden'));
  const students = await loadLab('lab1', undefined, { hidden: false });
  t.false(students.manifest.tests.some((x) => x.hidden));
  t.is(students.manifest.tests.length, lab.manifest.tests.length - 1);
});

const MANIFEST = pathToFileURL(path.join(LOCKLAB_ROOT, 'grader/src/lab/manifest.ts')).href;

/** A lab folder with a lab.ts and hidden modules, for the loader's errors. */
function labsWith(labTs: string, hidden: Record<string, string>): string {
  const labs = mkdtempSync(path.join(tmpdir(), 'locklab-labs-'));
  mkdirSync(path.join(labs, 'demo', 'hidden'), { recursive: true });
  writeFileSync(path.join(labs, 'demo', 'lab.ts'), labTs);
  for (const [file, text] of Object.entries(hidden)) writeFileSync(path.join(labs, 'demo', 'hidden', file), text);
  return labs;
}

const test1 = (name: string, extra = '') => `defineTest({ name: '${name}', part: 'A', points: 1, description: 'd', clients: 1, ${extra} async run() {} })`;
const labTs = (tests: string) => `import { defineLab, defineTest } from '${MANIFEST}';
export default defineLab({ id: 'demo', title: 'Demo', parts: [{ id: 'A', title: 'A' }], studentFiles: ['x.ts'], scaffold: 'scaffold',
  roles: { server: 'server.ts', client: 'client.ts' }, calls: { client: ['server'], server: [] }, clientRoles: ['client'],
  topology: () => [], failureModel: 'none', tests: [${tests}] });`;
const hiddenModule = (body: string) => `import { defineTest } from '${MANIFEST}';\nexport default ${body};`;

test('the loader: every hidden module default-exports tests; names stay unique; lab.ts cannot list a hidden test', async (t) => {
  const good = labsWith(labTs(test1('One')), { 'b.ts': hiddenModule(`[${test1('Three')}]`), 'a.ts': hiddenModule(`[${test1('Two', "visibility: 'hidden',")}]`), 'notes.md': 'x' });
  const lab = await loadLab('demo', good);
  t.deepEqual(lab.manifest.tests.map((x) => [x.name, x.hidden ?? false, x.visibility ?? '-']), [['One', false, '-'], ['Two', true, 'hidden'], ['Three', true, '-']]);

  const notArray = labsWith(labTs(test1('One')), { 'x.ts': hiddenModule(test1('Two')) });
  await t.throwsAsync(loadLab('demo', notArray), { instanceOf: LabNotFound, message: /labs\/demo\/hidden\/x\.ts must default-export an array of defineTest/ });
  const twice = labsWith(labTs(test1('One')), { 'x.ts': hiddenModule(`[${test1('One')}]`) });
  await t.throwsAsync(loadLab('demo', twice), { instanceOf: LabNotFound, message: /two tests are named One/ });
  const shipped = labsWith(labTs(test1('One', 'hidden: true,')), {});
  await t.throwsAsync(loadLab('demo', shipped), { instanceOf: LabNotFound, message: /lists One, which is marked hidden: hidden tests live in labs\/demo\/hidden\// });
});

test('list shows hidden tests only with --all', async (t) => {
  const [plain, all] = await Promise.all([locklab('list', 'lab1'), locklab('list', 'lab1', '--all')]);
  t.is(plain.exitCode, 0);
  t.notRegex(String(plain.stdout), /ResendStorm/);
  t.regex(String(plain.stdout), /and 1 hidden test, 10 points: `locklab list lab1 --all` shows them/);
  t.regex(String(all.stdout), /ResendStorm +10 {2}hidden three clients/);
  t.regex(String(all.stdout), /10 of them hidden/);
});

test('results.json: a hidden test is shown after publication, as the manifest says by default', async (t) => {
  const json = path.join(mkdtempSync(path.join(tmpdir(), 'locklab-hidden-')), 'results.json');
  const result = await locklab('grade', 'lab1', '--impl', 'solutions', '--test', 'Basic,ResendStorm', '--json', json, '--no-typecheck');
  t.is(result.exitCode, 0, String(result.stdout));
  const results = GradescopeResultsSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
  t.deepEqual(results.tests.map((x) => [x.name, x.visibility, x.extra_data.hidden]), [['A: Basic', 'visible', false], ['B: ResendStorm', 'after_published', true]]);
  t.deepEqual(results.tests[1]!.tags, ['part-B', 'hidden']);
});

test('the terminal explains the first failing seed with its replay command, and lists the others', (t) => {
  let text = '';
  const replay = (name: string, seed: number) => `npx locklab grade lab1 --impl x --test ${name} --seed ${seed}`;
  const reporter = new TerminalReporter({ write: (s) => (text += s), lab: 'lab1', impl: 'x', replay });
  const run = (seed: number, passed: boolean): RunResult =>
    ({ test: 'Basic', part: 'A', seed, passed, message: passed ? undefined : `bad ${seed}`, logs: {}, wallMs: 1, virtualMs: 1, events: 1 }) as unknown as RunResult;
  const runs = [run(1, false), run(2, true), run(3, false), run(4, false)];
  const graded = { name: 'Basic', part: 'A', points: 8, description: 'd', clients: 1, run: async () => undefined };
  reporter.testDone(scoreTest(graded, runs), runs);
  t.regex(text, /seed 1: bad 1/);
  t.regex(text, /replay: npx locklab grade lab1 --impl x --test Basic --seed 1\n/);
  t.regex(text, /also failing: seeds 3, 4\n/);
});
