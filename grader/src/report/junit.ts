/**
 * `--junit FILE`: JUnit XML, the format CI systems (GitLab, Jenkins, GitHub test reporters, ...)
 * read. A `<testsuite>` per part, a `<testcase>` per graded test (classname `<lab>.<part>`, time
 * in seconds), and for a failure a `<failure>` with the reason and the command that replays it.
 * Written (atomically) after every test, like `--json`, so an interrupted grading keeps what it graded.
 */
import { hostname } from 'node:os';
import type { RunResult } from '../score/run-test.ts';
import type { Summary, TestScore } from '../score/scorer.ts';
import type { GradeInfo, Reporter } from './reporter.ts';
import { failureLine, failureParts, failureText } from './failure-parts.ts';
import { seedList } from './wording.ts';
import { writeAtomically } from './write-file.ts';

/**
 * Text safe inside an XML 1.0 element or attribute: markup characters escaped, and characters
 * that XML 1.0 does not allow at all (control characters such as a log's ANSI escape, lone
 * surrogates, U+FFFE/U+FFFF) written as `\uXXXX`.
 */
export function xmlText(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** An attribute value: as text, with line breaks and tabs kept as character references (not normalized away). */
const attr = (s: string) => xmlText(s).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export interface JUnitCase {
  score: TestScore;
  runs: readonly RunResult[];
}

/** The failure's short message (the attribute) and its full text (the element's content). */
function failureOf(info: GradeInfo, { score, runs }: JUnitCase, compileDetails: string[] | undefined): { message: string; type: string; text: string } {
  const failure = failureParts(score, runs);
  if (!failure) {
    const message = compileDetails ? 'not run: the implementation does not compile' : 'not run';
    return { message, type: compileDetails ? 'CompileError' : 'NotRun', text: [message, ...(compileDetails ?? [])].join('\n') };
  }
  const replay = info.replay(score.name, failure.seed);
  const text = [`${score.name}: ${score.description}`, ...failureText(failure, { replay })];
  return { message: `${failureLine(failure)} (replay: ${replay})`, type: failure.run.node ? 'NodeFailure' : 'TestFailure', text: text.join('\n') };
}

/** The whole document, for the tests done so far. */
export function junitXml(info: GradeInfo, cases: readonly JUnitCase[], options: { wallMs: number; timestamp: string; compileDetails?: string[] }): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = cases.filter((c) => !c.score.passed).length;
  const time = (c: JUnitCase) => c.runs.reduce((a, r) => a + r.wallMs, 0);
  lines.push(`<testsuites name="${attr(`locklab ${info.lab.id}`)}" tests="${cases.length}" failures="${failures}" errors="0" time="${seconds(options.wallMs)}">`);
  const parts = info.lab.parts.filter((p) => cases.some((c) => c.score.part === p.id));
  let id = 0;
  for (const part of parts) {
    const mine = cases.filter((c) => c.score.part === part.id);
    const classname = `${info.lab.id}.${part.id}`;
    lines.push(
      `  <testsuite name="${attr(classname)}" id="${id++}" package="${attr(info.lab.id)}" tests="${mine.length}" failures="${mine.filter((c) => !c.score.passed).length}" errors="0" skipped="0"` +
        ` time="${seconds(mine.reduce((a, c) => a + time(c), 0))}" timestamp="${attr(options.timestamp)}" hostname="${attr(hostname())}">`,
    );
    lines.push('    <properties>');
    const properties: [string, string][] = [
      ['lab', info.lab.id],
      ['part', `${part.id}: ${part.title}`],
      ['implementation', info.impl],
      ['seeds', info.seeds.join(',')],
      ['points', String(mine.reduce((a, c) => a + c.score.points, 0))],
      ['max_points', String(mine.reduce((a, c) => a + c.score.maxPoints, 0))],
    ];
    for (const [name, value] of properties) lines.push(`      <property name="${attr(name)}" value="${attr(value)}"/>`);
    lines.push('    </properties>');
    for (const c of mine) {
      const open = `    <testcase classname="${attr(classname)}" name="${attr(c.score.name)}" time="${seconds(time(c))}"`;
      const out = `      <system-out>${xmlText(`${c.score.description}\npoints: ${c.score.points}/${c.score.maxPoints}; ${seedList(c.score.seeds)}`)}</system-out>`;
      if (c.score.passed) {
        lines.push(`${open}>`, out, '    </testcase>');
        continue;
      }
      const failure = failureOf(info, c, options.compileDetails);
      lines.push(`${open}>`, `      <failure message="${attr(failure.message)}" type="${attr(failure.type)}">${xmlText(failure.text)}</failure>`, out, '    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

export class JUnitReporter implements Reporter {
  private readonly cases: JUnitCase[] = [];
  private compileDetails: string[] | undefined;
  private readonly started = performance.now();
  private readonly timestamp = new Date().toISOString().replace(/\.\d+Z$/, '');

  constructor(
    private readonly info: GradeInfo,
    private readonly file: string,
  ) {
    this.write(0);
  }

  compileError(details: string[]): void {
    this.compileDetails = details;
  }

  testDone(score: TestScore, runs: readonly RunResult[]): void {
    this.cases.push({ score, runs });
    this.write(performance.now() - this.started);
  }

  finish(_summary: Summary, wallMs: number): void {
    this.write(wallMs);
  }

  private write(wallMs: number): void {
    const xml = junitXml(this.info, this.cases, { wallMs, timestamp: this.timestamp, ...(this.compileDetails ? { compileDetails: this.compileDetails } : {}) });
    writeAtomically(this.file, xml);
  }
}
