// The same seed gives the same run: byte-identical trace files, for passing runs and for runs that
// fail, crash, break a node limit or crash at start-up; another seed, another run. No trace names
// the grading's temporary folder: a crash points at the student's .ts line.
import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import type { Limits } from '../../src/lab/manifest.ts';
import type { TraceFile } from '../../src/net/trace.ts';
import { writeTraceFile } from '../../src/report/trace-files.ts';
import { htmlPathFor, writeTraceHtmlFor } from '../../src/report/trace-viewer.ts';
import { gradeLab1, referenceWith, runsOf } from '../support/grading.ts';

const cli = path.join(LOCKLAB_ROOT, 'bin/locklab.js');
const SERVER = 'lockservice/server.ts';

async function traceOf(impl: string, test: string, seed: number): Promise<{ json: string; html: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-det-'));
  try {
    await execa(process.execPath, [cli, 'grade', 'lab1', '--impl', impl, '--test', test, '--seed', String(seed), '--trace-dir', dir, '--no-typecheck'], {
      cwd: LOCKLAB_ROOT,
      env: { NO_COLOR: '1' },
      reject: false,
    });
    const file = path.join(dir, `${test}-seed${seed}.json`);
    return { json: readFileSync(file, 'utf8'), html: readFileSync(htmlPathFor(file), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const name of ['RandomKill', 'ConcurrentCounts']) {
  test(`${name}: the same seed twice gives byte-identical traces`, async (t) => {
    const [first, second] = [await traceOf('solutions', name, 7), await traceOf('solutions', name, 7)];
    t.is(first.json, second.json);
    t.is(first.html, second.html);
    const trace = JSON.parse(first.json);
    t.is(trace.format, 'locklab-trace');
    t.true(trace.events.some((e: { kind: string }) => e.kind === 'kill'), 'the run killed a server');
    t.not((await traceOf('solutions', name, 8)).json, first.json, 'another seed gives another run');
  });
}

/** The reference's server with `code` run at the start of every Lock it executes. */
const inLock = (code: string, imports = '') => (source: string) =>
  `${imports}${source.replace('private lock(name: string): boolean {', `private lock(name: string): boolean {\n    ${code}`)}`;

/** The trace file of one run, as `--trace-dir` writes it, from a grading of its own (its own temporary folder). */
async function savedTrace(impl: string, limits?: Partial<Limits>): Promise<{ text: string; trace: TraceFile; page: string }> {
  const [run] = runsOf(await gradeLab1(impl, { tests: ['Basic'], seeds: [1], ...(limits ? { limits } : {}) }));
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-det-'));
  try {
    const file = writeTraceFile(dir, run!.trace);
    const page = readFileSync(writeTraceHtmlFor(run!.trace, file, run!.hint ? { hint: run!.hint } : {}), 'utf8');
    return { text: readFileSync(file, 'utf8'), trace: run!.trace, page };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Failing {
  what: string;
  edit: (source: string) => string;
  /** The event that shows the failure. */
  shows: (trace: TraceFile) => boolean;
  /** The trace names this place of the student's server. */
  points?: RegExp;
  limits?: Partial<Limits>;
}

const FAILING: Failing[] = [
  {
    what: 'a handler that throws (and logs an error with its stack first)',
    edit: inLock("console.error(new Error('about to fail'));\n    if (name === 'b') throw new Error('boom');"),
    shows: (trace) => trace.events.some((e) => e.kind === 'crash' && e.text.startsWith('Error: boom')),
    points: /lockservice\/server\.ts:\d+:\d+/,
  },
  {
    what: 'a wrong answer',
    edit: inLock('return true;'),
    shows: (trace) => trace.outcome.passed === false && /returned true, expected false/.test(trace.outcome.message ?? ''),
  },
  {
    what: 'a node that floods the network (a node limit)',
    edit: inLock("if (name === 'b') for (let i = 0; i < 5000; i++) setTimeout(() => {}, 1);"),
    shows: (trace) => /flooded the network/.test(trace.outcome.message ?? ''),
  },
  {
    what: 'a handler that never returns (the wall-clock guard of one step)',
    edit: inLock("if (name === 'b') while (name.length > 0) { /* spin */ }"),
    shows: (trace) => /did not become idle within 1 s/.test(trace.outcome.message ?? ''),
    limits: { stepWallMs: 1000 },
  },
  {
    what: 'a file access the sandbox refuses (or, without a sandbox, a missing file), with its stack in the log',
    edit: inLock("if (name === 'b') readFileSync('/nonexistent/locklab-determinism');", "import { readFileSync } from 'node:fs';\n"),
    shows: (trace) => trace.outcome.passed === false,
    points: /lockservice\/server\.ts:\d+:\d+/,
  },
  {
    what: 'a server that throws while its module loads (before any test step)',
    edit: (source) => `throw new Error('at load');\n${source}`,
    shows: (trace) => trace.events.some((e) => e.kind === 'crash' && e.text.startsWith('Error: at load')),
    points: /lockservice\/server\.ts:1:\d+/,
  },
  {
    what: 'code that does not type-check, graded with --no-typecheck, that crashes',
    edit: inLock("const n: number = 'one'; if (name === 'b') (n as unknown as () => void)();"),
    shows: (trace) => trace.events.some((e) => e.kind === 'crash' && /TypeError/.test(e.text)),
    points: /lockservice\/server\.ts:\d+:\d+/,
  },
];

for (const [i, failing] of FAILING.entries()) {
  test(`failing runs are byte-identical too: ${failing.what}`, async (t) => {
    const impl = referenceWith(`det-${i}`, SERVER, failing.edit);
    t.teardown(() => rmSync(impl, { recursive: true, force: true }));
    const first = await savedTrace(impl, failing.limits);
    const second = await savedTrace(impl, failing.limits);
    t.true(failing.shows(first.trace), `the run shows the failure: ${first.trace.outcome.message}`);
    t.is(first.text, second.text, 'the same seed gives the same trace file, byte for byte');
    t.is(first.page, second.page, 'and the same trace page');
    t.notRegex(first.text, /locklab-lab1-|\.mjs:\d/, 'no path of the temporary folder or the bundle');
    if (failing.points) t.regex(first.text, failing.points, 'the stack names the student file');
  });
}
