/**
 * The cost of the checks against hostile submissions (docs/security.md), the last section of
 * `npm run bench`, or on its own: `npx tsx grader/bench/hostile-bench.ts [--repeats N] [--json FILE]`.
 *
 * 1. Grading all of lab 1 on the reference (every test, seed 1, type-checked, jobs = all cores),
 *    alternating:
 *    - with every check, as `locklab grade` runs: staged files of bounded size; tsc and the
 *      bundler each a bounded process group of its own (the bundler in a worker process, behind
 *      the import fence, its metafile checked; tsc reading only the stage and the runtime);
 *      every node's state folder measured after every step;
 *    - without them, as the grader compiled before: tsc and esbuild unbounded (esbuild in the
 *      grader's process, tsc following every import), and nodes whose state folder is not
 *      measured. Both use the same sandbox, scheduler and reporters.
 * 2. The checks that run on every line or every result, each on its own, per operation: the
 *    nesting scan of a node's line, measuring an (empty) state folder, making a run's result inert.
 * With `--json FILE`, the figures are added to FILE under `hostile` (bench.ts writes FILE first).
 */
import { build } from 'esbuild';
import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ProcessNode, nodeLimits } from '../src/cluster/process-node.ts';
import { LOCKLAB_ROOT, type PreparedImplementation } from '../src/cluster/prepare.ts';
import { detectSandbox } from '../src/cluster/sandbox.ts';
import { stateFolderBytes } from '../src/cluster/state-folder.ts';
import { loadLab, type LoadedLab } from '../src/lab/load.ts';
import { MAX_NESTING, nestsDeeperThan, parseNodeLine } from '../src/net/wire-schema.ts';
import { grade, inertRun } from '../src/score/grade.ts';
import { runTest, type RunResult } from '../src/score/run-test.ts';
import { formatMs, formatPerOp, progress, sample, type Sample } from './stats.ts';
import { renderTable, type Row } from './table.ts';

export interface HostileFigures {
  jobs: number;
  repeats: number;
  tests: number;
  allPassed: boolean;
  checked: { totalMs: Sample; prepareMs: Sample };
  unchecked: { totalMs: Sample; prepareMs: Sample };
  perOperation: { nestingScanUs: number; parseLineUs: number; stateFolderUs: number; inertRunUs: number; linesPerGrading: number; stepsPerGrading: number };
}

const RUNTIME_DIR = path.join(LOCKLAB_ROOT, 'grader/src/runtime');

/** How the grader prepared an implementation before these checks: nothing bounded, nothing fenced but the runtime's name. */
async function prepareUnchecked(lab: LoadedLab, impl: string): Promise<PreparedImplementation> {
  const { manifest } = lab;
  const workDir = mkdtempSync(path.join(tmpdir(), `locklab-${manifest.id}-`));
  const stageDir = path.join(workDir, 'stage');
  cpSync(path.join(lab.dir, manifest.scaffold), stageDir, { recursive: true });
  for (const file of manifest.studentFiles) {
    mkdirSync(path.dirname(path.join(stageDir, file)), { recursive: true });
    writeFileSync(path.join(stageDir, file), readFileSync(path.join(impl, file)));
  }
  const runtime: Record<string, string> = { 'locklab/runtime': path.join(RUNTIME_DIR, 'index.ts'), 'locklab/runtime/bootstrap': path.join(RUNTIME_DIR, 'bootstrap.ts') };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023'],
      types: ['node'],
      typeRoots: [path.join(LOCKLAB_ROOT, 'node_modules/@types')],
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      paths: Object.fromEntries(Object.entries(runtime).map(([name, file]) => [name, [file]])),
    },
    include: ['**/*.ts'],
  };
  writeFileSync(path.join(stageDir, 'tsconfig.json'), JSON.stringify(tsconfig));
  const outDir = path.join(workDir, 'bundle');
  const [typed] = await Promise.all([
    execa(process.execPath, [path.join(LOCKLAB_ROOT, 'node_modules/typescript/bin/tsc'), '-p', stageDir, '--pretty', 'false'], { reject: false, cwd: stageDir }),
    build({
      entryPoints: Object.fromEntries(Object.entries(manifest.roles).map(([role, entry]) => [role, path.join(stageDir, entry)])),
      absWorkingDir: stageDir,
      outdir: outDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'external',
      logLevel: 'silent',
      plugins: [{ name: 'runtime', setup: (b) => b.onResolve({ filter: /^locklab\/runtime(\/bootstrap)?$/ }, (args) => ({ path: runtime[args.path]! })) }],
      banner: { js: "import { createRequire as __locklabRequire } from 'node:module'; const require = __locklabRequire(import.meta.url);" },
    }),
  ]);
  if (typed.exitCode !== 0) throw new Error(`bench: ${impl} does not type-check: ${typed.stdout}`);
  const bundles = Object.fromEntries(Object.keys(manifest.roles).map((role) => [role, path.join(outDir, `${role}.mjs`)]));
  return {
    workDir,
    bundles,
    sourceMaps: Object.fromEntries(Object.entries(bundles).map(([role, file]) => [role, `${file}.map`])),
    stageDir,
    implDir: impl,
    displayPath: (file) => file,
    dispose: () => rmSync(workDir, { recursive: true, force: true }),
  };
}

