/**
 * The documents match the program:
 *  - every generated section (tables and figures from the lab manifests) is what its command
 *    gives now (`npx locklab docs` rewrites them);
 *  - every checked example (a `console` block after `<!-- checked: ... -->`) prints what the
 *    document shows, times aside, run where it says: this repository, or the repository students
 *    get (`locklab export-student`, without solutions and hidden tests).
 *
 * After a change to what locklab prints, `LOCKLAB_UPDATE_DOCS=1 npx ava grader/test/docs/docs.test.ts`
 * writes the new output into the documents, to be read over and committed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { staleDocuments } from '../../src/commands/docs.ts';
import { documents, findSections } from '../../src/docs/generated.ts';
import { exportStudentRepository } from '../../src/package/student.ts';
import { checkedBlocks, matches, normalise, shellWords, updated, type Where } from './checked-blocks.ts';

const UPDATE = process.env.LOCKLAB_UPDATE_DOCS === '1';
const hasJq = spawnSync('jq', ['--version']).status === 0;

/**
 * Implementations the examples grade, by the folder name the documents give them. Each is the
 * reference with an edit that the document describes in words.
 */
const FIXTURES: Record<string, () => string> = {
  // docs/students.md, the edit-grade loop: the starter, its Clerk returning the reply instead of the reply's `ok`.
  mywork: () =>
    copyWith('starter', 'mywork', 'lockservice/client.ts', (source) => source.replace('return result.ok ? result.reply.ok : false;', 'return result.ok ? result.reply : false;')),
  // docs/students.md, "Reading a failure": no at-most-once check, and a console.log in the request handler.
  '/tmp/broken': () =>
    copyWith('solutions', 'broken', 'lockservice/server.ts', (source) =>
      source
        .replace('    if (last && args.seq === last.seq) return { ok: last.ok, fresh: false };\n', '')
        .replace('    if (last && args.seq < last.seq) return { ok: false, fresh: false };\n', '')
        .replace(
          '    const { ok, fresh } = this.execute(op, args);\n',
          '    const { ok, fresh } = this.execute(op, args);\n    console.log(`${op}(${args.name}) from ${args.clientId} #${args.seq} -> ${ok}`);\n',
        ),
    ),
};

/** A copy of `base` (starter/ or solutions/) with one file edited; the edit must change something. */
function copyWith(base: string, name: string, file: string, edit: (source: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `locklab-docs-${name}-`));
  cpSync(path.join(LOCKLAB_ROOT, base), dir, { recursive: true });
  const before = readFileSync(path.join(dir, file), 'utf8');
  const after = edit(before);
  if (after === before) throw new Error(`fixture ${name}: the edit changed nothing in ${base}/${file}`);
  writeFileSync(path.join(dir, file), after);
  return dir;
}

test('generated sections are what the lab manifests give (`npx locklab docs` rewrites them)', async (t) => {
  const stale = await staleDocuments();
  if (UPDATE) for (const s of stale) writeFileSync(path.join(LOCKLAB_ROOT, s.file), s.wanted);
  t.deepEqual(UPDATE ? [] : stale.map((s) => s.file), [], 'out of date: run `npx locklab docs`');
  const sections = documents(LOCKLAB_ROOT).flatMap((f) => findSections(readFileSync(path.join(LOCKLAB_ROOT, f), 'utf8')));
  t.true(sections.length >= 5, 'the handout\'s tables, the README\'s and the students\' guide\'s figures');
});

