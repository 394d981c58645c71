/**
 * Grading a whole class: every submission graded in isolation (its own `grade()`, its own
 * staging folder, its own results file), a few at a time, resumable, and never stopped by one
 * submission: one that does not unpack, lacks files, does not compile or crashes the grader
 * gets its score (0, or what it earned) and the reason.
 *
 * Layout of the output folder (a student's name never names anything but their own folder, so no
 * name can stand in for the gradebook's files or another student's):
 *   <out>/gradebook.json, .csv                 rebuilt from the results files after every student
 *   <out>/students/<folder>/results.json       Gradescope's format; written once, atomically, when done
 *   <out>/students/<folder>/submission/        an archive's lab files, as graded (what replay commands name)
 * where <folder> is the student's name when it is plain, else a plain form and a digest
 * (`studentFolder`). What is shown of a name (progress lines, the CSV) is made inert.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertImplementation, ImplementationNotFound, LOCKLAB_ROOT } from '../cluster/prepare.ts';
import type { LoadedLab } from '../lab/load.ts';
import type { GradedTest, Limits } from '../lab/manifest.ts';
import { GradescopeResultsSchema, gradescopeTest, writeGradescopeResults, type GradescopeResults, type GradescopeTest } from '../report/gradescope.ts';
import { grade, replayCommand } from '../score/grade.ts';
import { round, scoreTest } from '../score/scorer.ts';
import { inertLine } from '../text/untrusted.ts';
import { ArchiveError, unpackArchive } from './archive.ts';
import { gradebook, gradebookShape, rowOf, writeGradebook, type Gradebook, type GradebookRow, type GradebookShape, type Status } from './gradebook.ts';
import { ambiguousText, locateStudentFiles, missingText, readStarter, type StarterContents } from '../package/submission.ts';
import { fingerprint, shardOf, studentFolder, type Shard, type Submission } from './submissions.ts';

export interface BatchRequest {
  lab: LoadedLab;
  /** Sorted, all of the class (the shard is taken here). */
  submissions: Submission[];
  /** The output folder, as the user wrote it (it appears in replay commands). */
  out: string;
  tests: GradedTest[];
  seeds: number[];
  /** Submissions graded at a time (each runs one test run at a time). */
  jobs: number;
  typecheck: boolean;
  /** Grade again what is already graded. */
  force: boolean;
  shard?: Shard;
  /** Runs at a time inside one submission's grading (default 1). */
  runsPerSubmission?: number;
  /** Overrides of the lab's limits (e.g. a shorter compile time in the grader's own tests). */
  limits?: Partial<Limits>;
  /** Told what happens, for the progress display. */
  events?: BatchEvents;
}

/** What a batch tells as it goes; every name and reason in it is inert (`text/untrusted.ts`). */
export interface BatchEvents {
  start?(info: { total: number; toGrade: number; skipped: string[] }): void;
  begin?(student: string): void;
  done?(outcome: StudentOutcome): void;
}

/** Where a student's results live in a batch's output folder. */
export function studentDir(out: string, student: string): string {
  return path.join(out, 'students', studentFolder(student));
}

export interface StudentOutcome {
  student: string;
  status: Exclude<Status, 'pending'>;
  reason: string;
  score: number;
  maxScore: number;
  wallMs: number;
  resultsFile: string;
}

export interface BatchReport {
  graded: StudentOutcome[];
  skipped: string[];
  gradebook: Gradebook;
  files: { json: string; csv: string };
}

type BatchInfo = NonNullable<NonNullable<GradescopeResults['extra_data']>['batch']>;

