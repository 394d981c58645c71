/** Grading from the grader's own tests, through the library (no CLI process). */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';
import { ProcessNode } from '../../src/cluster/process-node.ts';
import { loadLab } from '../../src/lab/load.ts';
import type { Limits } from '../../src/lab/manifest.ts';
import { grade, type GradeOutcome } from '../../src/score/grade.ts';
import type { RunResult } from '../../src/score/run-test.ts';

export interface GradeOptions {
  seeds?: number[];
  tests?: string[];
  limits?: Partial<Limits>;
  typecheck?: boolean;
  jobs?: number;
}

export async function gradeLab1(impl: string, options: GradeOptions = {}): Promise<GradeOutcome> {
  const lab = await loadLab('lab1');
  const tests = options.tests ? lab.manifest.tests.filter((t) => options.tests!.includes(t.name)) : lab.manifest.tests;
  return grade({
    lab,
    impl,
    tests,
    seeds: options.seeds ?? [1],
    jobs: options.jobs ?? 2,
    typecheck: options.typecheck ?? false,
    ...(options.limits ? { limits: options.limits } : {}),
  });
}

export function runsOf(outcome: GradeOutcome): RunResult[] {
  if (outcome.kind !== 'graded') throw new Error(`expected a graded outcome, got: ${outcome.details.join('\n')}`);
  return outcome.runs;
}

export function failedTests(outcome: GradeOutcome): string[] {
  return outcome.summary.tests.filter((t) => !t.passed).map((t) => t.name);
}

/**
 * A copy of the reference whose `file` is edited by `edit`: how the tests build
 * implementations that misbehave (hang, crash, write garbage, ...).
 */
export function referenceWith(name: string, file: string, edit: (source: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `locklab-fixture-${name}-`));
  cpSync(path.join(LOCKLAB_ROOT, 'solutions'), dir, { recursive: true });
  const target = path.join(dir, file);
  const before = readFileSync(target, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error(`fixture ${name}: the edit changed nothing in ${file}`);
  writeFileSync(target, after);
  return dir;
}

/** True if a process with this pid still exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes that this grader started and has not seen exit (must be none between runs). */
export function liveNodes(): number {
  return ProcessNode.live.size;
}

/**
 * Node processes whose run is over: they run a bundle from a work folder that no longer
 * exists (a grading removes its folder only once every node of it has exited). Must always be
 * empty. A zombie is no orphan: it has exited and runs nothing, only its parent has not yet
 * collected its exit status.
 */
export function orphanNodes(): string[] {
  const orphans: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const bundle = cmdline.split('\0').find((arg) => /\/locklab-[^/]+\/bundle\/[^/]+\.mjs$/.test(arg));
    if (bundle && !existsSync(bundle)) orphans.push(`${entry}: ${bundle}`);
  }
  return orphans;
}
