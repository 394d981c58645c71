/**
 * Grades the designs of lab 1 through the real grader and prints, per design, the tests that
 * failed with their seeds. Exits 1 if any test failed a design (known-unfair ones included:
 * they are marked, not hidden).
 *
 *   npx tsx grader/test/designs/grade-designs.ts [--design NAME[,NAME...]] [--seeds 1-50 | --seeds 20]
 *        [--test NAME[,NAME...]] [--jobs 2] [--trace-dir DIR]
 *
 * A failing run's trace goes to DIR/<design>/<test>-seed<n>.json (default .locklab/design-traces);
 * `npx locklab view` draws it.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeTraceFile } from '../../src/report/trace-files.ts';
import { DESIGNS, designNamed, type Design } from './designs.ts';
import { designFailures, type Failure } from './failures.ts';

function parseSeeds(text: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(text);
  const [from, to] = range ? [Number(range[1]), Number(range[2])] : /^\d+$/.test(text) ? [1, Number(text)] : [NaN, NaN];
  if (!(from >= 1 && to >= from)) throw new Error(`--seeds takes N or A-B (e.g. 1-50), not "${text}"`);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const list = (text: string | undefined) => text?.split(',').map((s) => s.trim()).filter(Boolean);

/** "1-3,7,9-10" for [1,2,3,7,9,10]. */
function seedRanges(seeds: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seeds.length; ) {
    let j = i;
    while (j + 1 < seeds.length && seeds[j + 1] === seeds[j]! + 1) j++;
    parts.push(i === j ? `${seeds[i]}` : `${seeds[i]}-${seeds[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function report(design: Design, failures: Failure[], seconds: number): string[] {
  if (failures.length === 0) return [`${design.name.padEnd(16)} every test passes  (${seconds.toFixed(0)} s)`];
  const lines = [`${design.name.padEnd(16)} ${new Set(failures.map((f) => f.test)).size} tests fail  (${seconds.toFixed(0)} s)`];
  for (const test of [...new Set(failures.map((f) => f.test))]) {
    const mine = failures.filter((f) => f.test === test);
    const known = design.knownUnfair.find((k) => k.test === test);
    lines.push(`  ${test.padEnd(22)} seeds ${seedRanges(mine.map((f) => f.seed).sort((a, b) => a - b))}${known ? '  [known unfair]' : ''}`);
    lines.push(`    seed ${mine[0]!.seed}: ${mine[0]!.message}`);
  }
  return lines;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      design: { type: 'string' },
      seeds: { type: 'string', default: '1-10' },
      test: { type: 'string' },
      jobs: { type: 'string', default: '2' },
      'trace-dir': { type: 'string', default: '.locklab/design-traces' },
    },
  });
  const designs = list(values.design)?.map(designNamed) ?? DESIGNS;
  const seeds = parseSeeds(values.seeds);
  const tests = list(values.test);
  const jobs = Number(values.jobs);
  process.stdout.write(`grading ${designs.length} designs on seeds ${seedRanges(seeds)}${tests ? `, tests ${tests.join(',')}` : ''}, ${jobs} runs at a time\n`);
  let failed = false;
  for (const design of designs) {
    const started = performance.now();
    const failures = await designFailures(design, {
      seeds,
      jobs,
      ...(tests ? { tests } : {}),
      onFailure: (run) => writeTraceFile(path.join(values['trace-dir'], design.name), run.trace),
    });
    failed ||= failures.length > 0;
    process.stdout.write(report(design, failures, (performance.now() - started) / 1000).join('\n') + '\n');
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