/** The results file of a student, if it is complete and graded what this batch grades, from the same submission. */
export function finishedResults(file: string, lab: string, seeds: readonly number[], tests: readonly string[], print?: string): GradescopeResults | undefined {
  if (!existsSync(file)) return undefined;
  let parsed;
  try {
    parsed = GradescopeResultsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
  if (!parsed.success) return undefined;
  const extra = parsed.data.extra_data;
  const batch = extra?.batch;
  if (!extra?.complete || extra.lab !== lab || !batch) return undefined;
  if (batch.seeds.join(',') !== seeds.join(',') || batch.tests.join(',') !== tests.join(',')) return undefined;
  if (print !== undefined && batch.fingerprint !== print) return undefined;
  return parsed.data;
}

/** A submission whose lab files cannot be graded as they are: missing, or in several different copies. */
class SubmissionFilesError extends Error {
  constructor(
    readonly status: 'missing_files' | 'ambiguous_files',
    message: string,
  ) {
    super(message);
  }
}

export async function runBatch(request: BatchRequest): Promise<BatchReport> {
  const { lab, out } = request;
  // An unchanged copy of the starter in a repository is set aside when the student's own copy is there too.
  const starter = readStarter(LOCKLAB_ROOT, lab.manifest.studentFiles);
  const mine = shardOf(request.submissions, request.shard);
  const shape = gradebookShape(lab.manifest, request.tests, request.seeds);
  const testNames = request.tests.map((t) => t.name);
  mkdirSync(out, { recursive: true });
  const resultsFile = (student: string) => path.join(studentDir(out, student), 'results.json');

  // Resume: what a previous batch finished (same lab, tests, seeds and submission) is kept.
  const rows = new Map<string, GradebookRow>();
  const todo: { submission: Submission; print: string | undefined }[] = [];
  const skipped: string[] = [];
  for (const submission of mine) {
    let print: string | undefined;
    try {
      print = fingerprint(submission, lab.manifest.studentFiles, starter);
    } catch {
      print = undefined; // unreadable: graded (and explained) below
    }
    const previous = request.force || print === undefined || submission.twin ? undefined : finishedResults(resultsFile(submission.student), lab.manifest.id, request.seeds, testNames, print);
    if (previous && previous.extra_data?.batch?.status !== 'error') {
      skipped.push(submission.student);
      rows.set(submission.student, rowOf(submission.student, shape, previous));
    } else {
      todo.push({ submission, print });
      rows.set(submission.student, rowOf(submission.student, shape, undefined));
    }
  }
  const rebuild = () => {
    const book = gradebook(shape, mine.map((s) => rows.get(s.student)!), request.shard);
    return { book, files: writeGradebook(out, book) };
  };
  rebuild();
  request.events?.start?.({ total: mine.length, toGrade: todo.length, skipped: skipped.map(inertLine) });

  const graded: StudentOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const { submission, print } = todo[next++]!;
      request.events?.begin?.(inertLine(submission.student));
      let outcome: StudentOutcome;
      try {
        outcome = await gradeSubmission(request, shape, submission, print ?? 'unreadable', starter);
      } catch (err) {
        // Even writing this student's results failed: the row says so, and the class goes on.
        const reason = `the grader failed on this submission: ${oneLine(err instanceof Error ? err.message : String(err))}`;
        outcome = { student: submission.student, status: 'error', reason, score: 0, maxScore: shape.max_score, wallMs: 0, resultsFile: resultsFile(submission.student) };
      }
      graded.push(outcome);
      const results = finishedResults(outcome.resultsFile, lab.manifest.id, request.seeds, testNames);
      rows.set(submission.student, results ? rowOf(submission.student, shape, results) : { ...rowOf(submission.student, shape, undefined), status: outcome.status, reason: outcome.reason });
      rebuild();
      request.events?.done?.({ ...outcome, student: inertLine(outcome.student), reason: inertLine(outcome.reason) });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(request.jobs, todo.length)) }, worker));
  const { book, files } = rebuild();
  return { graded, skipped, gradebook: book, files };
}