/** All of lab 1 without the checks: the unchecked preparation, and nodes whose state folder is not measured (none is given one). */
async function gradeUnchecked(lab: LoadedLab, impl: string, jobs: number): Promise<{ totalMs: number; prepareMs: number; passed: boolean }> {
  const started = performance.now();
  const sandbox = await detectSandbox();
  const prepared = await prepareUnchecked(lab, impl);
  const prepareMs = performance.now() - started;
  const ctx = {
    lab: lab.manifest,
    prepared,
    sandbox,
    factory: (id: string, role: string) =>
      new ProcessNode(id, { bundle: prepared.bundles[role]!, ...nodeLimits(lab.manifest.limits), sandbox, cwd: prepared.workDir }),
  };
  const tasks = [...lab.manifest.tests];
  const results: RunResult[] = [];
  try {
    await Promise.all(
      Array.from({ length: jobs }, async () => {
        for (let test = tasks.shift(); test; test = tasks.shift()) results.push(await runTest(ctx, test, 1));
      }),
    );
  } finally {
    prepared.dispose();
  }
  return { totalMs: performance.now() - started, prepareMs, passed: results.every((r) => r.passed) };
}

/** Microseconds per call of `f`, over enough calls to take about `ms`. */
function perCallUs(f: () => unknown, ms = 300): number {
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    for (let i = 0; i < 100; i++) f();
    calls += 100;
  }
  return ((performance.now() - started) * 1000) / calls;
}

