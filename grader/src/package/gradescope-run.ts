/**
 * What `run_autograder` runs on Gradescope for each submission, from the packed grader
 * (`/autograder/source/locklab`): it takes the lab's student files from `/autograder/submission`
 * (in their folders, flat, or anywhere inside), copies them into a fresh `starter/` folder,
 * grades it with `locklab grade <lab> --impl starter --json /autograder/results/results.json`,
 * and makes sure that results.json is there and valid whatever happened: missing files, a
 * grading that stopped midway, or one that never started. `AUTOGRADER_ROOT` replaces
 * `/autograder` (the tests use a temporary folder).
 *
 * The copy is graded as `starter`, so the replay commands that students read are the ones
 * they run in their own repository: `npx locklab grade lab1 --impl starter --test ... --seed ...`.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { defaultJobs, describeJobs } from '../cluster/capacity.ts';
import { LOCKLAB_ROOT } from '../cluster/prepare.ts';
import { loadLab, type LoadedLab } from '../lab/load.ts';
import { GradescopeResultsSchema, writeGradescopeResults, type GradescopeResults, type GradescopeTest } from '../report/gradescope.ts';
import { visibilityOf } from '../score/scorer.ts';
import { locateStudentFiles, readStarter, uploadAdvice } from './submission.ts';

export interface AutograderPaths {
  submission: string;
  results: string;
}

export function autograderPaths(env: NodeJS.ProcessEnv): AutograderPaths {
  const root = env.AUTOGRADER_ROOT || '/autograder';
  return { submission: path.join(root, 'submission'), results: path.join(root, 'results', 'results.json') };
}

/** The folder name the submission is graded under (see the header). */
export const IMPL = 'starter';

/**
 * Every test of the lab not in `tests`, at 0 points, each saying why (`reason`, one short
 * paragraph); `output` is the results' top-level text. The results when grading could not
 * happen, or stopped midway (`tests`: what it graded).
 */
export function ungraded(lab: LoadedLab, why: { output: string; reason: string }, tests: readonly GradescopeTest[] = []): GradescopeResults {
  const done = new Set(tests.map((t) => t.extra_data.description + '\0' + t.extra_data.part + '\0' + t.name));
  const rest = lab.manifest.tests
    .map(
      (t): GradescopeTest => ({
        name: `${t.part}: ${t.name}`,
        score: 0,
        max_score: t.points,
        status: 'failed',
        output: `${t.description}\nNot graded: ${why.reason}`,
        output_format: 'text',
        name_format: 'text',
        visibility: visibilityOf(t, lab.manifest),
        tags: [`part-${t.part}`, ...(t.hidden ? ['hidden'] : [])],
        extra_data: { test: t.name, part: t.part, description: t.description, seeds: [], failing_seeds: [], ...(t.hidden ? { hidden: true } : {}) },
      }),
    )
    .filter((t) => !done.has(t.extra_data.description + '\0' + t.extra_data.part + '\0' + t.name));
  const all = [...tests, ...rest];
  return {
    score: Math.round(all.reduce((a, t) => a + t.score, 0) * 100) / 100,
    max_score: lab.manifest.tests.reduce((a, t) => a + t.points, 0),
    execution_time: 0,
    output: why.output,
    tests: all,
    extra_data: { lab: lab.manifest.id, complete: false },
  };
}

const tail = (text: string, lines = 20) => text.split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
const firstLine = (text: string) => text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';

