/**
 * The limits of one node process, and how a breach is told to a student: which limit, its
 * value, and what to do about it. `ProcessNode` enforces the grader-side limits (output,
 * messages) and reads the OS-side ones (memory, CPU, sandbox) from how the process ended.
 */
import { inertText } from '../text/untrusted.ts';

/** Defaults of the per-node limits that the lab's `limits` may override (see `LimitsSchema`). */
export const NODE_LIMIT_DEFAULTS = {
  /** console.* output kept per node and run; the rest is dropped with one note. */
  logBytes: 1024 * 1024,
  /** Messages and timers (every channel line but logs) one step may produce. */
  stepMessages: 1000,
  /** Bytes of messages and timers (every channel line but logs) one node may write in one run. */
  messageBytes: 64 * 1024 * 1024,
  /** Largest file a node may write in its state folder, MiB. */
  fileMiB: 64,
  /** Address space beyond the V8 heap limit (code, threads, buffers), MiB. */
  addressSpaceHeadroomMiB: 2048,
  /** Bytes a node may keep in its state folder (every file and folder in it, each counted as at least one 4 KiB block), MiB. */
  stateMiB: 64,
} as const;

/**
 * Defaults of the limits on turning a submission into bundles (see `LimitsSchema`): the size of
 * what is staged, and the time and memory of the type-checker and of the bundler, each a process
 * group of its own that dies with the grader.
 */
export const COMPILE_LIMIT_DEFAULTS = {
  /** Largest student file, bytes: the reference's largest is about 10 KiB. */
  sourceFileBytes: 1024 * 1024,
  /** All student files together, bytes. */
  sourceBytes: 4 * 1024 * 1024,
  /** Wall-clock ms that type-checking, and bundling, may each take. */
  compileWallMs: 60_000,
  /**
   * Address space of each compiler process, MiB (an OS limit where `prlimit` exists). The Go
   * runtime of tsc and esbuild reserves about 700 MiB before it allocates anything, and Node
   * (the bundler's host) about as much: the rest is heap.
   */
  compileMemoryMiB: 4096,
} as const;

/** How often a node's state folder is measured while a step runs (it is measured after every step too). */
export const STATE_POLL_MS = 100;

/** A log line longer than this is cut (the rest is counted, not kept). */
export const LOG_LINE_CHARS = 4096;

/** More output than this in one step, and a step that overran its time, is reported as a flood. */
export const FLOOD_BYTES = 8 * 1024 * 1024;

/** The address space a node may map: its heap limit plus room for everything else. */
export function addressSpaceMiB(heapMiB: number, explicit?: number): number {
  return explicit ?? heapMiB + NODE_LIMIT_DEFAULTS.addressSpaceHeadroomMiB;
}

/** CPU seconds a node process may use in all: a backstop far above any honest run. */
export function cpuSeconds(runWallMs: number): number {
  return Math.ceil(runWallMs / 1000) * 2 + 30;
}

/** A limit the node broke: `text` follows "node `X`" and precedes "while <event>". */
export interface LimitBreach {
  text: string;
  hint: string;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MiB`;
export const formatBytes = (bytes: number): string => (bytes >= 1024 * 1024 ? mib(bytes) : `${Math.ceil(bytes / 1024)} KiB`);

const MEMORY_HINT =
  'the node kept more and more data (a map or array that only grows, a list of every message, a string built in a loop); keep only what the protocol needs';

/** V8 reached the heap limit, or the process could not map more memory. */
export function memoryBreach(output: string, heapMiB: number, addressSpace: number | undefined): LimitBreach | undefined {
  if (/Reached heap limit|JavaScript heap out of memory/.test(output)) {
    return { text: `ran out of memory (heap limit ${heapMiB} MiB)`, hint: MEMORY_HINT };
  }
  if (/Fatal process (OOM|out of memory)|process out of memory|Array buffer allocation failed|Cannot allocate memory|std::bad_alloc/.test(output)) {
    const limit = addressSpace !== undefined ? `address-space limit ${addressSpace} MiB` : `the machine's memory`;
    return {
      text: `ran out of memory (${limit}, for the heap of ${heapMiB} MiB and everything outside it: buffers, typed arrays)`,
      hint: `${MEMORY_HINT}; large Buffers and typed arrays count too`,
    };
  }
  return undefined;
}

/** SIGXCPU: the CPU-time backstop. */
export function cpuBreach(signal: string | null, seconds: number): LimitBreach | undefined {
  if (signal !== 'SIGXCPU') return undefined;
  return {
    text: `used more than ${seconds} s of CPU time`,
    hint: 'a node must not compute without end; the grader limits each node\'s CPU time in all',
  };
}

