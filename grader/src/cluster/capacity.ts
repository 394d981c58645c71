/**
 * How many jobs this machine can take at once, when `--jobs` does not say: the CPUs the grader
 * may really use and the memory it may really take, from the cgroup it runs in (cgroup v2, or
 * v1's `cpu` and `memory` controllers), not from the host's CPU count. In a container that
 * shows a large host (Gradescope's: half a CPU and 768 MB on a host of 19 or more CPUs),
 * `os.availableParallelism()` alone would start every run at once and the kernel would kill
 * the grader.
 *
 * One function for `locklab grade` (a job is one run: its nodes, one child process each) and
 * `locklab batch` (a job is one submission: its type-check, its bundles, then one run at a time).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const MiB = 1024 * 1024;

/**
 * Memory of one job at its peak, proportional set size, rounded up with headroom; measured with
 * `npx tsx grader/bench/job-memory.ts` (lab 1, reference): a run 45 to 55 MiB, a batch
 * submission 61 MiB beyond the first (type-check and bundles included).
 */
export const JOB_MEMORY_MIB = { run: 64, submission: 160 } as const;
/** The grader itself, with no run going (measured as above: about 115 MiB). */
export const GRADER_MEMORY_MIB = 128;

export type JobKind = keyof typeof JOB_MEMORY_MIB;

/** What the cgroup and the machine allow. */
export interface Capacity {
  /** CPUs this process may run on (affinity), e.g. 2. */
  cpus: number;
  /** The cgroup's CPU quota in CPUs (0.5 for 50 ms per 100 ms), if it has one, and where it was read. */
  cpuQuota?: { cpus: number; source: string };
  /** The memory the grader may use: the cgroup's limit, else the machine's. */
  memoryBytes: number;
  /** Where the limit was read, if a cgroup sets it. */
  memorySource?: string;
}

export interface JobChoice {
  jobs: number;
  /** Why, in words: e.g. "the cgroup's CPU quota is 0.5 CPU". */
  reason: string;
  /** Fewer than the CPUs this machine shows. */
  limited: boolean;
}

/** Reads files of the running system (a fake root in tests). */
export interface SystemFiles {
  read(file: string): string | undefined;
}

export const realFiles = (root = '/'): SystemFiles => ({
  read(file) {
    try {
      return readFileSync(path.join(root, file), 'utf8');
    } catch {
      return undefined;
    }
  },
});

interface Mount {
  root: string;
  point: string;
  version: 1 | 2;
  controllers: string[];
}

/** The cgroup file systems mounted here (from /proc/self/mountinfo). */
function cgroupMounts(files: SystemFiles): Mount[] {
  const mounts: Mount[] = [];
  for (const line of (files.read('/proc/self/mountinfo') ?? '').split('\n')) {
    const [before, after] = line.split(' - ');
    if (!before || !after) continue;
    const fields = before.split(' ');
    const [fsType, , superOptions = ''] = after.split(' ');
    const root = fields[3];
    const point = fields[4]?.replace(/\\040/g, ' ');
    if (root === undefined || point === undefined) continue;
    if (fsType === 'cgroup2') mounts.push({ root, point, version: 2, controllers: [] });
    else if (fsType === 'cgroup') mounts.push({ root, point, version: 1, controllers: superOptions.split(',') });
  }
  return mounts;
}

/** This process's cgroup path in each hierarchy (from /proc/self/cgroup): "" for v2, controller names for v1. */
function cgroupPaths(files: SystemFiles): { controllers: string[]; path: string; v2: boolean }[] {
  return (files.read('/proc/self/cgroup') ?? '')
    .split('\n')
    .map((line) => /^(\d+):([^:]*):(.*)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ controllers: m[2]!.split(','), path: m[3]!, v2: m[1] === '0' && m[2] === '' }));
}

/** The folders of this process's cgroup and of each ancestor up to the mount, deepest first. */
function cgroupDirs(mount: Mount, cgroupPath: string): string[] {
  const relative = cgroupPath === mount.root ? '' : cgroupPath.startsWith(`${mount.root.replace(/\/$/, '')}/`) ? cgroupPath.slice(mount.root.replace(/\/$/, '').length) : cgroupPath;
  const dirs: string[] = [];
  let dir = path.posix.join(mount.point, relative);
  for (;;) {
    dirs.push(dir);
    if (dir === mount.point || dir === '/' || !dir.startsWith(mount.point)) break;
    dir = path.posix.dirname(dir);
  }
  return dirs;
}

/** Where this process's limits of a controller live: each (v2 and v1) hierarchy's folders, deepest first. */
function controllerDirs(files: SystemFiles, controller: 'cpu' | 'memory'): { dir: string; version: 1 | 2 }[] {
  const mounts = cgroupMounts(files);
  const found: { dir: string; version: 1 | 2 }[] = [];
  for (const entry of cgroupPaths(files)) {
    const mount = entry.v2 ? mounts.find((m) => m.version === 2) : mounts.find((m) => m.version === 1 && entry.controllers.includes(controller) && m.controllers.includes(controller));
    if (!mount) continue;
    for (const dir of cgroupDirs(mount, entry.path)) found.push({ dir, version: mount.version });
  }
  return found;
}

