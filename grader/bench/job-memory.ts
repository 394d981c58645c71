/**
 * The memory of one job: `npx tsx grader/bench/job-memory.ts [--impl solutions] [--seeds 2] [--jobs 1,2,4]`.
 *
 * Runs `locklab grade lab1 --impl IMPL --seeds K --jobs N` for each N, and samples, every 20 ms,
 * the proportional set size (PSS, /proc/PID/smaps_rollup: shared pages split between the
 * processes that map them, so the sum is the memory the tree really holds) of the grader and
 * every process under it. The peak at N = 1 is the grader with one run; each further run at a
 * time adds (peak(N) - peak(1)) / (N - 1). Then `locklab batch` on copies of IMPL with
 * `--jobs 1` and `--jobs 2`: a batch job is a submission (its type-check and bundling, then one
 * run at a time), so it costs more than a run. Linux only (it reads /proc).
 *
 * These figures set the per-job memory in grader/src/cluster/capacity.ts.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { LOCKLAB_ROOT } from '../src/cluster/prepare.ts';

const { values } = parseArgs({ options: { impl: { type: 'string' }, seeds: { type: 'string' }, jobs: { type: 'string' }, copies: { type: 'string' } } });
const impl = values.impl ?? 'solutions';
const seeds = values.seeds ?? '2';
const jobsList = (values.jobs ?? '1,2,4').split(',').map(Number);
const copies = Number(values.copies ?? '4');
const cli = path.join(LOCKLAB_ROOT, 'bin/locklab.js');
const MiB = 1024 * 1024;

/** Children of every process, from /proc/PID/stat. */
function childrenMap(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = map.get(ppid) ?? [];
      list.push(Number(entry));
      map.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  return map;
}

function treePss(root: number): { bytes: number; processes: number } {
  const children = childrenMap();
  const stack = [root];
  let bytes = 0;
  let processes = 0;
  while (stack.length > 0) {
    const pid = stack.pop()!;
    stack.push(...(children.get(pid) ?? []));
    try {
      const match = /^Pss:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (match) {
        bytes += Number(match[1]) * 1024;
        processes++;
      }
    } catch {
      // gone meanwhile
    }
  }
  return { bytes, processes };
}

async function peakOf(args: string[], cwd: string): Promise<{ peak: number; processes: number; seconds: number }> {
  const started = performance.now();
  const child = execa(process.execPath, [cli, ...args], { cwd, reject: false, env: { NO_COLOR: '1', CI: '1' } });
  let peak = 0;
  let processes = 0;
  const timer = setInterval(() => {
    if (child.pid === undefined) return;
    const sample = treePss(child.pid);
    if (sample.bytes > peak) [peak, processes] = [sample.bytes, sample.processes];
  }, 20);
  const result = await child;
  clearInterval(timer);
  if (result.exitCode !== 0 && result.exitCode !== 1) throw new Error(`locklab ${args.join(' ')} exited ${result.exitCode}: ${String(result.stderr).slice(-500)}`);
  return { peak, processes, seconds: (performance.now() - started) / 1000 };
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;

console.log(`locklab grade lab1 --impl ${impl} --seeds ${seeds}: peak PSS of the grader and its nodes`);
const grade: { jobs: number; peak: number }[] = [];
for (const jobs of jobsList) {
  const { peak, processes, seconds } = await peakOf(['grade', 'lab1', '--impl', impl, '--seeds', seeds, '--jobs', String(jobs)], LOCKLAB_ROOT);
  grade.push({ jobs, peak });
  console.log(`  --jobs ${jobs}: ${mib(peak)} (${processes} processes at the peak), ${seconds.toFixed(1)} s`);
}
const base = grade.find((g) => g.jobs === 1);
if (base) {
  for (const g of grade.filter((x) => x.jobs > 1)) console.log(`  each run beyond the first, from --jobs ${g.jobs}: ${mib((g.peak - base.peak) / (g.jobs - 1))}`);
}

const dir = mkdtempSync(path.join(tmpdir(), 'locklab-job-memory-'));
try {
  const submissions = path.join(dir, 'submissions');
  for (let i = 1; i <= copies; i++) {
    mkdirSync(path.join(submissions, `student${i}`), { recursive: true });
    cpSync(path.join(LOCKLAB_ROOT, impl), path.join(submissions, `student${i}`), { recursive: true });
  }
  console.log(`locklab batch (${copies} copies of ${impl}, --test Basic): peak PSS`);
  const batch: { jobs: number; peak: number }[] = [];
  for (const jobs of [1, 2]) {
    const out = path.join(dir, `out-${jobs}`);
    const { peak, processes, seconds } = await peakOf(['batch', submissions, '--lab', 'lab1', '--out', out, '--test', 'Basic', '--jobs', String(jobs)], LOCKLAB_ROOT);
    batch.push({ jobs, peak });
    console.log(`  --jobs ${jobs}: ${mib(peak)} (${processes} processes at the peak), ${seconds.toFixed(1)} s`);
  }
  console.log(`  each submission beyond the first: ${mib(batch[1]!.peak - batch[0]!.peak)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