/** Grades the submission and writes results.json; returns what it wrote. */
export async function runAutograder(labId: string, paths: AutograderPaths): Promise<GradescopeResults> {
  const lab = await loadLab(labId);
  const { studentFiles } = lab.manifest;
  const started = performance.now();
  // The packed grader carries the starter's files, to tell an unchanged copy from the student's own.
  const located = locateStudentFiles(paths.submission, studentFiles, readStarter(LOCKLAB_ROOT, studentFiles));
  if (located.kind === 'ambiguous') {
    const reason = `Your submission holds several different copies of ${studentFiles.join(', ')}: ${located.candidates.join(', ')}. It was not graded, so that you are not graded on the wrong one: remove all but one copy and submit again.`;
    return write(paths.results, ungraded(lab, { output: `${reason}\n${uploadAdvice(studentFiles)}`, reason }));
  }
  if (located.kind === 'missing') {
    const found = Object.keys(located.files);
    const reason = `Your submission lacks ${located.missing.join(', ')}, so it was not graded.`;
    const output = [reason, uploadAdvice(studentFiles), ...(found.length > 0 ? [`Found: ${found.join(', ')}.`] : [])].join('\n');
    return write(paths.results, ungraded(lab, { output, reason }));
  }

  const work = mkdtempSync(path.join(tmpdir(), 'locklab-submission-'));
  try {
    for (const [file, from] of Object.entries(located.files)) {
      mkdirSync(path.dirname(path.join(work, IMPL, file)), { recursive: true });
      cpSync(from, path.join(work, IMPL, file));
    }
    mkdirSync(path.dirname(paths.results), { recursive: true });
    rmSync(paths.results, { force: true });
    console.log(`locklab: grading ${studentFiles.join(', ')} from ${located.where}`);
    // The container's CPU quota and memory limit, not the host's CPU count, decide how many runs at once.
    const jobs = defaultJobs('run');
    console.log(`locklab: ${describeJobs('run', jobs)}`);
    const result = await execa(process.execPath, [path.join(LOCKLAB_ROOT, 'bin/locklab.js'), 'grade', labId, '--impl', IMPL, '--jobs', String(jobs.jobs), '--json', paths.results], {
      cwd: work,
      reject: false,
      stdout: ['pipe', 'inherit'],
      stderr: ['pipe', 'inherit'],
      // Gradescope's log is a file; no CI reporter belongs there.
      env: { NO_COLOR: '1', GITHUB_ACTIONS: undefined, GITHUB_STEP_SUMMARY: undefined, GITHUB_OUTPUT: undefined },
    });
    const seconds = Math.round((performance.now() - started) / 1000);
    const graded = readResults(paths.results);
    const notes = [
      `Graded ${studentFiles.join(', ')} from ${located.where}.`,
      ...(located.ignored.length > 0 ? [`Not graded: ${located.ignored.join(', ')}.`] : []),
      ...(located.pristine ? ['These files are the unchanged starter: edit them, then submit again.'] : []),
    ].join('\n');
    if (!graded) {
      const why = result.exitCode === 2 ? firstLine(String(result.stderr)) || `exit code 2` : `the grader stopped (${result.signal ?? `exit code ${result.exitCode}`}) before it wrote any result`;
      const reason = `The grading could not run: ${why}`;
      return write(paths.results, { ...ungraded(lab, { output: `${notes}\n${reason}`, reason }), execution_time: seconds });
    }
    if (graded.extra_data?.complete !== true) {
      const reason = `The grading stopped before the end (${result.signal ?? `exit code ${result.exitCode}`}); the tests it graded keep their points, the others score 0.`;
      const details = tail(String(result.stderr));
      return write(paths.results, { ...ungraded(lab, { output: [notes, reason, ...(details ? [details] : [])].join('\n'), reason }, graded.tests), execution_time: seconds });
    }
    return write(paths.results, { ...graded, output: graded.output ? `${notes}\n${graded.output}` : notes });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function readResults(file: string): GradescopeResults | undefined {
  try {
    const parsed = GradescopeResultsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function write(file: string, results: GradescopeResults): GradescopeResults {
  writeGradescopeResults(file, results);
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { lab: { type: 'string' } } });
  if (!values.lab) throw new Error('usage: gradescope-run.ts --lab LAB');
  const results = await runAutograder(values.lab, autograderPaths(process.env));
  console.log(`locklab: ${results.score}/${results.max_score ?? '?'} written to ${autograderPaths(process.env).results}`);
}
