/**
 * GitHub Actions (`GITHUB_ACTIONS=true`): `::error` annotations for failing tests, on the
 * student's file and line when a stack trace or the compiler names one, and a Markdown table of
 * the results appended to the job summary (`$GITHUB_STEP_SUMMARY`).
 *
 * GitHub keeps at most 10 error annotations per step and drops the rest without a word
 * (actions/toolkit, docs/problem-matchers.md: "10 warning annotations, 10 error annotations, and
 * 10 notice annotations per step"). So the annotations are written at the end, the most useful
 * first (a compile error; then by part, a failure on a line of the student's code, the points
 * lost), at most 10, and a notice points to the job summary, which lists every test.
 */
import { appendFileSync } from 'node:fs';
import type { RunResult } from '../score/run-test.ts';
import type { Summary, TestScore } from '../score/scorer.ts';
import { findStudentLocation, locateRunFailure, relativeTo, type SourceLocation } from './locate.ts';
import type { GradeInfo, Reporter } from './reporter.ts';
import { failureLine, failureParts, failureText, type FailureParts } from './failure-parts.ts';

export interface GitHubOptions {
  /** Standard output, where the runner reads workflow commands. */
  write: (text: string) => void;
  /** Annotations name files relative to this folder (GITHUB_WORKSPACE). */
  workspace: string;
  /** The folder that relative paths in messages are relative to. */
  cwd: string;
  /** `$GITHUB_STEP_SUMMARY`: the job summary is appended to it. */
  summaryFile?: string;
}

/** Escapes the message of a workflow command. */
export const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
/** Escapes a property (file, title, ...) of a workflow command. */
export const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export interface Annotation {
  title: string;
  message: string;
  file?: string;
  line?: number;
  col?: number;
}

/** Error annotations GitHub shows per step. */
export const MAX_ERROR_ANNOTATIONS = 10;

/** `::error file=...,line=...,col=...,title=...::message` (or `::notice ...`) */
export function errorCommand(a: Annotation, kind: 'error' | 'notice' = 'error'): string {
  const props: string[] = [];
  if (a.file !== undefined) {
    props.push(`file=${escapeProperty(a.file)}`);
    if (a.line !== undefined) props.push(`line=${a.line}`);
    if (a.col !== undefined) props.push(`col=${a.col}`);
  }
  props.push(`title=${escapeProperty(a.title)}`);
  return `::${kind} ${props.join(',')}::${escapeData(a.message)}`;
}

const points = (n: number) => String(Math.round(n * 100) / 100);

/** An annotation waiting for the end, and its place in the order (smaller first). */
interface Pending {
  annotation: Annotation;
  rank: number[];
}

