/**
 * A compiler (the type-checker, the bundler) run on untrusted source, bounded like a node: a
 * wall-clock limit, an address-space limit (`prlimit`, where it exists), a process group of its
 * own (killed as a whole: the bundler's host starts esbuild's service, and the native tsc
 * ignores SIGINT and survives SIGTERM, so only a SIGKILL to the group is sure), the
 * parent-death signal (`setpriv --pdeathsig KILL`: it dies with a SIGKILLed grader), and
 * registered with the teardown, which kills it on Ctrl-C, SIGTERM, SIGHUP and internal errors.
 * A compiler never outlives the grading it works for.
 */
import { execa } from 'execa';
import { availableParallelism } from 'node:os';
import { detectSandbox } from './sandbox.ts';
import { trackProcess } from './teardown.ts';

export interface CompilerBounds {
  /** Wall-clock ms before the process group is SIGKILLed. */
  wallMs: number;
  /** Address space of each process, MiB (with `prlimit`). */
  memoryMiB: number;
}

export interface BoundedResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** SIGKILLed at the wall-clock limit. */
  timedOut: boolean;
  /** Died of (or reported) running out of memory. */
  outOfMemory: boolean;
  /** Stopped from outside (`abort`), e.g. because the other compiler already failed. */
  aborted: boolean;
}

export interface BoundedOptions {
  cwd: string;
  bounds: CompilerBounds;
  /** Written to standard input. */
  input?: string;
  /** Aborting kills the process group at once. */
  signal?: AbortSignal;
  /** Largest standard output kept, bytes; beyond it the process is killed. */
  maxOutputBytes?: number;
}

const OUT_OF_MEMORY = /out of memory|cannot allocate memory|failed to reserve|allocation failed|std::bad_alloc/i;

/** CPU seconds: a backstop for a machine without the parent-death signal; the wall-clock limit comes first. */
const cpuSeconds = (wallMs: number) => Math.ceil(wallMs / 1000) * Math.max(2, availableParallelism()) + 30;

/** Runs `file args...` bounded; never rejects. */
export async function runBounded(file: string, args: string[], options: BoundedOptions): Promise<BoundedResult> {
  const wrappers = await detectSandbox();
  const prefix: string[] = [];
  if (wrappers.prlimit) {
    prefix.push(wrappers.prlimit, `--as=${options.bounds.memoryMiB * 1024 * 1024}`, `--cpu=${cpuSeconds(options.bounds.wallMs)}`, '--core=0', '--');
  }
  if (wrappers.setpriv) prefix.push(wrappers.setpriv, '--pdeathsig', 'KILL', '--');
  const [command, ...rest] = [...prefix, file, ...args];
  if (options.signal?.aborted) return { exitCode: undefined, stdout: '', stderr: '', timedOut: false, outOfMemory: false, aborted: true };

  const child = execa(command!, rest, {
    cwd: options.cwd,
    reject: false,
    // A process group of its own: killed as a whole, and out of reach of the terminal's Ctrl-C.
    detached: true,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    ...(options.input === undefined ? {} : { input: options.input }),
    maxBuffer: options.maxOutputBytes ?? 8 * 1024 * 1024,
    // Past maxBuffer execa kills the process: with SIGKILL, which the native tsc cannot ignore.
    killSignal: 'SIGKILL',
    stripFinalNewline: false,
  });
  let exited = false;
  const killGroup = () => {
    // Only while the leader lives: its pid is then the group's id for sure.
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const untrack = trackProcess({ killNow: killGroup, exited: child.then(() => undefined, () => undefined) });
  let timedOut = false;
  let aborted = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.bounds.wallMs);
  const onAbort = () => {
    aborted = true;
    killGroup();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await child;
    const stderr = String(result.stderr ?? '');
    return {
      exitCode: result.exitCode,
      stdout: String(result.stdout ?? ''),
      stderr,
      timedOut,
      outOfMemory: !timedOut && !aborted && OUT_OF_MEMORY.test(stderr.slice(-8192)),
      aborted,
    };
  } finally {
    exited = true;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    untrack();
  }
}
