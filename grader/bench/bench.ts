/**
 * locklab's performance bench: `npm run bench [-- --json FILE] [--repeats N] [--messages N] [--runs N]`.
 *
 * Prints, side by side, in one run:
 * 1. the wall time to grade all of lab 1 on the reference solution (prepare vs running the tests,
 *    jobs = all cores and jobs = 1), next to the quoted time of the original 6.824 Go suite;
 * 2. the start-up of one node (spawn to first idle after init) against a bare `node -e 0`;
 * 3. scheduler events per second with real child-process nodes, against the raw round-trip rate
 *    of a parent-child pipe and against the scheduler alone with in-memory nodes;
 * then the checker (4), a class in a batch (5), the sandbox's cost (6) and the cost of the
 * checks against hostile submissions (7), each from its own module.
 * Progress goes to stderr; the report to stdout; `--json FILE` saves every figure.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { prepareImplementation } from '../src/cluster/prepare.ts';
import { loadLab } from '../src/lab/load.ts';
import { benchGrade, type GradeFigures } from './grade-bench.ts';
import {
  FLAKY_LINKS,
  ONE_WAY_RULE,
  benchInMemoryPingPong,
  benchPipe,
  benchProcessPingPong,
  benchValidation,
  bundlePingPong,
  removeBundle,
} from './scheduler-bench.ts';
import { benchChecker } from './checker-bench.ts';
import { benchSpawn } from './spawn-bench.ts';
import { formatMs, formatPerOp, formatRate, progress, type Sample } from './stats.ts';
import { renderTable, type Row, type Section } from './table.ts';

const IMPL = 'solutions';
/** Quoted, not measured here: the reference point the lab is compared with. */
const GO_SUITE = { seconds: 24, tests: 12, quote: 'the original Go suite of 6.824 takes about 24 s for its 12 tests' };

function positiveInt(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`bench: ${what} must be a whole number >= 1 (got ${value})`);
  return Number(value);
}

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    repeats: { type: 'string' },
    messages: { type: 'string' },
    runs: { type: 'string' },
  },
});
const repeats = positiveInt(values.repeats, 3, '--repeats');
const spawnRuns = positiveInt(values.runs, 20, '--runs');
const messages = positiveInt(values.messages, 20_000, '--messages');
if (messages % 2 !== 0) throw new Error('bench: --messages must be even (each round trip is two messages)');
const jobsAll = Math.max(1, os.availableParallelism());

const benchStarted = performance.now();
const cpus = os.cpus();
const machine = {
  availableParallelism: os.availableParallelism(),
  cpus: cpus.length,
  cpuModel: cpus[0]?.model.trim() ?? 'unknown',
  node: process.version,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
  loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
};

const lab = await loadLab('lab1');

// ---- 2 and 3 first: they are short, and the machine is quiet before the grading runs ----
progress('preparing the lab-1 bundles (no type-check) for the start-up bench');
const prepared = await prepareImplementation(lab.manifest, lab.dir, IMPL, { typecheck: false });
let spawn;
try {
  spawn = await benchSpawn(lab.manifest, prepared, spawnRuns, statSync(prepared.bundles['server']!).size);
} finally {
  prepared.dispose();
}

progress('bundling the ping-pong node');
const pingPongBundle = await bundlePingPong();
let processPingPong;
try {
  processPingPong = await benchProcessPingPong(pingPongBundle, messages, 3);
} finally {
  removeBundle(pingPongBundle);
}
const pipe = await benchPipe(messages, 3);
const inMemory = await benchInMemoryPingPong(messages, 3);
const inMemoryFlaky = await benchInMemoryPingPong(messages, 3, FLAKY_LINKS);
const inMemoryRuled = await benchInMemoryPingPong(messages, 3, undefined, ONE_WAY_RULE);
const validation = benchValidation(60_000, 3);
const checker = benchChecker(5);

// ---- 1: grading all of lab 1 ----
const gradeAll = await benchGrade(lab, IMPL, jobsAll, repeats);
const gradeOne: GradeFigures | undefined = jobsAll > 1 ? await benchGrade(lab, IMPL, 1, repeats) : undefined;
const benchWallMs = performance.now() - benchStarted;