const byRank = (a: Pending, b: Pending) => {
  for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i++) {
    const d = (a.rank[i] ?? 0) - (b.rank[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

export class GitHubReporter implements Reporter {
  private readonly tests: { score: TestScore; failure?: FailureParts }[] = [];
  private compileDetails: string[] | undefined;
  private readonly pending: Pending[] = [];

  constructor(
    private readonly info: GradeInfo,
    private readonly options: GitHubOptions,
  ) {}

  /** The annotation's file and line, when the location is inside the workspace. */
  private where(location: SourceLocation | undefined): Pick<Annotation, 'file' | 'line' | 'col'> {
    if (!location) return {};
    const file = relativeTo(this.options.workspace, location.file, this.options.cwd);
    if (file === undefined) return {};
    return { file, line: location.line, ...(location.column !== undefined ? { col: location.column } : {}) };
  }

  compileError(details: string[]): void {
    this.compileDetails = details;
    const located = details.map((d) => ({ detail: d, location: findStudentLocation(d, this.info.lab.studentFiles) }));
    const title = 'locklab: the implementation does not compile';
    located
      .filter((l) => l.location)
      .forEach(({ detail, location }, i) => this.pending.push({ annotation: { title, message: detail.replace(/^[^\s]+?\(\d+,\d+\):\s*/, ''), ...this.where(location) }, rank: [0, i] }));
    if (!located.some((l) => l.location)) this.pending.push({ annotation: { title, message: details.join('\n') }, rank: [0, 0] });
  }

  testDone(score: TestScore, runs: readonly RunResult[]): void {
    const failure = failureParts(score, runs);
    this.tests.push({ score, ...(failure ? { failure } : {}) });
    if (score.passed || !failure) return; // a test that did not run: the compile error said why
    const message = failureText(failure, { replay: this.info.replay(score.name, failure.seed), logs: false });
    const title = `${score.name} (part ${score.part}): ${points(score.points)}/${points(score.maxPoints)}`;
    const where = this.where(locateRunFailure(failure.run, this.info.lab.studentFiles));
    const part = this.info.lab.parts.findIndex((p) => p.id === score.part);
    // Earlier parts first (later parts build on them), then a failure on a line of the student's code, then the points lost.
    const rank = [1, part < 0 ? this.info.lab.parts.length : part, where.file === undefined ? 1 : 0, -(score.maxPoints - score.points), this.pending.length];
    this.pending.push({ annotation: { title, message: message.join('\n'), ...where }, rank });
  }

  finish(summary: Summary, wallMs: number): void {
    const ordered = [...this.pending].sort(byRank);
    for (const { annotation } of ordered.slice(0, MAX_ERROR_ANNOTATIONS)) this.options.write(errorCommand(annotation) + '\n');
    const rest = ordered.length - MAX_ERROR_ANNOTATIONS;
    if (rest > 0) {
      const compile = this.compileDetails !== undefined;
      const what = `${rest} more ${compile ? 'compiler message' : 'failing test'}${rest === 1 ? '' : 's'}`;
      const listed = compile ? "the compiler's messages" : 'every test, with what went wrong and the command that replays it';
      const where = this.options.summaryFile ? `This run's job summary shows ${listed}.` : `The log above shows ${listed}.`;
      const message = `GitHub shows ${MAX_ERROR_ANNOTATIONS} error annotations per step: these are the first${compile ? '' : ' by part and by points lost'}. ${where}`;
      this.options.write(errorCommand({ title: `locklab: ${what} not annotated`, message }, 'notice') + '\n');
    }
    if (!this.options.summaryFile) return;
    appendFileSync(this.options.summaryFile, stepSummary(this.info, this.tests, summary, wallMs, this.compileDetails));
  }
}

/** Text for a Markdown table cell: one line, no HTML, no column breaks, no links or images (code spans stay: they are inert). */
export function cell(text: string, max = 200): string {
  const oneLine = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
  const short = oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
  return short
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\[\]|]/g, (c) => `\\${c}`);
}

/** A fenced code block that its lines cannot close: the fence is longer than any run of backticks in them. */
export function codeBlock(lines: readonly string[]): string[] {
  const longest = Math.max(0, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((run) => run.length))));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, ...lines, fence];
}

/** The job summary: the total, a row per test, the parts, and the commands that replay each failure. */
export function stepSummary(
  info: GradeInfo,
  tests: readonly { score: TestScore; failure?: FailureParts }[],
  summary: Summary,
  wallMs: number,
  compileDetails?: string[],
): string {
  const seeds = info.seeds.length === 1 ? `seed ${info.seeds[0]}` : `${info.seeds.length} seeds`;
  const lines = [
    `## locklab ${info.lab.id}: ${points(summary.points)}/${points(summary.maxPoints)} ${summary.passed ? '✅' : '❌'}`,
    '',
    `${cell(info.lab.title)}: \`${cell(info.impl)}\`, ${tests.length} tests, ${seeds}, ${(wallMs / 1000).toFixed(1)} s.`,
    '',
  ];
  if (compileDetails) {
    lines.push('**The implementation does not compile; every test scores 0.**', '', ...codeBlock(compileDetails.slice(0, 30)), '');
  }
  lines.push('| | Test | Part | Points | What went wrong |', '| --- | --- | --- | ---: | --- |');
  for (const { score, failure } of tests) {
    const why = score.passed ? '' : failure ? failureLine(failure) : 'not run';
    lines.push(`| ${score.passed ? '✅' : '❌'} | ${cell(score.name)} | ${cell(score.part)} | ${points(score.points)}/${points(score.maxPoints)} | ${cell(why)} |`);
  }
  lines.push('', '| Part | | Points |', '| --- | --- | ---: |');
  for (const part of summary.parts) lines.push(`| ${cell(part.id)} | ${cell(part.title)} | ${points(part.points)}/${points(part.maxPoints)} |`);
  lines.push(`| **Total** | | **${points(summary.points)}/${points(summary.maxPoints)}** |`, '');
  const replays = tests.flatMap((t) => (t.failure ? [info.replay(t.score.name, t.failure.seed)] : []));
  if (replays.length > 0) {
    lines.push('<details><summary>Replay a failure</summary>', '', ...codeBlock(replays), '', '</details>', '');
  }
  return lines.join('\n') + '\n';
}
