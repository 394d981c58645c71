/**
 * The cost of the sandbox (docs/security.md), the last section of `npm run bench`, or on its own:
 * `npx tsx grader/bench/sandbox-bench.ts [--runs N] [--repeats N] [--json FILE]`.
 *
 * 1. Start-up of one lab-1 server (new ProcessNode -> idle after init), layer by layer: no
 *    sandbox; Node's permission model alone; + the locklab guard (--import); + prlimit and
 *    setpriv; + a network namespace (the whole sandbox). Plus bare `node -e 0` with and without
 *    the permission flag, for Node's own share. The variants alternate, so drift hits all.
 * 2. The wall time to grade all of lab 1 on the reference with the sandbox on and off
 *    (alternating), at jobs = all cores.
 * With `--json FILE`, the figures are added to FILE under `sandbox` (bench.ts writes FILE first).
 */
import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ProcessNode, nodeLimits } from '../src/cluster/process-node.ts';
import { prepareImplementation } from '../src/cluster/prepare.ts';
import { describeSandbox, detectSandbox, type Sandbox } from '../src/cluster/sandbox.ts';
import { loadLab, type LoadedLab } from '../src/lab/load.ts';
import { GRADER, type TimedEnvelope } from '../src/runtime/protocol.ts';
import { grade } from '../src/score/grade.ts';
import { formatMs, progress, sample, type Sample } from './stats.ts';
import { renderTable, type Row } from './table.ts';

export interface SandboxFigures {
  layers: string;
  missing: string[];
  startup: { runs: number; variants: { name: string; initMs: Sample }[]; bareNodeMs: Sample; bareNodePermissionMs: Sample };
  grade: { jobs: number; repeats: number; tests: number; onMs: Sample; offMs: Sample; allPassed: boolean };
}

const INIT: TimedEnvelope = {
  src: GRADER,
  dest: 'primary',
  now: 0,
  body: { type: 'init', msg_id: 1, node_id: 'primary', node_ids: ['primary', 'backup'], config: { role: 'primary', backup: 'backup' }, seed: 1 },
};

/** The sandbox with only some of its layers, to price each one. */
function layers(full: Sandbox): { name: string; sandbox: Sandbox | undefined }[] {
  const none = { ...full, guard: false, netns: undefined, prlimit: undefined, setpriv: undefined };
  return [
    { name: 'no sandbox', sandbox: undefined },
    { name: 'permission model only', sandbox: none },
    { name: '+ guard (--import)', sandbox: { ...none, guard: true } },
    { name: '+ prlimit + setpriv', sandbox: { ...none, guard: true, prlimit: full.prlimit, setpriv: full.setpriv } },
    { name: '+ network namespace (all)', sandbox: full },
  ];
}

async function timeBare(args: string[]): Promise<number> {
  const started = performance.now();
  const result = await execa(process.execPath, args, {
    reject: false,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    buffer: false,
    extendEnv: false,
    env: { LOCKLAB_NODE: 'bench', NODE_ENV: 'test' },
  });
  if (result.exitCode !== 0) throw new Error(`bench: node ${args.join(' ')} exited with ${result.exitCode}`);
  return performance.now() - started;
}

async function benchStartup(lab: LoadedLab, full: Sandbox, runs: number): Promise<SandboxFigures['startup']> {
  const prepared = await prepareImplementation(lab.manifest, lab.dir, 'solutions', { typecheck: false });
  const variants = layers(full);
  const times = variants.map(() => [] as number[]);
  const bare: number[] = [];
  const barePermission: number[] = [];
  const permission = full.permissionFlag ? [full.permissionFlag, ...(full.quietWarnings ? ['--disable-warning=ExperimentalWarning'] : [])] : [];
  try {
    for (let i = -1; i < runs; i++) {
      for (const [v, variant] of variants.entries()) {
        const started = performance.now();
        const node = new ProcessNode('primary', {
          bundle: prepared.bundles['server']!,
          ...nodeLimits(lab.manifest.limits),
          stateDir: path.join(prepared.workDir, 'state', 'primary'),
          sandbox: variant.sandbox,
          cwd: prepared.workDir,
        });
        const outcome = await node.step(INIT);
        const ms = performance.now() - started;
        await node.kill();
        if (outcome.kind !== 'idle') throw new Error(`bench: the server did not start (${variant.name}): ${JSON.stringify(outcome).slice(0, 300)}`);
        if (i >= 0) times[v]!.push(ms);
      }
      const bareMs = await timeBare(['-e', '0']);
      const barePermissionMs = await timeBare([...permission, '-e', '0']);
      if (i >= 0) {
        bare.push(bareMs);
        barePermission.push(barePermissionMs);
      }
    }
  } finally {
    prepared.dispose();
  }
  progress(`sandbox start-up: ${runs} runs of ${variants.length} variants`);
  return {
    runs,
    variants: variants.map((v, i) => ({ name: v.name, initMs: sample(times[i]!) })),
    bareNodeMs: sample(bare),
    bareNodePermissionMs: sample(barePermission),
  };
}