/** Grades one submission and writes its results file; never throws for anything the submission does. */
async function gradeSubmission(request: BatchRequest, shape: GradebookShape, submission: Submission, print: string, starter: StarterContents | undefined): Promise<StudentOutcome> {
  const started = performance.now();
  const { lab, tests, seeds } = request;
  const folder = studentDir(request.out, submission.student);
  const file = path.join(folder, 'results.json');
  mkdirSync(folder, { recursive: true });
  // What a killed batch may have left mid-write (the results file itself is only ever renamed into place).
  for (const entry of readdirSync(folder)) if (/^results\.json\.\d+\.tmp$/.test(entry)) rmSync(path.join(folder, entry), { force: true });
  const graded: GradescopeTest[] = [];
  let status: StudentOutcome['status'] = 'graded';
  let reason = '';
  let output: string | undefined;
  let impl = submission.path;
  let unpacked: string | undefined;
  const replay = (test: string, seed: number) => replayCommand(lab.manifest.id, impl, test, seed);
  /** Every test not graded yet scores 0, with why. */
  const notRun = (why: string) => {
    for (const test of tests.slice(graded.length)) {
      const score = scoreTest(test, seeds.map((seed) => ({ seed, passed: false })), lab.manifest);
      graded.push({ ...gradescopeTest(score, [], replay), output: `${test.description}\nNot run: ${why}` });
    }
  };
  try {
    if (submission.twin) {
      const names = [submission.path, submission.twin].map((p) => path.basename(p)).sort();
      throw new DuplicateSubmission(`two submissions for this student (${names.join(' and ')}); keep one and run the batch again`);
    }
    let root = submission.path;
    if (submission.kind === 'archive') {
      root = unpacked = mkdtempSync(path.join(tmpdir(), 'locklab-submission-'));
      unpackArchive(submission.path, unpacked);
    }
    // The same search as Gradescope's runner: in their folders, flat, or anywhere inside.
    const located = locateStudentFiles(root, lab.manifest.studentFiles, starter);
    if (located.kind === 'ambiguous') throw new SubmissionFilesError('ambiguous_files', ambiguousText(located.candidates));
    if (submission.kind === 'folder' && (located.kind === 'missing' || located.folder)) {
      impl = located.kind === 'found' ? located.folder! : submission.path; // graded in place
    } else {
      // The lab's files, as graded, are kept next to the results: replay commands name them.
      impl = path.join(folder, 'submission');
      rmSync(impl, { recursive: true, force: true });
      for (const [f, from] of Object.entries(located.files)) {
        mkdirSync(path.dirname(path.join(impl, f)), { recursive: true });
        cpSync(from, path.join(impl, f));
      }
    }
    if (located.kind === 'missing') throw new SubmissionFilesError('missing_files', missingText(impl, lab.manifest, located.missing));
    assertImplementation(lab.manifest, impl);
    const outcome = await grade({
      lab,
      impl,
      tests,
      seeds,
      jobs: request.runsPerSubmission ?? 1,
      typecheck: request.typecheck,
      ...(request.limits ? { limits: request.limits } : {}),
      onTestDone(score, runs) {
        graded.push(gradescopeTest(score, runs, replay, lab.manifest.id));
      },
    });
    if (outcome.kind === 'compile_error') {
      status = 'compile_error';
      reason = `does not compile: ${oneLine(outcome.details[0] ?? 'the compiler gave no message')}`;
      output = `The implementation does not compile; every test scores 0.\n${outcome.details.slice(0, 30).join('\n')}`;
      for (const score of outcome.summary.tests) graded.push(gradescopeTest(score, [], replay));
    } else {
      const lost = outcome.summary.tests.filter((t) => !t.passed);
      reason = lost.length === 0 ? '' : `failed ${lost.map((t) => `${t.name} (seed${t.failingSeeds.length > 1 ? 's' : ''} ${t.failingSeeds.join(' ')})`).join(', ')}`;
    }
  } catch (err) {
    if (err instanceof DuplicateSubmission) {
      status = 'duplicate';
      reason = err.message;
    } else if (err instanceof SubmissionFilesError) {
      status = err.status;
      reason = oneLine(err.message);
    } else if (err instanceof ArchiveError) {
      status = 'bad_archive';
      reason = `cannot unpack ${path.basename(submission.path)}: ${oneLine(err.message)}`;
    } else if (err instanceof ImplementationNotFound) {
      status = 'missing_files';
      reason = oneLine(err.message);
    } else {
      status = 'error';
      reason = `the grader failed on this submission: ${oneLine(err instanceof Error ? err.message : String(err))}`;
    }
    output = reason;
    notRun(reason);
  } finally {
    if (unpacked) rmSync(unpacked, { recursive: true, force: true });
  }
  const batch: BatchInfo = { student: submission.student, status, reason, seeds, tests: shape.tests.map((t) => t.name), fingerprint: print, impl };
  const score = round(graded.reduce((a, t) => a + t.score, 0));
  const results: GradescopeResults = {
    ...(output ? { output } : {}),
    score,
    max_score: shape.max_score,
    execution_time: Math.round((performance.now() - started) / 1000),
    tests: graded,
    extra_data: { lab: lab.manifest.id, complete: true, batch },
  };
  writeGradescopeResults(file, results);
  return { student: submission.student, status, reason, score, maxScore: shape.max_score, wallMs: performance.now() - started, resultsFile: file };
}

/** Two entries of one student: which to grade is not the grader's to guess. */
class DuplicateSubmission extends Error {}

/** The first line, inert, trimmed to a length a gradebook cell can show. */
function oneLine(text: string, max = 300): string {
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return inertLine(line.length > max ? `${line.slice(0, max - 1)}…` : line);
}