/** A folder laid out as the repository students get, with this repository's node_modules. */
async function studentsRepository(t: { teardown: (f: () => void) => void }): Promise<string> {
  const parent = mkdtempSync(path.join(tmpdir(), 'locklab-docs-'));
  t.teardown(() => rmSync(parent, { recursive: true, force: true }));
  const root = path.join(parent, 'lab1-students');
  await exportStudentRepository(root, ['lab1']);
  symlinkSync(path.join(LOCKLAB_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

/** Runs one documented command in `root`; the fixtures' real folders are shown by their documented names. */
async function run(command: string, root: string, fixtures: Map<string, string>): Promise<string[]> {
  let words = shellWords(command).map((w) => fixtures.get(w) ?? w);
  if (words[0] === 'npx' && words[1] === 'locklab') words = [process.execPath, path.join(root, 'bin/locklab.js'), ...words.slice(2)];
  else if (words[0] !== 'jq') throw new Error(`a checked example runs \`npx locklab ...\` or \`jq ...\`, not: ${command}`);
  const result = await execa(words[0]!, words.slice(1), {
    cwd: root,
    reject: false,
    all: true,
    env: { NO_COLOR: '1', FORCE_COLOR: undefined, CI: undefined, GITHUB_ACTIONS: undefined, FORCE_HYPERLINK: undefined },
  });
  let out = String(result.all ?? '');
  for (const [name, real] of fixtures) out = out.split(real).join(name);
  return out.replace(/\n+$/, '').split('\n');
}

const withExamples = documents(LOCKLAB_ROOT).filter((f) => checkedBlocks(readFileSync(path.join(LOCKLAB_ROOT, f), 'utf8')).length > 0);

test('some documents have checked examples', (t) => {
  t.true(withExamples.includes('labs/lab1/handout.md'));
  t.true(withExamples.includes('docs/students.md'));
  t.true(withExamples.includes('README.md'));
});

for (const file of withExamples) {
  test(`${file}: its examples print what it shows`, async (t) => {
    t.timeout(600_000, 'a document may grade a whole lab');
    const text = readFileSync(path.join(LOCKLAB_ROOT, file), 'utf8');
    const blocks = checkedBlocks(text);
    const roots = new Map<Where, string>();
    const rootFor = async (where: Where) => {
      if (!roots.has(where)) roots.set(where, where === 'this repository' ? LOCKLAB_ROOT : await studentsRepository(t));
      return roots.get(where)!;
    };
    const fixtures = new Map<string, string>();
    const replacements: { start: number; end: number; body: string }[] = [];
    for (const block of blocks) {
      const root = await rootFor(block.where);
      const body: string[] = [];
      for (const { command, expected } of block.commands) {
        if (command.startsWith('jq ') && !hasJq) {
          t.log(`${file}:${block.line}: no jq on this machine, not checked: ${command}`);
          body.push(`$ ${command}`, ...expected);
          continue;
        }
        for (const [name, make] of Object.entries(FIXTURES)) if (command.includes(name) && !fixtures.has(name)) fixtures.set(name, make());
        const actual = await run(command, root, fixtures);
        body.push(`$ ${command}`, ...(UPDATE ? updated(expected, actual) : expected));
        if (!UPDATE) {
          t.true(matches(expected, actual), `${file}:${block.line}: \`${command}\` prints something else (times aside):\n${actual.map(normalise).join('\n')}`);
        }
      }
      replacements.push({ start: block.start, end: block.end, body: `${body.join('\n')}\n` });
    }
    for (const real of fixtures.values()) rmSync(real, { recursive: true, force: true });
    if (UPDATE) {
      let out = text;
      for (const r of replacements.reverse()) out = out.slice(0, r.start) + r.body + out.slice(r.end);
      if (out !== text) writeFileSync(path.join(LOCKLAB_ROOT, file), out);
      t.pass();
    }
  });
}

test('checked blocks: commands, their output, elisions and the one normalisation (times)', (t) => {
  const doc = 'x\n<!-- checked: this repository -->\n```console\n$ npx locklab list\nA 0.88s\n...\nZ\n$ jq -c \'.a | .b\' f.json\n{}\n```\n';
  const [block] = checkedBlocks(doc);
  t.is(block!.where, 'this repository');
  t.deepEqual(block!.commands, [
    { command: 'npx locklab list', expected: ['A 0.88s', '...', 'Z'] },
    { command: "jq -c '.a | .b' f.json", expected: ['{}'] },
  ]);
  t.is(doc.slice(block!.start, block!.end), "$ npx locklab list\nA 0.88s\n...\nZ\n$ jq -c '.a | .b' f.json\n{}\n");
  t.true(matches(['A 0.88s', '...', 'Z'], ['A 12.34s', 'B', 'C', 'Z']));
  t.true(matches(['A 0.88s', '...', 'Z'], ['A 1.00s', 'Z']));
  t.false(matches(['A 0.88s', '...', 'Z'], ['A 1.00s', 'Y']));
  t.false(matches(['[35 ms] x'], ['[36 ms] x']), 'virtual times are part of the output');
  t.deepEqual(updated(['a', '...', 'z'], ['1', '2', '3', '4']), ['1', '...', '4']);
  t.deepEqual(shellWords("jq -c '.events[] | select(.t >= 35)' traces/x.json"), ['jq', '-c', '.events[] | select(.t >= 35)', 'traces/x.json']);
});
