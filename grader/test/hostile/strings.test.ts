// Strings that a node or a student chooses (a message type, a destination, a log line, a folder
// name) and that every output then shows: the terminal, GitHub Actions' log (workflow commands
// such as `::error::`, read after leading spaces are trimmed), the job summary, JUnit, Classroom,
// Gradescope's results, batch progress and the gradebook. None may rewrite a line, plant a
// command, or run as a spreadsheet formula.
import test from 'ava';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GradebookSchema } from '../../src/batch/gradebook.ts';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { ClassroomResultSchema } from '../../src/report/classroom.ts';
import { ExploreResultsSchema } from '../../src/report/explore-results.ts';
import { GradescopeResultsSchema } from '../../src/report/gradescope.ts';
import { SERVER, inLock, locklab, privateTmp, submission } from './fixtures.ts';

/** Characters a terminal or a log viewer obeys: C0 controls but tab and newline, DEL, C1 controls. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Lines that a GitHub Actions runner would read as a command: `::` after leading spaces, or `##[` anywhere. */
const commandLines = (text: string) => text.split('\n').filter((l) => /^\s*::/.test(l) || l.includes('##['));

/** Every string in a JSON value. */
const stringsOf = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.flatMap(stringsOf) : value && typeof value === 'object' ? Object.values(value).flatMap(stringsOf) : [];

const FORGED_TYPE = '\u001b[2K\rPASS  Basic  8/8\n::error::forged by a node';
const FORGED_DEST = '\u001b]0;title\u0007\r\n  ::warning::forged\u202e';

test.serial('a message type and a destination with escapes, a carriage return and a workflow command: inert in every output', async (t) => {
  const tmp = privateTmp(t, 'strings');
  const files = { json: path.join(tmp, 'results.json'), junit: path.join(tmp, 'junit.xml'), classroom: path.join(tmp, 'classroom.json'), summary: path.join(tmp, 'summary.md') };
  // The backup dies on the forged type (so it is named in the failure); the primary also writes
  // to a forged destination (named in its log) and prints a command, indented, in its log.
  const impl = submission(t, 'forged-strings', {
    [SERVER]: (s) =>
      `import { call as __call, handle as __handle } from 'locklab/runtime';\n` +
      `${inLock(
        `if (this.role === 'primary') { void __call('backup', ${JSON.stringify(FORGED_TYPE)}, {}); void __call(${JSON.stringify(FORGED_DEST)}, 'Hello', {}); console.log('    ::error::forged in a log ##[error]x'); }`,
      )(s)}\n__handle(${JSON.stringify(FORGED_TYPE)}, () => process.exit(3));\n`,
  });
  const result = await locklab(
    ['grade', 'lab1', '--impl', impl, '--test', 'Basic', '--json', files.json, '--junit', files.junit, '--classroom', files.classroom, '--no-typecheck'],
    { tmp, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: files.summary, GITHUB_WORKSPACE: LOCKLAB_ROOT } },
  );
  t.is(result.exitCode, 1, String(result.stderr));
  const stdout = String(result.stdout);
  t.regex(stdout, /node `backup` exited \(code 3\) while delivering "␛\[2K␍PASS {2}Basic {2}8\/8␊::error::forged by a node" from primary/);
  t.false(CONTROL.test(stdout), 'no control character from a node reaches the log');
  t.deepEqual(stdout.split('\n').filter((l) => /^\s*PASS\b/.test(l)), [], 'no PASS line');
  // The only workflow commands are the grader's own annotations, one line each.
  for (const line of commandLines(stdout)) t.regex(line, /^::error (file=[^,]*,line=\d+,(col=\d+,)?)?title=Basic \(part A\)%3A 0\/8::[^\n]*$/, line);
  t.is(commandLines(stdout).length, 1);

  const summary = readFileSync(files.summary, 'utf8');
  const junit = readFileSync(files.junit, 'utf8');
  const classroom = ClassroomResultSchema.parse(JSON.parse(readFileSync(files.classroom, 'utf8')));
  const results = GradescopeResultsSchema.parse(JSON.parse(readFileSync(files.json, 'utf8')));
  for (const [name, text] of [
    ['job summary', summary],
    ['JUnit', junit],
    ['Classroom', stringsOf(classroom).join('\n')],
    ['results.json', stringsOf(results).join('\n')],
  ] as const) {
    t.false(CONTROL.test(text), `${name}: no control character`);
    t.deepEqual(commandLines(text), [], `${name}: no workflow command`);
    t.regex(text, /forged by a node/, `${name} shows the failure`);
  }
});

