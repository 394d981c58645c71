/**
 * Leaving nothing behind when the grader is stopped: every node process of this grader is
 * SIGKILLed and every temporary folder it made is removed, synchronously, so it can run in a
 * signal handler right before the process exits. (A SIGKILLed grader cannot clean up: its
 * nodes die by the parent-death signal or when their channel closes; its folder stays.)
 */
import { rmSync } from 'node:fs';
import { ProcessNode } from './process-node.ts';

const tempDirs = new Set<string>();

/** Registers a temporary folder to remove on an emergency stop; call the result once it is removed. */
export function trackTempDir(dir: string): () => void {
  tempDirs.add(dir);
  return () => {
    tempDirs.delete(dir);
  };
}

/** Kills every live node (SIGKILL) and removes every tracked temporary folder, now. */
export function emergencyTeardown(): { nodes: number; folders: number } {
  const nodes = [...ProcessNode.live];
  for (const node of nodes) node.killNow();
  const folders = [...tempDirs];
  for (const dir of folders) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // a folder that cannot be removed now stays; nothing better to do while exiting
    }
    tempDirs.delete(dir);
  }
  return { nodes: nodes.length, folders: folders.length };
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
export type StopSignal = keyof typeof SIGNAL_NUMBERS;

/**
 * Until the returned function is called, SIGINT, SIGTERM and SIGHUP stop the grading: every
 * node is killed and every temporary folder removed, then `onStop` runs (to save partial
 * results and say so), then the process exits with 128 + the signal's number.
 */
export function stopOnSignals(onStop: (signal: StopSignal) => void): () => void {
  const handlers = new Map<StopSignal, () => void>();
  for (const signal of Object.keys(SIGNAL_NUMBERS) as StopSignal[]) {
    const handler = () => {
      emergencyTeardown();
      try {
        onStop(signal);
      } finally {
        process.exit(128 + SIGNAL_NUMBERS[signal]);
      }
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
