// How a stopped grader cleans up (Ctrl-C, SIGTERM, an internal error): every process it started
// has exited before any folder it made is removed. Otherwise, for a moment, a SIGKILLed node
// still runs from a folder that is gone: an orphan to anyone who looks then (another grading's
// orphan check did). This file stops its worker's grader for good: it runs alone in its worker.
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessNode } from '../../src/cluster/process-node.ts';
import { emergencyTeardown, trackProcess, trackTempDir } from '../../src/cluster/teardown.ts';
import { orphanNodes } from '../support/grading.ts';

/** The process exists and is not a zombie (it may still run code). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

test.serial('an emergency stop removes a folder only once every process running from it has exited', async (t) => {
  const nodes: ProcessNode[] = [];
  const dirs: string[] = [];
  for (let i = 0; i < 6; i++) {
    const dir = mkdtempSync(path.join(tmpdir(), 'locklab-teardown-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const bundle = path.join(dir, 'bundle', 'node.mjs');
    mkdirSync(path.dirname(bundle), { recursive: true });
    writeFileSync(bundle, 'setInterval(() => {}, 1000);\n');
    trackTempDir(dir);
    dirs.push(dir);
    nodes.push(new ProcessNode(`n${i}`, { bundle, stepWallMs: 1000, startWallMs: 1000, heapMiB: 64, outputBytes: 1024, cwd: dir }));
  }
  await sleep(500); // every process has started
  const pids = nodes.map((n) => n.pid!);
  t.true(pids.every(running));

  const stop = emergencyTeardown();
  // Right after the stop began, and until it ends: a folder that is gone has no process running from it.
  const check = () => dirs.map((dir, i) => !existsSync(dir) && running(pids[i]!));
  t.deepEqual(check(), dirs.map(() => false), 'a folder was removed while its process still ran');
  await stop;
  t.deepEqual(check(), dirs.map(() => false));
  t.deepEqual(dirs.filter((d) => existsSync(d)), [], 'every folder removed');
  t.deepEqual(pids.filter(running), [], 'every process gone');
  t.deepEqual(orphanNodes(), []);
});

test.serial('a process slow to die keeps its folder until it is gone', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-teardown-slow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  trackTempDir(dir);
  // A process that the kernel takes 300 ms to reap after SIGKILL (a loaded machine, a large address space).
  let killedAt = 0;
  let exit: () => void = () => {};
  const exited = new Promise<void>((resolve) => (exit = resolve));
  trackProcess({
    killNow: () => {
      killedAt = Date.now();
      setTimeout(exit, 300);
    },
    exited,
  });
  const stop = emergencyTeardown();
  await sleep(150);
  t.true(killedAt > 0, 'it was killed at once');
  t.true(existsSync(dir), 'its folder is still there while it dies');
  await stop;
  t.false(existsSync(dir));
  t.true(Date.now() - killedAt >= 290);
});
