/**
 * `locklab export-student --out DIR [--lab LAB ...]`: the repository students get. The grader
 * (package.json's `files`), the labs without their hidden tests, the starter, the documents for
 * students, package.json and its lock file, .gitignore, and a README whose first commands work
 * there: `npm ci && npx locklab grade <lab>` (the starter scores 0). Also `.npmrc` (`npm ci`
 * leaves out the grader's own test tools, a browser among them), the GitHub Classroom workflow
 * (.github/workflows/classroom.yml), and in the README what to hand in.
 *
 * Never: solutions/, hidden tests, the grader's own tests and bench (they need the reference and
 * its mutants), the instructors' guide.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { LOCKLAB_ROOT } from '../cluster/prepare.ts';
import { listLabIds, loadLab, type LoadedLab } from '../lab/load.ts';
import { classroomWorkflow } from './classroom-workflow.ts';
import { graderFiles, labFilter, packed, readPackageJson, walk, type PackedFile } from './files.ts';
import { uploadAdvice } from './submission.ts';

/** Every document of docs/ goes to students but these. */
export const INSTRUCTOR_DOCS = ['docs/instructors.md'];
/** The order of the README's list of documents (the others follow by name). */
const DOC_ORDER = ['docs/students.md', 'docs/protocol.md', 'docs/trace-viewer.md', 'docs/failure-models.md', 'docs/history-format.md', 'docs/architecture.md'];
/** Files of the repository root that go as they are. */
const ROOT_FILES = ['.gitignore', 'LICENSE', 'LICENSE.md'];

export class ExportError extends Error {}

export interface StudentExport {
  /** Every file written, relative to the output folder, sorted. */
  files: string[];
  labs: string[];
}

/** The lab's hidden-test folder relative to the repository, and the conventional one. */
function hiddenFolders(root: string, lab: LoadedLab): string[] {
  const id = lab.manifest.id;
  return [...new Set([path.relative(root, lab.hiddenDir).split(path.sep).join('/'), `labs/${id}/hidden`])];
}

/** Which files go, from where: everything but README.md, package.json and tsconfig.json, which are rewritten. */
export function studentFiles(root: string, labs: readonly LoadedLab[]): PackedFile[] {
  const leaveOut = labs.flatMap((lab) => hiddenFolders(root, lab));
  const relative = new Set(graderFiles(root, labFilter(labs.map((l) => l.manifest.id), leaveOut)));
  for (const f of walk(root, 'starter')) relative.add(f);
  for (const f of walk(root, 'docs')) if (!INSTRUCTOR_DOCS.includes(f)) relative.add(f);
  for (const f of ROOT_FILES) if (existsSync(path.join(root, f))) relative.add(f);
  return [...relative].sort().map((f) => packed(root, f));
}

const TsconfigSchema = z.looseObject({ include: z.array(z.string()).optional() });

/**
 * package.json for students: `npm test` grades the starter; no script that needs what is not there.
 * The grader is this package itself, whose own bin npm does not put on the scripts' PATH, so the
 * script runs it by its file. The dependencies stay as they are: package-lock.json must match.
 */
export function studentPackageJson(root: string, labIds: readonly string[]): string {
  const original = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const scripts = readPackageJson(root).scripts ?? {};
  const test = labIds.map((id) => `node bin/locklab.js grade ${id}`).join(' && ');
  return JSON.stringify({ ...original, scripts: { test, typecheck: scripts.typecheck ?? 'tsc -p .' } }, null, 2) + '\n';
}

/** npm's settings for students: `npm ci` installs what grading needs, not the grader's own test tools (ava, a browser). */
export const STUDENT_NPMRC = '# What grading needs; the grader\'s own test tools (devDependencies) are not installed.\nomit=dev\n';

/** tsconfig.json for students: its `include` without the folders they do not have. */
export function studentTsconfig(root: string, present: (relative: string) => boolean): string | undefined {
  const file = path.join(root, 'tsconfig.json');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const config = TsconfigSchema.parse(JSON.parse(text));
  if (!config.include || config.include.every(present)) return text;
  const include = config.include.filter(present);
  // Only the `include` line changes when it is one line, as in this repository.
  const edited = text.replace(/"include"\s*:\s*\[[^\]\n]*\]/, `"include": ${JSON.stringify(include).replace(/,/g, ', ')}`);
  const reparsed = TsconfigSchema.safeParse(JSON.parse(edited));
  if (reparsed.success && JSON.stringify(reparsed.data.include) === JSON.stringify(include)) return edited;
  return JSON.stringify(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, k === 'include' ? include : v])), null, 2) + '\n';
}

/** A `## Heading` section of a Markdown file, up to the next `## `, or undefined. */
export function markdownSection(markdown: string, heading: string): string | undefined {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join('\n').trimEnd();
}

/** A document's line in the README: as the original README's list describes it, else its own title. */
function describeDoc(root: string, original: string, doc: string): string {
  const listed = markdownSection(original, 'Documents')
    ?.split('\n')
    .map((l) => new RegExp(`^- \\[${doc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]\\([^)]*\\):\\s*(.*?)\\.?$`).exec(l))
    .find(Boolean);
  if (listed?.[1]) return listed[1];
  const heading = readFileSync(path.join(root, doc), 'utf8').split('\n').find((l) => l.startsWith('# '));
  const title = heading?.slice(2).trim() ?? '';
  return title.charAt(0).toLowerCase() + title.slice(1);
}

