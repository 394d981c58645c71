/** `--trace-dir`: one JSON file per run, named by test and seed; same seed, same bytes. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TraceFile } from '../net/trace.ts';

export function traceFileName(test: string, seed: number): string {
  return `${test}-seed${seed}.json`;
}

export function writeTraceFile(dir: string, trace: TraceFile): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, traceFileName(trace.test, trace.seed));
  writeFileSync(file, JSON.stringify(trace, null, 1) + '\n');
  return file;
}