// ---- the report ----
const timeRow = (label: string, s: Sample, note: string): Row => ({ label, median: formatMs(s.median), min: formatMs(s.min), note });
const rateRow = (label: string, s: Sample, unit: string, note: string): Row => ({
  label,
  median: formatRate(s.median, unit),
  min: formatRate(s.max, unit),
  note,
});

const gradeRows = (g: GradeFigures): Row[] => [
  timeRow(`jobs=${g.jobs}: total`, g.totalMs, `${g.repeats} repeats; ${g.allPassed ? 'full marks every time' : 'NOT full marks (see warnings)'}`),
  timeRow(`jobs=${g.jobs}:   prepare (stage+typecheck+bundle)`, g.prepareMs, 'once per grading run'),
  timeRow(
    `jobs=${g.jobs}:   run ${g.tests} tests`,
    g.runMs,
    `${formatMs(g.runMs.median / g.tests)} per test; ${g.nodesStarted} node processes and ${g.events} scheduler events in all`,
  ),
];
const sections: Section[] = [
  {
    title: `1. Grade ALL of lab 1 on the reference solution (${gradeAll.tests} tests, seed 1 each, library API)`,
    rows: [
      ...gradeRows(gradeAll),
      ...(gradeOne ? gradeRows(gradeOne) : [{ label: 'jobs=1', median: '-', min: '-', note: 'same as above: this machine has 1 core' }]),
      {
        label: `6.824 Go suite, ${GO_SUITE.tests} tests (QUOTED, not measured)`,
        median: `~${GO_SUITE.seconds} s`,
        min: '',
        note: `quoted figure: "${GO_SUITE.quote}"`,
      },
    ],
  },
  {
    title: '2. Start-up of one node (each the median of its runs, interleaved)',
    rows: [
      timeRow('lab-1 server: new ProcessNode -> idle after init', spawn.initMs, `${spawn.runs} runs; bundle ${(spawn.bundleBytes / 1024).toFixed(0)} KiB`),
      timeRow('bare `node -e 0`: spawn -> exit, as ProcessNode spawns', spawn.bareNodeMs, `${spawn.runs} runs; execa, clean env, fd-3 pipe: the fair baseline`),
      {
        label: '  difference (lab-1 server - bare node)',
        median: formatMs(spawn.initMs.median - spawn.bareNodeMs.median),
        min: '',
        note: 'bundle load + runtime + init step, minus a node exit',
      },
      timeRow(
        'bare `node -e 0`: spawn -> exit, execa defaults',
        spawn.bareNodeInheritedEnvMs,
        `${spawn.runs} runs; inherits this shell's env` + (spawn.slowEnv.length > 0 ? ` (which sets ${spawn.slowEnv.join(', ')})` : ''),
      ),
      timeRow('lab-1 server: SIGKILL -> exit seen', spawn.killMs, 'the teardown of one node'),
    ],
  },
  {
    title: `3. Scheduler throughput (${messages.toLocaleString('en-US')} messages of ping-pong; one event = one round trip to a node)`,
    rows: [
      {
        ...rateRow('Simulation, 2 ProcessNodes (real runtime)', processPingPong.eventsPerSecond, 'events', ''),
        note: `${processPingPong.events.toLocaleString('en-US')} events in ${formatMs(processPingPong.wallMs.median)} (${formatPerOp(processPingPong.eventsPerSecond.median)}); median of 3; start-up not counted`,
      },
      rateRow('raw fd-3 pipe round trips (echo child)', pipe.roundTripsPerSecond, 'round trips', `${formatPerOp(pipe.roundTripsPerSecond.median)}; median of 3 x ${pipe.roundTrips.toLocaleString('en-US')}`),
      rateRow('Simulation, 2 in-memory instant nodes', inMemory.eventsPerSecond, 'events', `${formatPerOp(inMemory.eventsPerSecond.median)}; the scheduler's own cost; median of 3`),
      rateRow(
        '  the same, with loss, duplication and delay on every link',
        inMemoryFlaky.eventsPerSecond,
        'events',
        `${formatPerOp(inMemoryFlaky.eventsPerSecond.median)}; 15% loss, 10% duplicates, 1-40 ms delays (${inMemoryFlaky.events.toLocaleString('en-US')} events for the same ${messages.toLocaleString('en-US')} round trips)`,
      ),
      rateRow(
        '  the same, under a rule on who may call whom',
        inMemoryRuled.eventsPerSecond,
        'events',
        `${formatPerOp(inMemoryRuled.eventsPerSecond.median)}; b may call no one, so each of its answers is checked against a's delivered requests; ${(inMemoryRuled.eventsPerSecond.median / inMemory.eventsPerSecond.median).toFixed(2)}x the rate without a rule`,
      ),
      rateRow('zod validation of node lines (parseNodeLine)', validation.linesPerSecond, 'lines', `${formatPerOp(validation.linesPerSecond.median)}; ~3 lines per process step`),
    ],
  },
];