async function benchGrading(lab: LoadedLab, jobs: number, repeats: number): Promise<SandboxFigures['grade']> {
  const on: number[] = [];
  const off: number[] = [];
  let allPassed = true;
  for (let i = 0; i < repeats; i++) {
    for (const sandbox of [true, false]) {
      const started = performance.now();
      const outcome = await grade({ lab, impl: 'solutions', tests: lab.manifest.tests, seeds: [1], jobs, typecheck: false, sandbox });
      const ms = performance.now() - started;
      if (!outcome.summary.passed) allPassed = false;
      (sandbox ? on : off).push(ms);
      progress(`grade lab1 sandbox ${sandbox ? 'on' : 'off'}, jobs=${jobs}, repeat ${i + 1}/${repeats}: ${(ms / 1000).toFixed(2)} s`);
    }
  }
  return { jobs, repeats, tests: lab.manifest.tests.length, onMs: sample(on), offMs: sample(off), allPassed };
}

/** Measures, prints its section of the bench on stdout, and adds the figures to `json` if given. */
export async function sandboxBench(
  lab: LoadedLab,
  options: { runs: number; repeats: number; jobs: number; json?: string | undefined },
): Promise<SandboxFigures> {
  const full = await detectSandbox();
  const startup = await benchStartup(lab, full, options.runs);
  const grading = await benchGrading(lab, options.jobs, options.repeats);
  const figures: SandboxFigures = { layers: describeSandbox(full), missing: full.missing, startup, grade: grading };

  const row = (label: string, s: Sample, note: string): Row => ({ label, median: formatMs(s.median), min: formatMs(s.min), note });
  const base = startup.variants[0]!.initMs.median;
  const signed = (ms: number) => `${ms >= 0 ? '+' : '-'}${formatMs(Math.abs(ms))}`;
  const rows: Row[] = [
    ...startup.variants.map((v) =>
      row(`start-up, ${v.name}`, v.initMs, v === startup.variants[0] ? `ProcessNode -> idle after init; ${startup.runs} runs` : `${signed(v.initMs.median - base)} over no sandbox`),
    ),
    row('bare `node -e 0`', startup.bareNodeMs, 'Node alone'),
    row('bare `node --experimental-permission -e 0`', startup.bareNodePermissionMs, `${signed(startup.bareNodePermissionMs.median - startup.bareNodeMs.median)}: the permission model's own cost`),
    row(`grade all of lab 1, sandbox on (jobs=${grading.jobs})`, grading.onMs, `${grading.tests} tests, seed 1, no type-check; ${grading.repeats} repeats${grading.allPassed ? '' : '; NOT full marks'}`),
    row(`grade all of lab 1, sandbox off (jobs=${grading.jobs})`, grading.offMs, `on costs ${(((grading.onMs.median - grading.offMs.median) / grading.offMs.median) * 100).toFixed(0)}% (medians)`),
  ];
  const title = `6. The sandbox's cost: ${figures.layers}${full.missing.length > 0 ? ` (missing here: ${full.missing.join(', ')})` : ''}`;
  process.stdout.write(`\n${renderTable([{ title, rows }])}\n`);

  if (options.json) {
    const existing = existsSync(options.json) ? (JSON.parse(readFileSync(options.json, 'utf8')) as Record<string, unknown>) : {};
    writeFileSync(options.json, JSON.stringify({ ...existing, sandbox: figures }, null, 2) + '\n');
    progress(`sandbox figures added to ${options.json}`);
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, repeats: { type: 'string' }, json: { type: 'string' } } });
  await sandboxBench(await loadLab('lab1'), {
    runs: Number(values.runs ?? 10),
    repeats: Number(values.repeats ?? 3),
    jobs: Math.max(1, os.availableParallelism()),
    json: values.json,
  });
}