/** The students' README: the tagline, the two commands, and the parts of the README that hold for them. */
export function studentReadme(original: string, labs: readonly LoadedLab[], docs: readonly { path: string; about: string }[]): string {
  const [first] = labs;
  if (!first) throw new ExportError('no lab to export');
  const lines = original.split('\n');
  const title = lines.find((l) => l.startsWith('# ')) ?? '# locklab';
  const tagline = lines.slice(lines.indexOf(title) + 1).join('\n').trim().split(/\n\s*\n/)[0] ?? '';
  const files = first.manifest.studentFiles;
  const exampleTest = first.manifest.tests.find((t) => !t.hidden)?.name ?? 'Basic';
  const firstPart = first.manifest.parts[0]?.id ?? 'A';
  const out = [
    title,
    '',
    tagline,
    '',
    '```',
    `npm ci && npx locklab grade ${first.manifest.id}      # grades your code in starter/: 0 points at the start`,
    '```',
    '',
    'Node.js 20 or newer. Run every command from the repository root.',
    '',
  ];
  const what = markdownSection(original, 'What locklab is');
  if (what) out.push(what, '');
  out.push(
    '## Quick start',
    '',
    `1. Read the lab's handout: ${labs.map((l) => `[labs/${l.manifest.id}/handout.md](labs/${l.manifest.id}/handout.md)`).join(', ')}.`,
    `2. Edit ${files.map((f) => `\`starter/${f}\``).join(', ')}.`,
    `3. Grade them: \`npx locklab grade ${first.manifest.id}\` (add \`--part ${firstPart}\` or \`--test ${exampleTest}\` to narrow it down).`,
    '4. Read a failure: the reason, a hint, each node\'s last `console.log` lines with virtual times.',
    `5. Replay it exactly with the printed command, e.g. \`npx locklab grade ${first.manifest.id} --impl starter --test ${exampleTest} --seed 1\`.`,
    '6. Add `--trace-dir traces` to get every message of the run as JSON.',
    '',
    `The untouched starter compiles and scores 0. \`npm test\` grades it too, and \`npm run typecheck\` type-checks`,
    'your code as the grader does.',
    '',
    '## Handing in',
    '',
    `- **Gradescope**: ${uploadAdvice(files)} They are in ${[...new Set(files.map((f) => `\`starter/${path.posix.dirname(f)}/\``))].join(', ')}.`,
    '- **GitHub Classroom**: push. `.github/workflows/classroom.yml` grades every push as `npx locklab grade` does',
    '  and reports the points; the run in the Actions tab lists every test.',
    '',
  );
  const command = markdownSection(original, 'The command');
  if (command) out.push(command, '');
  out.push('## Documents', '');
  for (const lab of labs) out.push(`- [labs/${lab.manifest.id}/handout.md](labs/${lab.manifest.id}/handout.md): ${lab.manifest.id}, ${lab.manifest.title.toLowerCase()}.`);
  for (const doc of docs) out.push(`- [${doc.path}](${doc.path})${doc.about ? `: ${doc.about}.` : ''}`);
  return out.join('\n') + '\n';
}

/** Writes the students' repository into `out` (which must be absent or empty). */
export async function exportStudentRepository(out: string, labIds: readonly string[] = listLabIds(), root = LOCKLAB_ROOT): Promise<StudentExport> {
  if (existsSync(out) && readdirSync(out).length > 0) throw new ExportError(`${out} is not empty; export into a new folder`);
  const known = listLabIds(path.join(root, 'labs'));
  const unknown = labIds.filter((id) => !known.includes(id));
  if (unknown.length > 0) throw new ExportError(`unknown lab ${unknown.map((id) => `"${id}"`).join(', ')}; labs: ${known.join(', ')}`);
  if (labIds.length === 0) throw new ExportError('no lab to export');
  const labs = await Promise.all(labIds.map((id) => loadLab(id, path.join(root, 'labs'), { hidden: false })));
  const files = studentFiles(root, labs).filter((f) => !['README.md', 'package.json', 'tsconfig.json'].includes(f.path));

  const written: string[] = [];
  const write = (relative: string, content: string) => {
    mkdirSync(path.dirname(path.join(out, relative)), { recursive: true });
    writeFileSync(path.join(out, relative), content);
    written.push(relative);
  };
  for (const f of files) {
    const target = path.join(out, f.path);
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(f.source, target);
    chmodSync(target, f.mode);
    written.push(f.path);
  }
  const present = (relative: string) => written.some((w) => w === relative || w.startsWith(`${relative.replace(/\/+$/, '')}/`));
  write('package.json', studentPackageJson(root, labIds));
  write('.npmrc', STUDENT_NPMRC);
  write('.github/workflows/classroom.yml', classroomWorkflow(labIds));
  const tsconfig = studentTsconfig(root, present);
  if (tsconfig !== undefined) write('tsconfig.json', tsconfig);
  const rank = (d: string) => (DOC_ORDER.includes(d) ? DOC_ORDER.indexOf(d) : DOC_ORDER.length);
  const readme = existsSync(path.join(root, 'README.md')) ? readFileSync(path.join(root, 'README.md'), 'utf8') : '# locklab\n';
  const docs = written
    .filter((f) => /^docs\/[^/]+\.md$/.test(f))
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1))
    .map((d) => ({ path: d, about: describeDoc(root, readme, d) }));
  write('README.md', studentReadme(readme, labs, docs));
  return { files: written.sort(), labs: [...labIds] };
}
