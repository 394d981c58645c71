/**
 * The default number of jobs (grader/src/cluster/capacity.ts) from the cgroup the grader runs
 * in, on fake /proc and /sys trees: Gradescope's container (cgroup v2, half a CPU, 768 MB) on a
 * host of 19 CPUs grades one run at a time, not 19; limits set by an ancestor count; cgroup v1
 * (this machine's layout) and container mounts; no cgroup at all. And the real machine: it
 * reads without error.
 */
import os from 'node:os';
import test from 'ava';
import { cpuQuota, defaultJobs, describeJobs, GRADER_MEMORY_MIB, JOB_MEMORY_MIB, memoryLimit, readCapacity, realFiles, type SystemFiles } from '../../src/cluster/capacity.ts';

const MiB = 1024 * 1024;
const files = (tree: Record<string, string>): SystemFiles => ({ read: (file) => tree[file] });
const host = (cpus: number, memoryGiB = 64) => ({ cpus, memoryBytes: memoryGiB * 1024 * MiB });

const V2_MOUNT = '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n';

test('Gradescope\'s container on a big host: cgroup v2, 0.5 CPU, 768 MB: one run at a time, and why', (t) => {
  const gradescope = files({
    '/proc/self/cgroup': '0::/\n',
    '/proc/self/mountinfo': V2_MOUNT,
    '/sys/fs/cgroup/cpu.max': '50000 100000\n',
    '/sys/fs/cgroup/memory.max': `${768 * MiB}\n`,
  });
  const capacity = readCapacity(gradescope, host(19));
  t.deepEqual(capacity.cpuQuota?.cpus, 0.5);
  t.is(capacity.memoryBytes, 768 * MiB);
  const run = defaultJobs('run', capacity);
  t.is(run.jobs, 1);
  t.true(run.limited);
  t.is(describeJobs('run', run), `1 run at a time: the cgroup's CPU quota is 0.5 CPU; 768 MiB of memory (cgroup limit) allows ${Math.floor((768 - GRADER_MEMORY_MIB) / JOB_MEMORY_MIB.run)} at ${JOB_MEMORY_MIB.run} MiB per run`);
  t.is(defaultJobs('submission', capacity).jobs, 1, 'batch: one submission at a time too');

  // More CPU, same memory: now memory is what limits a batch.
  const sixCpus = readCapacity(files({ ...Object.fromEntries(['/proc/self/cgroup', '/proc/self/mountinfo'].map((f) => [f, gradescope.read(f)!])), '/sys/fs/cgroup/cpu.max': '600000 100000', '/sys/fs/cgroup/memory.max': String(768 * MiB) }), host(19));
  t.is(defaultJobs('run', sixCpus).jobs, 6);
  const batch = defaultJobs('submission', sixCpus);
  t.is(batch.jobs, Math.floor((768 - GRADER_MEMORY_MIB) / JOB_MEMORY_MIB.submission));
  t.regex(batch.reason, /^768 MiB of memory \(cgroup limit\) allows \d+ at \d+ MiB per submission, fewer than the CPUs \(6\)$/);
});

test('a limit set on an ancestor cgroup counts; a fractional quota rounds up; "max" is no limit', (t) => {
  const nested = files({
    '/proc/self/cgroup': '0::/course.slice/grader.scope\n',
    '/proc/self/mountinfo': V2_MOUNT,
    '/sys/fs/cgroup/course.slice/grader.scope/cpu.max': 'max 100000',
    '/sys/fs/cgroup/course.slice/grader.scope/memory.max': 'max',
    '/sys/fs/cgroup/course.slice/cpu.max': '150000 100000',
    '/sys/fs/cgroup/course.slice/memory.max': String(400 * MiB),
  });
  t.deepEqual(cpuQuota(nested), { cpus: 1.5, source: '/sys/fs/cgroup/course.slice/cpu.max: 150000 100000' });
  t.deepEqual(memoryLimit(nested)?.bytes, 400 * MiB);
  const choice = defaultJobs('run', readCapacity(nested, host(8)));
  t.is(choice.jobs, 2, '1.5 CPUs: two runs (a run also waits on its nodes)');
});

test('cgroup v1, as on this kind of machine: cpu and memory controllers mounted apart, memory limited in a sub-cgroup', (t) => {
  const v1 = files({
    '/proc/self/cgroup': '9:name=systemd:/\n4:memory:/process_api/abc\n2:cpuacct:/\n1:cpu:/grading\n0::/\n',
    '/proc/self/mountinfo': [
      '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
      '33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
      '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n'),
    '/sys/fs/cgroup/cpu/grading/cpu.cfs_quota_us': '50000',
    '/sys/fs/cgroup/cpu/grading/cpu.cfs_period_us': '100000',
    '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1',
    '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
    '/sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes': String(768 * MiB),
    '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712',
  });
  const capacity = readCapacity(v1, host(24));
  t.is(capacity.cpuQuota?.cpus, 0.5);
  t.is(capacity.memoryBytes, 768 * MiB);
  t.regex(capacity.memorySource!, /process_api\/abc\/memory\.limit_in_bytes/);
  t.is(defaultJobs('run', capacity).jobs, 1);

  const unlimited = files({ ...Object.fromEntries(['/proc/self/cgroup', '/proc/self/mountinfo'].map((f) => [f, v1.read(f)!])), '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' });
  t.is(memoryLimit(unlimited), undefined, 'the kernel\'s "no limit" value');
});

test('a container whose cgroup mount root is its own cgroup (v1, no cgroup namespace)', (t) => {
  const docker = files({
    '/proc/self/cgroup': '5:memory:/docker/0123abcd\n3:cpu,cpuacct:/docker/0123abcd\n',
    '/proc/self/mountinfo': [
      '41 35 0:40 /docker/0123abcd /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct',
      '42 35 0:41 /docker/0123abcd /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory',
    ].join('\n'),
    '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '200000',
    '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000',
    '/sys/fs/cgroup/memory/memory.limit_in_bytes': String(2048 * MiB),
  });
  const capacity = readCapacity(docker, host(32));
  t.is(capacity.cpuQuota?.cpus, 2);
  t.is(capacity.memoryBytes, 2048 * MiB);
  t.is(defaultJobs('run', capacity).jobs, 2);
});

test('no cgroup (another OS, or none mounted): the CPUs this process may use, and the machine\'s memory', (t) => {
  const capacity = readCapacity(files({}), host(8, 16));
  t.deepEqual(capacity, { cpus: 8, memoryBytes: 16 * 1024 * MiB });
  const choice = defaultJobs('run', capacity);
  t.is(choice.jobs, 8);
  t.false(choice.limited);
  t.regex(choice.reason, /^8 CPUs; /);
  t.is(defaultJobs('run', readCapacity(files({}), { cpus: 4, memoryBytes: 200 * MiB })).jobs, 1, 'never fewer than one');
});

test('this machine: its own cgroup reads without error, and the default never exceeds its CPUs', (t) => {
  const capacity = readCapacity(realFiles());
  t.is(capacity.cpus, os.availableParallelism());
  const choice = defaultJobs('run', capacity);
  t.true(choice.jobs >= 1 && choice.jobs <= capacity.cpus);
  t.log(describeJobs('run', choice));
});