sections.push(checker.section);

const out: string[] = [];
out.push('locklab bench');
out.push(`  machine: ${machine.cpus} CPUs (availableParallelism ${machine.availableParallelism}), ${machine.cpuModel}, ${machine.memoryGiB} GiB`);
out.push(`  node ${machine.node} on ${machine.platform}; load average at start ${machine.loadAverage.join(' ')}`);
if (machine.loadAverage[0]! > machine.availableParallelism) {
  out.push(`  WARNING: load average ${machine.loadAverage[0]} on ${machine.availableParallelism} CPUs at start: other work competes for the CPUs, so times are pessimistic.`);
}
out.push('  "best" is the minimum of the times, the maximum of the rates.');
out.push('');
out.push(renderTable(sections));
out.push('');
out.push('  Cost model (from the figures above, medians):');
const perStepUs = 1e6 / processPingPong.eventsPerSecond.median;
const pipeUs = 1e6 / pipe.roundTripsPerSecond.median;
const schedUs = 1e6 / inMemory.eventsPerSecond.median;
out.push(`    one process step ${perStepUs.toFixed(0)} µs = pipe round trip ${pipeUs.toFixed(0)} µs + scheduler ${schedUs.toFixed(0)} µs + the rest ${(perStepUs - pipeUs - schedUs).toFixed(0)} µs (line validation, the node's runtime, idle detection)`);
const g = gradeOne ?? gradeAll;
const stepsMs = (g.events * perStepUs) / 1000;
out.push(
  `    lab 1 at jobs=${g.jobs}: ${g.events} scheduler steps x ${perStepUs.toFixed(0)} µs = ${formatMs(stepsMs)} of the ${formatMs(g.runMs.median)} running the tests;` +
    ` the rest is mostly starting and killing ${g.nodesStarted} node processes (4-5 per test, spawned in parallel, ${formatMs(spawn.initMs.median)} each to init alone)`,
);
out.push('');
out.push(`bench wall time: ${formatMs(benchWallMs)}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
process.stdout.write(out.join('\n') + '\n');

if (values.json) {
  const figures = {
    format: 'locklab-bench',
    version: 1,
    date: new Date().toISOString(),
    machine,
    options: { repeats, spawnRuns, messages, impl: IMPL },
    grade: { jobsAll: gradeAll, jobsOne: gradeOne ?? null, quotedGoSuite: GO_SUITE },
    startup: spawn,
    scheduler: { processPingPong, pipe, inMemory, inMemoryFlaky, inMemoryRuled, validation },
    checker: checker.figures,
    benchWallMs,
  };
  mkdirSync(path.dirname(path.resolve(values.json)), { recursive: true });
  writeFileSync(values.json, JSON.stringify(figures, null, 2) + '\n');
  progress(`figures written to ${values.json}`);
}

await (await import('./batch-bench.ts')).batchBenchSection(values.json);
await (await import('./sandbox-bench.ts')).sandboxBench(lab, { runs: spawnRuns, repeats, jobs: jobsAll, json: values.json });
await (await import('./hostile-bench.ts')).hostileBench(lab, { repeats, jobs: jobsAll, json: values.json });
