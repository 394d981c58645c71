// Hostile submissions that go after the grading machine's files at bundle time, when esbuild
// and tsc read what the student's imports name: the hidden tests through a computed import
// (a glob for esbuild) loaded as text, a classmate's files through a path with node_modules
// in it, and whether a file exists at all. None may reach a bundle, a compiler message or a log.
import test from 'ava';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { loadLab } from '../../src/lab/load.ts';
import { grade } from '../../src/score/grade.ts';
import { runsOf } from '../support/grading.ts';
import { CLIENT, SERVER, assertContained, gradeTests, inLock, submission, watchOutside } from './fixtures.ts';

/** A folder as an import path from where a student file is staged: <tmp>/locklab-lab1-XXXXXX/stage/lockservice/. */
const fromStage = (target: string) => path.relative(path.join(tmpdir(), 'locklab-lab1-x', 'stage', 'lockservice'), target);
const HIDDEN = path.join(LOCKLAB_ROOT, 'labs/lab1/hidden');
const COMPUTED = /^error: an import\(\) or require\(\) whose path is computed .* Import each module by its name$/;

/** Everything a grading showed: compiler messages, or every run's message and log lines. */
function everythingShown(outcome: Awaited<ReturnType<typeof gradeTests>>): string {
  if (outcome.kind === 'compile_error') return outcome.details.join('\n');
  return runsOf(outcome)
    .flatMap((r) => [r.message ?? '', ...Object.values(r.logs).flat(), ...r.trace.events.map((e) => (e.kind === 'log' ? e.text : ''))])
    .join('\n');
}

test.serial('a computed import loaded as text cannot print the hidden tests: the submission does not compile, and nothing of them is shown', async (t) => {
  const outside = watchOutside();
  // esbuild reads a template literal in import() as a glob (`<hidden>/*.ts`) and, with the text
  // attribute, bundles every matching file as a string; the same with a string concatenation in require().
  const variants = {
    'glob-text': inLock(`void import(\`${fromStage(HIDDEN)}/\${name.length > 99 ? 'x' : 'resend-storm'}.ts\`, { with: { type: 'text' } }).then((m) => console.log('LEAK ' + String(m.default)));`),
    'concat-require': inLock(`console.log('LEAK ' + String(require('${fromStage(HIDDEN)}/' + (name.length > 99 ? 'x' : 'resend-storm.ts'))));`, 'declare const require: (id: string) => unknown;\n'),
    'glob-inside': inLock(`void import(\`./\${name.length > 99 ? 'x' : 'common'}.ts\`);`),
  };
  for (const [name, edit] of Object.entries(variants)) {
    const outcome = await gradeTests(submission(t, name, { [SERVER]: edit }), ['Basic']);
    const shown = everythingShown(outcome);
    t.notRegex(shown, /ResendStorm|defineTest|resend-storm/, `${name}: nothing of the hidden tests is shown`);
    t.is(outcome.kind, 'compile_error', name);
    if (outcome.kind === 'compile_error') t.deepEqual(outcome.details.filter((d) => COMPUTED.test(d)).length, 1, `${name}: ${outcome.details.join('\n')}`);
    t.is(outcome.summary.points, 0);
  }
  assertContained(t, outside);
});

test.serial('import attributes load a file as data: refused, even for the student\'s own file', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'attribute-text', { [SERVER]: (s) => `import ownSource from './server.ts' with { type: 'text' };\nvoid ownSource;\n${s}` });
  const outcome = await gradeTests(impl, ['Basic']);
  t.is(outcome.kind, 'compile_error');
  if (outcome.kind === 'compile_error') {
    t.regex(outcome.details.join('\n'), /lockservice\/server\.ts\(1,\d+\): error: "\.\/server\.ts" is imported with import attributes \(with \{ type: \.\.\. \}\), which load a file as data: a submission imports code only/);
  }
  assertContained(t, outside);
});