export async function hostileBench(lab: LoadedLab, options: { repeats: number; jobs: number; json?: string | undefined }): Promise<HostileFigures> {
  const impl = path.join(LOCKLAB_ROOT, 'solutions');
  const checked = { total: [] as number[], prepare: [] as number[] };
  const unchecked = { total: [] as number[], prepare: [] as number[] };
  let allPassed = true;
  let sampleRun: RunResult | undefined;
  let lines = 0;
  let steps = 0;
  for (let i = 0; i < options.repeats; i++) {
    const started = performance.now();
    const outcome = await grade({ lab, impl, tests: lab.manifest.tests, seeds: [1], jobs: options.jobs, typecheck: true });
    const ms = performance.now() - started;
    if (outcome.kind !== 'graded' || !outcome.summary.passed) allPassed = false;
    if (outcome.kind === 'graded') {
      checked.total.push(ms);
      checked.prepare.push(outcome.prepareMs);
      sampleRun = outcome.runs.find((r) => r.test === 'Basic');
      steps = outcome.runs.reduce((a, r) => a + r.events, 0);
      // Each step: the event in, the idle out, and what the node sent and logged.
      lines = outcome.runs.reduce((a, r) => a + r.events * 2 + r.trace.events.filter((e) => e.kind === 'send' || e.kind === 'log').length, 0);
    }
    progress(`grade lab1 with every check, jobs=${options.jobs}, repeat ${i + 1}/${options.repeats}: ${(ms / 1000).toFixed(2)} s`);
    const without = await gradeUnchecked(lab, impl, options.jobs);
    if (!without.passed) allPassed = false;
    unchecked.total.push(without.totalMs);
    unchecked.prepare.push(without.prepareMs);
    progress(`grade lab1 without them, jobs=${options.jobs}, repeat ${i + 1}/${options.repeats}: ${(without.totalMs / 1000).toFixed(2)} s`);
  }

  // Per operation: a typical line (a forwarded Lock), an empty state folder, a failed run's result.
  const line = JSON.stringify({ src: 'primary', dest: 'backup', body: { type: 'Forward', msg_id: 7, op: 'Lock', args: { name: 'a', clientId: 'c1-3f2a', seq: 12 } } });
  const state = mkdtempSync(path.join(tmpdir(), 'locklab-bench-state-'));
  const failed: RunResult = { ...sampleRun!, passed: false, message: 'node `backup` exited (code 3) while delivering "Lock" from c1', logs: { primary: Array.from({ length: 12 }, (_, i) => `[${i} ms] a log line of some length, number ${i}`) } };
  const perOperation = {
    nestingScanUs: perCallUs(() => nestsDeeperThan(line, MAX_NESTING)),
    parseLineUs: perCallUs(() => parseNodeLine(line)),
    stateFolderUs: perCallUs(() => stateFolderBytes(state, 64 * 1024 * 1024)),
    inertRunUs: perCallUs(() => inertRun(failed)),
    linesPerGrading: lines,
    stepsPerGrading: steps,
  };
  rmSync(state, { recursive: true, force: true });

  const figures: HostileFigures = {
    jobs: options.jobs,
    repeats: options.repeats,
    tests: lab.manifest.tests.length,
    allPassed,
    checked: { totalMs: sample(checked.total), prepareMs: sample(checked.prepare) },
    unchecked: { totalMs: sample(unchecked.total), prepareMs: sample(unchecked.prepare) },
    perOperation,
  };
  const row = (label: string, s: Sample, note: string): Row => ({ label, median: formatMs(s.median), min: formatMs(s.min), note });
  const percent = (a: number, b: number) => `${a >= b ? '+' : '-'}${Math.abs(((a - b) / b) * 100).toFixed(0)}%`;
  const us = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} µs`;
  const p = perOperation;
  const rows: Row[] = [
    row(`grade all of lab 1, every check (jobs=${options.jobs})`, figures.checked.totalMs, `${figures.tests} tests, seed 1, type-checked; ${options.repeats} repeats, alternating${allPassed ? '' : '; NOT full marks'}`),
    row('grade all of lab 1, without the new checks', figures.unchecked.totalMs, `checks cost ${percent(figures.checked.totalMs.median, figures.unchecked.totalMs.median)} (medians)`),
    row('  prepare, every check (bounded tsc + bundler worker, fence)', figures.checked.prepareMs, 'stage, type-check and bundle, in parallel'),
    row('  prepare, without (tsc and esbuild unbounded)', figures.unchecked.prepareMs, `${percent(figures.checked.prepareMs.median, figures.unchecked.prepareMs.median)}`),
    { label: '  per line: the nesting scan', median: us(p.nestingScanUs), min: '', note: `a forwarded Lock; ~${p.linesPerGrading} lines per grading: ${formatMs((p.linesPerGrading * p.nestingScanUs) / 1000)} in all` },
    { label: '  per line: all of its validation, scan included', median: us(p.parseLineUs), min: '', note: 'parseNodeLine: the scan, JSON.parse and zod' },
    { label: '  per step: measure the state folder', median: us(p.stateFolderUs), min: '', note: `an empty folder; ${p.stepsPerGrading} steps per grading: ${formatMs((p.stepsPerGrading * p.stateFolderUs) / 1000)} in all` },
    { label: '  per result: make it inert', median: us(p.inertRunUs), min: '', note: `a failed run with 12 log lines (${formatPerOp(1e6 / p.inertRunUs)})` },
  ];
  process.stdout.write(`\n${renderTable([{ title: '7. The cost of the checks against hostile submissions (docs/security.md)', rows }])}\n`);
  if (options.json) {
    const existing = existsSync(options.json) ? (JSON.parse(readFileSync(options.json, 'utf8')) as Record<string, unknown>) : {};
    writeFileSync(options.json, JSON.stringify({ ...existing, hostile: figures }, null, 2) + '\n');
    progress(`hostile-check figures added to ${options.json}`);
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { repeats: { type: 'string' }, json: { type: 'string' } } });
  await hostileBench(await loadLab('lab1'), { repeats: Number(values.repeats ?? 3), jobs: Math.max(1, os.availableParallelism()), json: values.json });
}
