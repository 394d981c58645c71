/**
 * A cgroup with a memory limit and a CPU quota, to run a command as a small container would
 * (Gradescope's defaults: 768 MB, half a CPU): under this process's own cgroup, with cgroup v2
 * (where the parent lets us enable its controllers), v1's `memory` and `cpu` controllers, or
 * `systemd-run --scope`. Where none works (not root, no controllers, no systemd), it says why,
 * and the test that wanted it says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { realFiles } from '../../src/cluster/capacity.ts';

export interface Limits {
  memoryBytes: number;
  /** CPUs, e.g. 0.5. */
  cpus: number;
}

export interface Cgroup {
  /** How the limits are applied, for the test log. */
  how: string;
  /** The command line that runs `file args` inside the cgroup. */
  wrap(file: string, args: readonly string[]): { file: string; args: string[] };
  /** Removes what was created (after every process in it has exited). */
  remove(): void;
}

const PERIOD_US = 100_000;

/** This process's cgroup folder in a hierarchy: v2 (`controller` undefined) or the v1 one that has `controller`. */
function ownDir(controller?: string): string | undefined {
  const files = realFiles();
  const mounts = (files.read('/proc/self/mountinfo') ?? '').split('\n').map((l) => {
    const [before = '', after = ''] = l.split(' - ');
    const fields = before.split(' ');
    const [type, , options = ''] = after.split(' ');
    return { root: fields[3] ?? '', point: fields[4] ?? '', type, options: options.split(',') };
  });
  for (const line of (files.read('/proc/self/cgroup') ?? '').split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const v2 = m[1] === '0' && m[2] === '';
    if ((controller === undefined) !== v2) continue;
    if (controller !== undefined && !m[2]!.split(',').includes(controller)) continue;
    const mount = mounts.find((x) => (v2 ? x.type === 'cgroup2' : x.type === 'cgroup' && x.options.includes(controller!)));
    if (!mount) continue;
    const relative = m[3]!.startsWith(mount.root) ? m[3]!.slice(mount.root.length) : m[3]!;
    return path.posix.join(mount.point, relative);
  }
  return undefined;
}

const unique = () => `locklab-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

function tryWrite(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

function removeDir(dir: string): void {
  for (let i = 0; i < 50; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw err;
      spawnSync('sleep', ['0.1']);
    }
  }
}

const enter = (dirs: string[], file: string, args: readonly string[]) => ({
  file: 'sh',
  args: ['-c', `${dirs.map((d) => `echo $$ > '${d}/cgroup.procs'`).join(' && ')} && exec "$@"`, 'sh', file, ...args],
});

function v2(limits: Limits): Cgroup | string {
  const parent = ownDir();
  if (!parent || !existsSync(path.join(parent, 'cgroup.controllers'))) return 'no cgroup v2 hierarchy';
  const dir = path.join(parent, unique());
  try {
    mkdirSync(dir);
  } catch (err) {
    return `cannot create a cgroup v2 child (${(err as Error).message})`;
  }
  const ok =
    tryWrite(path.join(parent, 'cgroup.subtree_control'), '+memory +cpu') &&
    tryWrite(path.join(dir, 'memory.max'), String(limits.memoryBytes)) &&
    tryWrite(path.join(dir, 'cpu.max'), `${Math.round(limits.cpus * PERIOD_US)} ${PERIOD_US}`);
  if (!ok) {
    removeDir(dir);
    return 'cannot enable the memory and cpu controllers for a cgroup v2 child';
  }
  tryWrite(path.join(dir, 'memory.swap.max'), '0');
  return { how: `cgroup v2 ${dir}`, wrap: (file, args) => enter([dir], file, args), remove: () => removeDir(dir) };
}

function v1(limits: Limits): Cgroup | string {
  const memoryParent = ownDir('memory');
  const cpuParent = ownDir('cpu');
  if (!memoryParent || !cpuParent) return 'no cgroup v1 memory and cpu controllers';
  const name = unique();
  const memory = path.join(memoryParent, name);
  const cpu = path.join(cpuParent, name);
  try {
    mkdirSync(memory);
    mkdirSync(cpu);
  } catch (err) {
    for (const d of [memory, cpu]) removeDir(d);
    return `cannot create cgroup v1 children (${(err as Error).message})`;
  }
  const ok =
    tryWrite(path.join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes)) &&
    tryWrite(path.join(cpu, 'cpu.cfs_period_us'), String(PERIOD_US)) &&
    tryWrite(path.join(cpu, 'cpu.cfs_quota_us'), String(Math.round(limits.cpus * PERIOD_US)));
  if (!ok) {
    for (const d of [memory, cpu]) removeDir(d);
    return 'cannot set limits in cgroup v1';
  }
  // No swap either, as in a container: RAM + swap limited to the same figure (where the kernel accounts swap).
  if (existsSync(path.join(memory, 'memory.memsw.limit_in_bytes'))) tryWrite(path.join(memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
  return {
    how: `cgroup v1 ${memory} and ${cpu}`,
    wrap: (file, args) => enter([memory, cpu], file, args),
    remove: () => {
      for (const d of [memory, cpu]) removeDir(d);
    },
  };
}

function systemdRun(limits: Limits): Cgroup | string {
  if (!existsSync('/run/systemd/system')) return 'systemd is not running here';
  const probe = spawnSync('systemd-run', ['--scope', '--quiet', '-p', 'MemoryMax=64M', 'true'], { encoding: 'utf8' });
  if (probe.status !== 0) return `systemd-run --scope does not work here: ${(probe.stderr || String(probe.error)).trim()}`;
  const properties = ['-p', `MemoryMax=${limits.memoryBytes}`, '-p', 'MemorySwapMax=0', '-p', `CPUQuota=${Math.round(limits.cpus * 100)}%`];
  return { how: 'systemd-run --scope', wrap: (file, args) => ({ file: 'systemd-run', args: ['--scope', '--quiet', ...properties, file, ...args] }), remove: () => {} };
}

/** A cgroup with these limits, or why this machine cannot make one. */
export function limitedCgroup(limits: Limits): Cgroup | { unavailable: string } {
  if (process.platform !== 'linux') return { unavailable: `cgroups are Linux's; this is ${process.platform}` };
  const reasons: string[] = [];
  for (const attempt of [v2, v1, systemdRun]) {
    const made = attempt(limits);
    if (typeof made !== 'string') return made;
    reasons.push(made);
  }
  return { unavailable: reasons.join('; ') };
}
