/**
 * `.github/workflows/grade-class.yml`, checked against what GitHub does (only GitHub's runners can
 * run it; these are their documented rules):
 *
 * - a re-run of a job ("Re-run failed jobs") starts on a fresh runner, while the artifacts of the
 *   run's earlier attempts stay with the run;
 * - an artifact cannot be changed once uploaded: a second upload of the same name fails (409
 *   Conflict) unless it sets `overwrite: true` (actions/upload-artifact, "Overwriting an Artifact");
 * - download-artifact with a `pattern` that matches nothing downloads nothing; with
 *   `merge-multiple` the files land in `path` itself (actions/download-artifact's source).
 *
 * The shard job's steps are played as two attempts on two fresh folders, with an artifact store
 * that follows those rules: the first attempt is stopped after one student (as a timeout stops
 * it), its grades are uploaded, the second attempt restores them, grades only the rest, and
 * uploads again; then the merge job's step joins the result.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { parse } from 'yaml';
import { GradebookSchema } from '../../src/batch/gradebook.ts';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string | boolean | number>;
  'timeout-minutes'?: number;
}
interface Job {
  steps: Step[];
  'timeout-minutes'?: number;
}

const workflow = parse(readFileSync(path.join(LOCKLAB_ROOT, '.github/workflows/grade-class.yml'), 'utf8')) as { jobs: Record<string, Job> };
const { grade: gradeJob, merge: mergeJob } = workflow.jobs as { grade: Job; merge: Job };
const stepOf = (job: Job, match: (s: Step) => boolean, what: string) => {
  const step = job.steps.find(match);
  if (!step) throw new Error(`no ${what} step`);
  return step;
};
const restoreStep = stepOf(gradeJob, (s) => s.uses?.startsWith('actions/download-artifact@') === true, 'restore');
const gradeStep = stepOf(gradeJob, (s) => s.name === 'Grade', 'Grade');
const uploadStep = stepOf(gradeJob, (s) => s.uses?.startsWith('actions/upload-artifact@') === true, 'upload');
const mergeStep = stepOf(mergeJob, (s) => s.name === 'Merge', 'Merge');

/** `${{ a.b }}` replaced from `context` (the expressions these steps use are plain names). */
function expand(text: string, context: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => {
    if (!(name in context)) throw new Error(`no value for ${name} in ${text}`);
    return context[name]!;
  });
}

/** The artifacts of one workflow run, across its attempts, as GitHub keeps them. */
class ArtifactStore {
  private readonly artifacts = new Map<string, string>();
  constructor(private readonly dir: string) {}

  upload(name: string, from: string, overwrite: boolean): void {
    if (this.artifacts.has(name) && !overwrite) throw new Error(`Failed to CreateArtifact: (409) Conflict: an artifact with this name already exists on the workflow run (${name})`);
    if (!existsSync(from)) throw new Error(`no files found at ${from}`);
    const stored = path.join(this.dir, `${name}-${this.artifacts.size}-${Date.now()}`);
    // Hidden files are left out by default.
    cpSync(from, stored, { recursive: true, filter: (src) => !path.basename(src).startsWith('.') || src === from });
    this.artifacts.set(name, stored);
  }

  /** By pattern: nothing when nothing matches; into `to` itself with mergeMultiple, else into `to/<name>/` (v4). */
  download(pattern: string, to: string, mergeMultiple: boolean): string[] {
    const matcher = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const names = [...this.artifacts.keys()].filter((n) => matcher.test(n)).sort();
    for (const name of names) cpSync(this.artifacts.get(name)!, mergeMultiple ? to : path.join(to, name), { recursive: true });
    return names;
  }
}

/** A fresh runner's checkout: the repository (linked, with its node_modules) and the class's submissions. */
function freshRunner(root: string, name: string, submissions: string): string {
  const dir = path.join(root, name);
  mkdirSync(dir);
  for (const entry of ['package.json', 'node_modules', 'bin', 'grader', 'labs', 'starter', 'tsconfig.json']) symlinkSync(path.join(LOCKLAB_ROOT, entry), path.join(dir, entry));
  cpSync(submissions, path.join(dir, 'submissions', 'lab1'), { recursive: true });
  return dir;
}

test('every artifact upload replaces an earlier attempt\'s; the shard restores its own grades before grading, into the folder it grades into', (t) => {
  for (const job of Object.values(workflow.jobs)) {
    for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@'))) t.is(step.with?.overwrite, true, `${step.name ?? step.uses}: overwrite`);
  }
  const steps = gradeJob.steps;
  t.true(steps.indexOf(restoreStep) < steps.indexOf(gradeStep) && steps.indexOf(gradeStep) < steps.indexOf(uploadStep), 'restore, grade, upload');
  t.is(restoreStep.with?.pattern, uploadStep.with?.name, 'it restores what it uploads');
  t.is(restoreStep.with?.path, uploadStep.with?.path);
  t.is(restoreStep.with?.['merge-multiple'], true, 'files land in the path itself, whatever the version');
  t.true(gradeStep.run!.includes(`--out "${String(uploadStep.with?.path)}"`), 'the batch writes where the upload reads');
  t.regex(uploadStep.if ?? '', /always\(\)/, 'uploaded also when the grading failed or ran out of time');
  t.true((gradeStep['timeout-minutes'] ?? Infinity) < (gradeJob['timeout-minutes'] ?? 360), 'the grading stops before the job does, so the upload runs');
  t.notRegex(readFileSync(path.join(LOCKLAB_ROOT, '.github/workflows/grade-class.yml'), 'utf8'), /re-run of this job grades only what is missing/);
});

