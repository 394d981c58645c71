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
import { inertLine } from '../text/untrusted.ts';

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

/** Why the grading stopped before its end: a signal, or an internal error (a bug, or a reporter that failed). */
export type StopReason = { signal: StopSignal } | { error: unknown };

/** The exit code of a stop: 128 + the signal's number, or 2 ("the grading could not run") for an internal error. */
export const stopExitCode = (reason: StopReason) => ('signal' in reason ? 128 + SIGNAL_NUMBERS[reason.signal] : 2);

/** An error in one line, for a person: its message's first line, inert. */
export function oneLineError(error: unknown): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
  return inertLine(line.length > 300 ? `${line.slice(0, 299)}…` : line);
}

/**
 * Until the returned function is called, SIGINT, SIGTERM and SIGHUP, and an exception that
 * nothing caught, stop the grading: every process is killed and, once all have exited, every
 * temporary folder removed; then `onStop` runs (to save partial results and say so), and the
 * process exits with `stopExitCode`. A second signal while this goes on exits at once
 * (processes killed, folders removed).
 */
export function stopOnSignals(onStop: (reason: StopReason) => void): () => void {
  const stop = (reason: StopReason) => {
    if (stopping) {
      killAll();
      removeFolders();
      process.exit(stopExitCode(reason));
    }
    void emergencyTeardown().then(() => {
      try {
        onStop(reason);
      } finally {
        process.exit(stopExitCode(reason));
      }
    });
  };
  const handlers = new Map<NodeJS.Signals | 'uncaughtException' | 'unhandledRejection', (value?: unknown) => void>();
  for (const signal of Object.keys(SIGNAL_NUMBERS) as StopSignal[]) handlers.set(signal, () => stop({ signal }));
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) handlers.set(event, (error) => stop({ error }));
  for (const [event, handler] of handlers) process.on(event as NodeJS.Signals, handler);
  return () => {
    for (const [event, handler] of handlers) process.off(event as NodeJS.Signals, handler);
  };
}
