/**
 * Leaving nothing behind when the grader stops, however it stops. Every process the grader
 * starts (a node, the type-checker, the bundler) and every temporary folder it makes is
 * registered here while it lives. On Ctrl-C, SIGTERM, SIGHUP or an internal error, every
 * process is SIGKILLed, and only once each has exited are the temporary folders removed: a
 * folder is never removed under a process that still runs from it. (A SIGKILLed grader cannot
 * clean up: its processes die by the parent-death signal or when their pipes close; its folder
 * stays.)
 */
import { rmSync } from 'node:fs';

/** A process (or a process group) the grader started. */
export interface Stoppable {
  /** SIGKILL, now, without waiting. */
  killNow(): void;
  /** Settles once the process (and, for a group, every process in it) has exited. */
  readonly exited: Promise<unknown>;
}

const processes = new Set<Stoppable>();
const tempDirs = new Set<string>();
let stopping = false;

/** How long a stop waits for SIGKILLed processes to be gone before it removes folders anyway. */
const EXIT_WAIT_MS = 5000;

/** Registers a live process; call the result once it has exited. */
export function trackProcess(process: Stoppable): () => void {
  processes.add(process);
  return () => {
    processes.delete(process);
  };
}

/** Registers a temporary folder to remove on a stop; call the result once it is removed. */
export function trackTempDir(dir: string): () => void {
  tempDirs.add(dir);
  return () => {
    tempDirs.delete(dir);
  };
}

/** The grader is stopping: start no process, report nothing more. */
export function isStopping(): boolean {
  return stopping;
}

/** Never settles: what a grading awaits once the grader is stopping (the process exits meanwhile). */
export function stopped(): Promise<never> {
  return new Promise<never>(() => {});
}

/** SIGKILLs every live process now, without waiting. */
function killAll(): number {
  const all = [...processes];
  for (const process of all) process.killNow();
  return all.length;
}

function removeFolders(): number {
  const folders = [...tempDirs];
  for (const dir of folders) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // a folder that cannot be removed now stays; nothing better to do while exiting
    }
    tempDirs.delete(dir);
  }
  return folders.length;
}

/**
 * Stops everything: no new process starts, every live one is SIGKILLed, and once all have
 * exited (or after a few seconds) every tracked temporary folder is removed.
 */
export async function emergencyTeardown(): Promise<{ processes: number; folders: number }> {
  stopping = true;
  const waiting = [...processes].map((p) => p.exited.catch(() => undefined));
  const killed = killAll();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(waiting), new Promise((resolve) => (timer = setTimeout(resolve, EXIT_WAIT_MS)))]);
  clearTimeout(timer);
  return { processes: killed, folders: removeFolders() };
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
export type StopSignal = keyof typeof SIGNAL_NUMBERS;

/**
 * Until the returned function is called, SIGINT, SIGTERM and SIGHUP stop the grading: every
 * process is killed and, once all have exited, every temporary folder removed; then `onStop`
 * runs (to save partial results and say so), and the process exits with 128 + the signal's
 * number. A second signal while this goes on exits at once (processes killed, folders removed).
 */
export function stopOnSignals(onStop: (signal: StopSignal) => void): () => void {
  const handlers = new Map<StopSignal, () => void>();
  for (const signal of Object.keys(SIGNAL_NUMBERS) as StopSignal[]) {
    const handler = () => {
      if (stopping) {
        killAll();
        removeFolders();
        process.exit(128 + SIGNAL_NUMBERS[signal]);
      }
      void emergencyTeardown().then(() => {
        try {
          onStop(signal);
        } finally {
          process.exit(128 + SIGNAL_NUMBERS[signal]);
        }
      });
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