test('a failed shard, re-run: the second attempt restores the first one\'s grades, grades only the rest, and its upload succeeds; the merge joins them', async (t) => {
  t.timeout(600_000);
  const root = mkdtempSync(path.join(tmpdir(), 'locklab-workflow-'));
  try {
    // s1 lacks files (graded at once); s2 and s3 do not compile (a type-check each).
    const submissions = path.join(root, 'class');
    mkdirSync(path.join(submissions, 's1', 'lockservice'), { recursive: true });
    writeFileSync(path.join(submissions, 's1', 'lockservice', 'server.ts'), '// only this\n');
    for (const s of ['s2', 's3']) {
      cpSync(path.join(LOCKLAB_ROOT, 'starter'), path.join(submissions, s), { recursive: true });
      writeFileSync(path.join(submissions, s, 'lockservice', 'common.ts'), 'export const = ;\n', { flag: 'a' });
    }
    const store = new ArtifactStore(mkdtempSync(path.join(root, 'store-')));
    const context = { 'matrix.shard': '1', 'needs.plan.outputs.count': '1', 'inputs.lab': 'lab1', 'inputs.submissions': 'submissions/lab1', 'inputs.seeds': '', 'inputs.jobs': '1' };
    const env = Object.fromEntries(Object.entries(gradeStep.env ?? {}).map(([k, v]) => [k, expand(v, context)]));
    const out = expand(String(uploadStep.with!.path), context);
    const artifact = expand(String(uploadStep.with!.name), context);
    const runGrade = (cwd: string) => execa('bash', ['-e', '-c', expand(gradeStep.run!, context)], { cwd, env: { ...env, CI: 'true', NO_COLOR: '1' }, reject: false, detached: true });

    // Attempt 1: stopped (as by its time limit) once the first student is graded; the upload runs anyway.
    const first = freshRunner(root, 'attempt-1', submissions);
    const running = runGrade(first);
    while (!existsSync(path.join(first, out, 'students', 's1', 'results.json')) && running.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    process.kill(-running.pid!, 'SIGTERM');
    await running;
    t.true(existsSync(path.join(first, out, 'students', 's1', 'results.json')));
    store.upload(artifact, path.join(first, out), uploadStep.with!.overwrite === true);

    // Attempt 2, on a fresh runner: restore, grade, upload.
    const second = freshRunner(root, 'attempt-2', submissions);
    t.regex(restoreStep.if ?? '', /github\.run_attempt != '1'/, 'restores on a re-run');
    t.deepEqual(store.download(expand(String(restoreStep.with!.pattern), context), path.join(second, expand(String(restoreStep.with!.path), context)), restoreStep.with!['merge-multiple'] === true), [artifact]);
    const graded = await runGrade(second);
    t.is(graded.exitCode, 0, String(graded.stderr));
    t.regex(String(graded.stdout), /3 submission\(s\), [12] to grade; [12] already graded/);
    t.notRegex(String(graded.stdout), /\] s1 /, 's1 was graded by the first attempt');
    t.notThrows(() => store.upload(artifact, path.join(second, out), uploadStep.with!.overwrite === true), 'the re-run\'s upload replaces the first one\'s');

    // The merge job, on its own runner.
    const merger = freshRunner(root, 'merge', submissions);
    store.download(String(stepOf(mergeJob, (s) => s.uses?.startsWith('actions/download-artifact@') === true, 'download').with!.pattern), path.join(merger, 'shards'), false);
    const merged = await execa('bash', ['-e', '-c', mergeStep.run!], { cwd: merger, reject: false, env: { NO_COLOR: '1' } });
    t.is(merged.exitCode, 0, String(merged.stderr));
    const book = GradebookSchema.parse(JSON.parse(readFileSync(path.join(merger, 'gradebook', 'gradebook.json'), 'utf8')));
    t.deepEqual(book.students.map((r) => [r.student, r.status]), [['s1', 'missing_files'], ['s2', 'compile_error'], ['s3', 'compile_error']]);
    t.deepEqual(readdirSync(path.join(merger, 'gradebook')).sort(), ['gradebook.csv', 'gradebook.json', 'students']);
    t.deepEqual(readdirSync(path.join(merger, 'gradebook', 'students')).sort(), ['s1', 's2', 's3']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