test.serial('the same strings in `locklab explore`: each streamed failure and the summary file are inert', async (t) => {
  const tmp = privateTmp(t, 'explore-strings');
  const json = path.join(tmp, 'explore.json');
  const impl = submission(t, 'forged-explore', {
    [SERVER]: (s) => `import { call as __call, handle as __handle } from 'locklab/runtime';\n${inLock(`if (this.role === 'primary') void __call('backup', ${JSON.stringify(FORGED_TYPE)}, {});`)(s)}\n__handle(${JSON.stringify(FORGED_TYPE)}, () => process.exit(3));\n`,
  });
  const result = await locklab(['explore', 'lab1', '--impl', impl, '--test', 'Basic', '--seeds', '1-2', '--json', json, '--no-typecheck'], { tmp, env: { GITHUB_ACTIONS: 'true' } });
  t.is(result.exitCode, 1, String(result.stderr));
  const stdout = String(result.stdout);
  t.regex(stdout, /^FAIL {2}Basic {2}seed 1: node `backup` exited \(code 3\) while delivering "␛\[2K␍PASS {2}Basic {2}8\/8␊::error::forged by a node" from primary/m);
  t.false(CONTROL.test(stdout), 'no control character from a node reaches the output');
  t.deepEqual(stdout.split('\n').filter((l) => /^\s*PASS\b/.test(l)), [], 'no PASS line');
  t.deepEqual(commandLines(stdout), [], 'no workflow command');
  const results = ExploreResultsSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
  const text = stringsOf(results).join('\n');
  t.false(CONTROL.test(text));
  t.deepEqual(commandLines(text), []);
  t.regex(text, /forged by a node/);
});

test.serial('student folder names with escapes, a workflow command or a formula: inert in the batch\'s progress and gradebook', async (t) => {
  const tmp = privateTmp(t, 'batch-names');
  const classDir = path.join(tmp, 'class');
  const names = ['\u001b[2K\rzed  130 of 130\n::error::forged by a folder', '=1+2', '+cmd|calc!A0', '@SUM(A1:A2)', 'alice'];
  for (const name of names) {
    mkdirSync(path.join(classDir, name), { recursive: true });
    cpSync(path.join(LOCKLAB_ROOT, 'starter'), path.join(classDir, name), { recursive: true });
  }
  const out = path.join(tmp, 'grades');
  const result = await locklab(['batch', classDir, '--lab', 'lab1', '--out', out, '--test', 'Basic', '--no-typecheck', '--jobs', '2'], { tmp, env: { CI: 'true' } });
  t.is(result.exitCode, 0, String(result.stderr));
  const stdout = String(result.stdout);
  t.false(CONTROL.test(stdout), 'no control character from a folder name reaches the log');
  t.deepEqual(commandLines(stdout), []);
  t.regex(stdout, /␛\[2K␍zed {2}130 of 130␊::error::forged by a folder {2}0\/8/);
  const book = GradebookSchema.parse(JSON.parse(readFileSync(path.join(out, 'gradebook.json'), 'utf8')));
  t.deepEqual(book.students.map((r) => r.student).sort(), [...names].sort(), 'the gradebook keeps every name exactly');
  const csv = readFileSync(path.join(out, 'gradebook.csv'), 'utf8');
  t.false(CONTROL.test(csv.replace(/\r\n/g, '')));
  const cells = csv.split('\r\n').slice(1, -1).map((line) => line.split(',')[0]!);
  for (const formula of ['=1+2', '+cmd|calc!A0', '@SUM(A1:A2)']) t.true(cells.includes(`'${formula}`), `${formula} is text: ${cells.join(' ')}`);
  t.is(readdirSync(path.join(out, 'students')).length, names.length, 'one results folder per student');
});

test('a history file with escapes and a workflow command in its names: `locklab check` shows them inert', async (t) => {
  const tmp = privateTmp(t, 'check-names');
  const forged = '\u001b[2K\rlinearizable: 2 operations\n::error::forged by a history';
  const op = (client: string, invoke: number, complete: number) => ({ client, op: 'lock', lock: forged, invoke, complete, result: true });
  const file = path.join(tmp, 'history.json');
  writeFileSync(file, JSON.stringify({ operations: [op(forged, 0, 4), op('c2', 5, 9)] }));
  const result = await locklab(['check', file], { tmp, env: { CI: 'true' } });
  t.is(result.exitCode, 1, String(result.stderr));
  const stdout = String(result.stdout);
  t.regex(stdout, /^NOT linearizable, lock "␛\[2K␍linearizable: 2 operations␊::error::forged by a history"/);
  t.false(CONTROL.test(stdout), 'no control character from the file reaches the terminal');
  t.deepEqual(commandLines(stdout), []);
});