/** Above this, a v1 memory limit means "none" (the kernel's PAGE_COUNTER_MAX, rounded to pages). */
const NO_LIMIT = 2 ** 60;

/** The CPU quota of this process's cgroup (the smallest along its path), in CPUs. */
export function cpuQuota(files: SystemFiles): { cpus: number; source: string } | undefined {
  let best: { cpus: number; source: string } | undefined;
  for (const { dir, version } of controllerDirs(files, 'cpu')) {
    let cpus: number | undefined;
    let source = '';
    if (version === 2) {
      const [quota, period] = (files.read(path.posix.join(dir, 'cpu.max')) ?? '').trim().split(/\s+/);
      if (quota && quota !== 'max' && Number(period) > 0) {
        cpus = Number(quota) / Number(period);
        source = `${path.posix.join(dir, 'cpu.max')}: ${quota} ${period}`;
      }
    } else {
      const quota = Number((files.read(path.posix.join(dir, 'cpu.cfs_quota_us')) ?? '').trim());
      const period = Number((files.read(path.posix.join(dir, 'cpu.cfs_period_us')) ?? '').trim());
      if (quota > 0 && period > 0) {
        cpus = quota / period;
        source = `${path.posix.join(dir, 'cpu.cfs_quota_us')}: ${quota} per ${period} µs`;
      }
    }
    if (cpus !== undefined && Number.isFinite(cpus) && cpus > 0 && (!best || cpus < best.cpus)) best = { cpus, source };
  }
  return best;
}

/** The memory limit of this process's cgroup (the smallest along its path), in bytes. */
export function memoryLimit(files: SystemFiles): { bytes: number; source: string } | undefined {
  let best: { bytes: number; source: string } | undefined;
  for (const { dir, version } of controllerDirs(files, 'memory')) {
    const file = path.posix.join(dir, version === 2 ? 'memory.max' : 'memory.limit_in_bytes');
    const text = (files.read(file) ?? '').trim();
    if (text === '' || text === 'max') continue;
    const bytes = Number(text);
    if (!Number.isFinite(bytes) || bytes <= 0 || bytes >= NO_LIMIT) continue;
    if (!best || bytes < best.bytes) best = { bytes, source: `${file}: ${text}` };
  }
  return best;
}

/** This machine's capacity, as the grader running here sees it. */
export function readCapacity(files: SystemFiles = realFiles(), machine = { cpus: os.availableParallelism(), memoryBytes: os.totalmem() }): Capacity {
  const quota = cpuQuota(files);
  const memory = memoryLimit(files);
  return {
    cpus: machine.cpus,
    ...(quota ? { cpuQuota: quota } : {}),
    memoryBytes: memory ? Math.min(memory.bytes, machine.memoryBytes) : machine.memoryBytes,
    ...(memory && memory.bytes <= machine.memoryBytes ? { memorySource: memory.source } : {}),
  };
}

const cpuWords = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(2).replace(/0$/, '')} CPU${n <= 1 ? '' : 's'}`;
const mib = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;

/**
 * The default number of jobs of a kind: as many as the CPUs allow (the quota rounded up, at
 * most the CPUs this process may run on) and as the memory allows (what the grader itself
 * leaves, divided by one job's peak), at least 1; and why.
 */
export function defaultJobs(kind: JobKind, capacity: Capacity = readCapacity()): JobChoice {
  const byCpu = Math.max(1, Math.min(capacity.cpus, capacity.cpuQuota ? Math.ceil(capacity.cpuQuota.cpus) : capacity.cpus));
  const byMemory = Math.max(1, Math.floor((capacity.memoryBytes / MiB - GRADER_MEMORY_MIB) / JOB_MEMORY_MIB[kind]));
  const jobs = Math.min(byCpu, byMemory);
  const what = kind === 'run' ? 'run' : 'submission';
  const memoryText = `${mib(capacity.memoryBytes)} of memory${capacity.memorySource ? ' (cgroup limit)' : ''} allows ${byMemory} at ${JOB_MEMORY_MIB[kind]} MiB per ${what}`;
  const cpuText = capacity.cpuQuota && Math.ceil(capacity.cpuQuota.cpus) < capacity.cpus ? `the cgroup's CPU quota is ${cpuWords(capacity.cpuQuota.cpus)}` : `${cpuWords(capacity.cpus)}`;
  const reason = byMemory < byCpu ? `${memoryText}, fewer than the CPUs (${byCpu})` : `${cpuText}; ${memoryText}`;
  return { jobs, reason, limited: jobs < capacity.cpus };
}

/** One line for the run's output: how many jobs at a time, and why. */
export function describeJobs(kind: JobKind, choice: JobChoice): string {
  const noun = kind === 'run' ? (choice.jobs === 1 ? 'run' : 'runs') : choice.jobs === 1 ? 'submission' : 'submissions';
  return `${choice.jobs} ${noun} at a time: ${choice.reason}`;
}