export const SANDBOX_HINT =
  'nodes run in a sandbox: a node may read its own code and read and write only its state folder (readState/writeState); ' +
  'it may not read other files, start processes or workers, open sockets or signal other processes. Talk to other nodes with call()';

/**
 * The sandbox refused something (Node's permission model, or the locklab guard): a crash
 * whose text carries ERR_ACCESS_DENIED. Says what was refused, from the message or the stack.
 */
export function sandboxBreach(crashText: string): LimitBreach | undefined {
  const guard = /locklab sandbox: (.*?) is not allowed/.exec(crashText);
  if (guard) return { text: `was stopped by the sandbox: ${guard[1]} is not allowed`, hint: SANDBOX_HINT };
  if (!/ERR_ACCESS_DENIED|Access to this API has been restricted|requires full fs\.read and fs\.write permissions/.test(crashText)) return undefined;
  return { text: `was stopped by the sandbox: ${deniedApi(crashText)} is not allowed`, hint: SANDBOX_HINT };
}

/** What a permission-model refusal was about, from the first frames of its stack. */
function deniedApi(stack: string): string {
  const frames = stack.split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 6).join('\n');
  if (/node:child_process|child_process/.test(frames)) return 'starting a process';
  if (/node:internal\/worker|worker_threads|new Worker/.test(frames)) return 'starting a worker thread';
  if (/node:inspector|inspector/.test(frames)) return 'the inspector';
  if (/node:wasi|WASI/.test(frames)) return 'WASI';
  const first = frames.split('\n').slice(0, 4).join('\n');
  if (/node:internal\/modules\/(esm\/(load|resolve|translators)|cjs\/loader)/.test(first)) return 'loading a module from outside the node\'s own code';
  const fsCall = /at (?:Object\.|Module\.|async )?(\w+) \(node:(?:fs|internal\/fs[^:]*)/.exec(frames);
  if (fsCall) return `file access outside the node's own folder (fs.${fsCall[1]})`;
  if (/process\.binding|process\.dlopen/.test(stack)) return 'native bindings and addons';
  return 'an API outside the sandbox';
}

/**
 * A step overran its time while writing more output than FLOOD_BYTES: say so, not "infinite loop?".
 * The text names the threshold, not the amount written, which depends on the machine's speed:
 * the same seed must give the same failure text everywhere.
 */
export function outputFloodBreach(wallMs: number, keptBytes: number): LimitBreach {
  return {
    text: `flooded its output: more than ${formatBytes(FLOOD_BYTES)} of console and stdout/stderr output in one step, still writing after ${wallMs / 1000} s`,
    hint: `print less, and look for a loop that never ends: locklab keeps ${formatBytes(keptBytes)} of each node's console output, and a node that keeps printing misses its time limit`,
  };
}

export function messageSizeBreach(limit: number): LimitBreach {
  return {
    text: `sent a message of more than ${formatBytes(limit)}`,
    hint: `one message carries at most ${formatBytes(limit)} of JSON; send only what the receiver needs (not the whole state), or split it`,
  };
}

/** A write to stdout/stderr failed because the pipe to the grader was full: the node printed without pause. */
export function outputPipeBreach(crashText: string): LimitBreach | undefined {
  const failed = /Error: write (ENOBUFS|EAGAIN)/.exec(crashText);
  if (!failed) return undefined;
  return {
    text: `flooded its output: stdout/stderr could not take more (write ${failed[1]})`,
    hint: 'print less: a node that writes without pause fills the pipe to the grader; locklab keeps only the end of it anyway',
  };
}

export function stateBreach(limitMiB: number): LimitBreach {
  return {
    text: `wrote more than ${limitMiB} MiB to its state folder`,
    hint: `durable storage (writeState) is for what a node must not lose, not a log: the grader limits each node's state folder to ${limitMiB} MiB`,
  };
}

export function stepMessagesBreach(limit: number): LimitBreach {
  return {
    text: `flooded the network: more than ${limit} messages and timers in one step`,
    hint: 'a handler sends or sets timers in a loop without end; a lab-1 step needs a handful of messages',
  };
}

export function messageBytesBreach(limit: number): LimitBreach {
  return {
    text: `flooded the network: more than ${formatBytes(limit)} of messages in one run`,
    hint: 'messages carry too much data (e.g. the whole state, or a log of every operation); send only what the receiver needs',
  };
}

/** Multi-line text from a node (a crash stack), inert, with every continuation line indented. */
export function indentContinuation(text: string): string {
  return inertText(text)
    .split('\n')
    .map((line, i) => (i === 0 || /^\s/.test(line) ? line : `  ${line}`))
    .join('\n');
}