test.serial('Node\'s modules a node has no use for (dns, vm, repl, trace_events, inspector): refused at bundle time', async (t) => {
  const outside = watchOutside();
  const impl = submission(t, 'unavailable-builtins', {
    [SERVER]: (s) => `import { Resolver } from 'node:dns';\nimport vm from 'vm';\nimport { createTracing } from 'node:trace_events';\nvoid Resolver; void vm; void createTracing;\n${s}`,
  });
  const outcome = await gradeTests(impl, ['Basic']);
  t.is(outcome.kind, 'compile_error');
  if (outcome.kind === 'compile_error') {
    const details = outcome.details.join('\n');
    for (const name of ['node:dns', 'vm', 'node:trace_events']) t.regex(details, new RegExp(`lockservice/server\\.ts\\(\\d+,\\d+\\): error: "${name}" is not available to a node`), name);
  }
  assertContained(t, outside);
});

test.serial('a classmate\'s files under a path with node_modules in it: outside the implementation, refused', async (t) => {
  const outside = watchOutside();
  // As in a batch whose submissions folder holds a student named node_modules, or lies under one.
  const classDir = mkdtempSync(path.join(tmpdir(), 'locklab-fixture-classmates-'));
  t.teardown(() => rmSync(classDir, { recursive: true, force: true }));
  const classmate = path.join(classDir, 'node_modules', 'bob');
  cpSync(path.join(LOCKLAB_ROOT, 'solutions'), classmate, { recursive: true });
  const impl = submission(t, 'classmate', {
    [SERVER]: `export { LockServer, type Role } from '${path.join(classmate, 'lockservice/server.ts')}';\n`,
    [CLIENT]: `export { Clerk } from '${fromStage(path.join(classmate, 'lockservice/client.ts'))}';\n`,
  });
  const outcome = await gradeTests(impl, ['Basic', 'PrimaryFail2']);
  t.is(outcome.kind, 'compile_error');
  if (outcome.kind === 'compile_error') {
    const details = outcome.details.join('\n');
    t.regex(details, /lockservice\/server\.ts\(1,\d+\): error: ".*node_modules\/bob\/lockservice\/server\.ts" is outside the implementation/);
    t.regex(details, /lockservice\/client\.ts\(1,\d+\): error: "(\.\.\/)+.*node_modules\/bob\/lockservice\/client\.ts" is outside the implementation/);
  }
  t.is(outcome.summary.points, 0);
  assertContained(t, outside);
});

test.serial('whether a file outside the implementation exists is never told: the same messages for a file that exists and one that does not', async (t) => {
  const lab = await loadLab('lab1');
  const existing = path.join(LOCKLAB_ROOT, 'solutions/lockservice/server.ts');
  const missing = path.join(LOCKLAB_ROOT, 'solutions/lockservice/no-such-file.ts');
  /** The compiler's messages for an implementation importing `target` in every way, with the path blanked out. */
  async function messagesFor(target: string, name: string): Promise<string[]> {
    const header = [
      `import type { LockServer as Probe } from '${target}';`,
      `export type Probed = Probe | typeof import('${fromStage(target)}');`,
      `/// <reference path="${target}" />`,
      `export const probe = () => import(\`${fromStage(path.dirname(target))}/\${String(Math.random())}\`);`,
    ].join('\n');
    const impl = submission(t, name, { [SERVER]: (s) => `${header}\n${s}` });
    const outcome = await grade({ lab, impl, tests: lab.manifest.tests.filter((x) => x.name === 'Basic'), seeds: [1], jobs: 1, typecheck: true });
    const details = outcome.kind === 'compile_error' ? outcome.details : ['compiled'];
    return details.map((d) => d.split(impl).join('<impl>').split(target).join('<target>').split(fromStage(target)).join('<target>'));
  }
  const [forExisting, forMissing] = [await messagesFor(existing, 'probe-existing'), await messagesFor(missing, 'probe-missing')];
  t.deepEqual(forExisting, forMissing);
  t.true(forExisting.length > 0 && forExisting[0] !== 'compiled', forExisting.join('\n'));
});
