/**
 * A node as a real child process: `node <bundle>` with its channel on fd 3, inside the
 * sandbox (`sandbox.ts`) unless grading runs without one.
 *
 * The scheduler talks to it one step at a time: write one event, read lines until `idle`.
 * Each step has a wall-clock guard, so a node that spins forever fails its test instead of
 * hanging the grader. Fail-stop is SIGKILL. stdout/stderr are captured, capped.
 *
 * Nothing a node writes can exhaust the grader: a line is at most MAX_LINE_BYTES; console
 * output is kept up to `logBytes` and the rest dropped with one note; one step may produce at
 * most `stepMessages` messages and timers, one run `messageBytes` of them. Text from a node is
 * cleaned of control characters before anyone prints it. A breach, an out-of-memory death or
 * a refusal by the sandbox ends the step as a `limit` outcome that names the limit.
 */
import { execa } from 'execa';
import { mkdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { finished } from 'node:stream/promises';
import type { Limits } from '../lab/manifest.ts';
import { GRADER, type Envelope, type NodeId, type TimedEnvelope } from '../runtime/protocol.ts';
import { MAX_LINE_BYTES, parseNodeLine } from '../net/wire-schema.ts';
import type { SimNode, StepOutcome } from '../sim/sim-node.ts';
import {
  FLOOD_BYTES,
  LOG_LINE_CHARS,
  NODE_LIMIT_DEFAULTS,
  addressSpaceMiB,
  cpuBreach,
  cpuSeconds,
  formatBytes,
  indentContinuation,
  memoryBreach,
  messageBytesBreach,
  messageSizeBreach,
  outputFloodBreach,
  outputPipeBreach,
  sandboxBreach,
  STATE_POLL_MS,
  stateBreach,
  stepMessagesBreach,
  type LimitBreach,
} from './limits.ts';
import { OutputTail } from './output-buffer.ts';
import { stateFolderBytes } from './state-folder.ts';
import { inertLine, inertText } from '../text/untrusted.ts';
import { nodeLaunch, type Sandbox } from './sandbox.ts';
import { isStopping, trackProcess } from './teardown.ts';

export interface ProcessNodeOptions {
  /** The bundled role entry to run. */
  bundle: string;
  /** Wall-clock milliseconds a step may take before the node is declared stuck. */
  stepWallMs: number;
  /** The same for the first step (`init`), which includes starting the process. */
  startWallMs: number;
  /** V8 heap limit of the node, in MiB. */
  heapMiB: number;
  /** Captured stdout+stderr kept per node, in bytes. */
  outputBytes: number;
  cwd: string;
  /** The node's own folder, kept across restarts (the runtime's storage). */
  stateDir?: string;
  /** The sandbox to run in (`detectSandbox()`); without one the node is a plain `node <bundle>`. */
  sandbox?: Sandbox | undefined;
  /** OS address-space limit, MiB (with the sandbox's prlimit); default: the heap + 2 GiB. */
  addressSpaceMiB?: number | undefined;
  /** OS CPU-time backstop, seconds (with the sandbox's prlimit); default: from a 60 s run. */
  cpuSeconds?: number;
  /** Largest file the node may write, MiB (with the sandbox's prlimit). */
  fileMiB?: number;
  /** Bytes the node may keep in its state folder, MiB, measured after every step and while one runs. */
  stateMiB?: number;
  /** console.* output kept per node, bytes. */
  logBytes?: number;
  /** Messages and timers one step may produce. */
  stepMessages?: number;
  /** Bytes of messages and timers the node may write in all. */
  messageBytes?: number;
}

/** A lab's limits as a node's options (all but where the node runs). */
export function nodeLimits(limits: Limits): Omit<ProcessNodeOptions, 'bundle' | 'cwd' | 'stateDir' | 'sandbox'> {
  return {
    stepWallMs: limits.stepWallMs,
    startWallMs: limits.startWallMs,
    heapMiB: limits.heapMiB,
    outputBytes: limits.outputBytes,
    addressSpaceMiB: limits.addressSpaceMiB,
    cpuSeconds: cpuSeconds(limits.runWallMs),
    fileMiB: limits.fileMiB,
    stateMiB: limits.stateMiB,
    logBytes: limits.logBytes,
    stepMessages: limits.stepMessages,
    messageBytes: limits.messageBytes,
  };
}

const NATIVE_FRAME = /^\s*\d+: 0x[0-9a-f]+ /;

/** How the runtime writes a console line: recognised in a line too long to parse. */
const LOG_PREFIX = /^\{"src":"[^"]{0,64}","dest":"grader","body":\{"type":"log","stream":"(stdout|stderr)","text":"/;

function spawnNode(id: NodeId, options: ProcessNodeOptions) {
  const launch = nodeLaunch(options.sandbox, {
    bundle: options.bundle,
    heapMiB: options.heapMiB,
    stateDir: options.stateDir,
    addressSpaceMiB: addressSpaceMiB(options.heapMiB, options.addressSpaceMiB),
    cpuSeconds: options.cpuSeconds ?? cpuSeconds(60_000),
    // One file can hold no more than the whole folder may.
    fileMiB: Math.min(options.fileMiB ?? NODE_LIMIT_DEFAULTS.fileMiB, options.stateMiB ?? NODE_LIMIT_DEFAULTS.stateMiB),
  });
  return execa(launch.file, launch.args, {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    buffer: false,
    reject: false,
    extendEnv: false,
    env: { LOCKLAB_NODE: id, NODE_ENV: 'test' },
    // A process group of its own (setsid): Ctrl-C reaches the grader alone, which then stops
    // every node itself (a node dying of the terminal's SIGINT first would be graded as a
    // failure). A grader that dies anyway takes its nodes along: their channel closes, and
    // setpriv's parent-death signal.
    detached: true,
  });
}

interface ActiveStep {
  outputs: Envelope[];
  resolve: (outcome: StepOutcome) => void;
  guard: NodeJS.Timeout;
  /** Measures the state folder while the step runs. */
  statePoll: NodeJS.Timeout | undefined;
  /** Messages and timers so far. */
  lines: number;
  /** console output (kept or not) and raw stdout/stderr so far, in characters. */
  outputChars: number;
}

export class ProcessNode implements SimNode {
  misbehaviour: string | undefined;
  private readonly child: ReturnType<typeof spawnNode>;
  private readonly channel: Socket;
  private readonly output: OutputTail;
  private active: ActiveStep | undefined;
  private pending = '';
  /** Dropping the rest of a console line too long to keep, up to its newline. */
  private skippingLine = false;
  private exited: { code: number | null; signal: string | null } | undefined;
  private readonly exitPromise: Promise<void>;
  private killedByUs = false;
  /** The grader gave up on the node (a malformed line, a breached limit): what it writes next is ignored. */
  private condemned = false;
  private crashText: string | undefined;
  private started = false;
  /** The end of stderr so far, searched for the words of a fatal out-of-memory error. */
  private stderrTail = '';
  private logKept = 0;
  private logDropped = false;
  private messageBytesWritten = 0;
  private readonly limits: { logBytes: number; stepMessages: number; messageBytes: number; cpuSeconds: number; stateMiB: number };

  /** Every process this grader started and has not yet seen exit: the last line of defence against orphans. */
  static readonly live = new Set<ProcessNode>();

  constructor(
    readonly id: NodeId,
    private readonly options: ProcessNodeOptions,
  ) {
    this.limits = {
      logBytes: options.logBytes ?? NODE_LIMIT_DEFAULTS.logBytes,
      stepMessages: options.stepMessages ?? NODE_LIMIT_DEFAULTS.stepMessages,
      messageBytes: options.messageBytes ?? NODE_LIMIT_DEFAULTS.messageBytes,
      cpuSeconds: options.cpuSeconds ?? cpuSeconds(60_000),
      stateMiB: options.stateMiB ?? NODE_LIMIT_DEFAULTS.stateMiB,
    };
    if (isStopping()) throw new Error('locklab is stopping: no node may start');
    // The permission model grants only folders that exist.
    if (options.stateDir) mkdirSync(options.stateDir, { recursive: true });
    this.output = new OutputTail(options.outputBytes);
    this.child = spawnNode(id, options);
    ProcessNode.live.add(this);
    const untrack = trackProcess({ killNow: () => this.killNow(), exited: this.child.then(() => undefined, () => undefined) });
    this.channel = this.child.stdio[3] as unknown as Socket;
    this.channel.setEncoding('utf8');
    this.channel.on('data', (chunk: string) => this.onData(chunk));
    this.channel.on('error', () => {}); // a closed channel shows up as the process exit
    const streams = [this.child.stdout, this.child.stderr];
    for (const stream of streams) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        this.output.push(chunk);
        if (this.active) this.active.outputChars += chunk.length;
        if (stream === this.child.stderr) this.stderrTail = (this.stderrTail + chunk).slice(-4096);
      });
    }
    // The exit is judged once stderr is read to its end (a fatal error's words come last), or
    // after a second: a process the node left behind (without the sandbox) may hold the pipe.
    const drained = Promise.race([
      Promise.all(streams.map((s) => (s ? finished(s).catch(() => undefined) : undefined))),
      new Promise((resolve) => setTimeout(resolve, 1000).unref()),
    ]);
    this.exitPromise = this.child.then(
      async (result) => {
        untrack();
        await drained;
        ProcessNode.live.delete(this);
        this.exited = { code: result.exitCode ?? null, signal: result.signal ?? null };
        if (result.failed && result.exitCode === undefined && result.signal === undefined && this.crashText === undefined) {
          this.crashText = `locklab could not start the node: ${result.shortMessage}`;
        }
        this.finishStep(this.exitOutcome());
      },
      () => undefined,
    );
  }

  get stateDir(): string | undefined {
    return this.options.stateDir;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  step(event: TimedEnvelope): Promise<StepOutcome> {
    if (this.exited) return Promise.resolve(this.exitOutcome());
    if (this.active) throw new Error(`locklab bug: step() on ${this.id} while a step is active`);
    const wallMs = this.started ? this.options.stepWallMs : this.options.startWallMs;
    this.started = true;
    return new Promise((resolve) => {
      const guard = setTimeout(() => {
        const step = this.active;
        if (step && step.outputChars > FLOOD_BYTES) this.breach(outputFloodBreach(wallMs, this.limits.logBytes));
        else this.finishStep({ kind: 'stuck', outputs: step?.outputs ?? [], wallMs });
        void this.kill();
      }, wallMs);
      // A node that writes without end is stopped while it writes, not only once its step ends.
      const statePoll = this.options.stateDir ? setInterval(() => this.checkStateBudget(), STATE_POLL_MS) : undefined;
      this.active = { outputs: [], resolve, guard, statePoll, lines: 0, outputChars: 0 };
      this.channel.write(JSON.stringify(event) + '\n');
    });
  }

  async kill(): Promise<void> {
    this.killNow();
    await this.exitPromise;
  }

  /** SIGKILL without waiting (for an emergency stop). */
  killNow(): void {
    if (!this.exited) {
      this.killedByUs = true;
      this.child.kill('SIGKILL');
    }
  }

  rawOutputTail(lines: number): string[] {
    // Frames of a native stack (after a fatal V8 error) say nothing to a student.
    return this.output.lines(lines + 40).filter((l) => !NATIVE_FRAME.test(l)).slice(-lines).map(inertLine);
  }

  private onData(chunk: string): void {
    if (this.condemned) return;
    if (this.skippingLine) {
      const newline = chunk.indexOf('\n');
      if (this.active) this.active.outputChars += newline < 0 ? chunk.length : newline;
      if (newline < 0) return;
      this.skippingLine = false;
      chunk = chunk.slice(newline + 1);
    }
    // Newlines are looked for in the new chunk only: a long line costs its length, not its square.
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf('\n', start)) >= 0) {
      const line = this.pending + chunk.slice(start, newline);
      this.pending = '';
      start = newline + 1;
      if (line.trim()) this.onLine(line);
      if (this.condemned) return;
    }
    this.pending += chunk.slice(start);
    if (this.pending.length > MAX_LINE_BYTES) {
      const line = this.pending;
      this.pending = '';
      this.onOversizedLine(line, false);
    }
  }

  /**
   * A line over MAX_LINE_BYTES (`complete`: its newline came): a console line is cut and the
   * rest of it skipped; anything else is a message too large, and the node fails.
   */
  private onOversizedLine(line: string, complete: boolean): void {
    const log = LOG_PREFIX.exec(line.slice(0, 300));
    const step = this.active;
    if (!log || !step) return this.breach(messageSizeBreach(MAX_LINE_BYTES));
    this.skippingLine = !complete;
    const start = log[0].length;
    const text = `${line.slice(start, start + LOG_LINE_CHARS)}… (a console line of more than ${formatBytes(MAX_LINE_BYTES)}; the rest is not kept)`;
    this.fileLog(step, { src: this.id, dest: GRADER, body: { type: 'log', stream: log[1] as 'stdout' | 'stderr', text } });
    step.outputChars += line.length - text.length;
  }

  private onLine(line: string): void {
    if (line.length * 3 > MAX_LINE_BYTES && Buffer.byteLength(line, 'utf8') > MAX_LINE_BYTES) return this.onOversizedLine(line, true);
    const parsed = parseNodeLine(line);
    const step = this.active;
    if (!parsed.ok) {
      if (step) this.finishStep({ kind: 'malformed', outputs: step.outputs, line: inertLine(line.slice(0, 300)), problem: parsed.problem });
      else this.misbehaviour ??= `wrote a malformed line while idle (${parsed.problem}): ${inertLine(line.slice(0, 200))}`;
      this.condemn();
      return;
    }
    const envelope = parsed.envelope;
    const body = envelope.body;
    if (!step) {
      this.misbehaviour ??=
        `sent "${inertLine(body.type)}" while it was not handling an event. Only the runtime's timers and messages ` +
        `may wake a node: real I/O or timers not patched by locklab break the simulation`;
      return;
    }
    switch (body.type) {
      case 'idle':
        if (this.checkStateBudget()) return;
        return this.finishStep({ kind: 'idle', outputs: step.outputs });
      case 'crash':
        this.crashText = String(body.text);
        return; // the process exits next; the exit finishes the step
      case 'log':
        return this.fileLog(step, envelope);
    }
    step.lines++;
    this.messageBytesWritten += line.length;
    if (step.lines > this.limits.stepMessages) return this.breach(stepMessagesBreach(this.limits.stepMessages));
    if (this.messageBytesWritten > this.limits.messageBytes) return this.breach(messageBytesBreach(this.limits.messageBytes));
    step.outputs.push(envelope);
  }

  /** A console line: kept, one line per line of text, cleaned and cut, until the node's log budget is spent. */
  private fileLog(step: ActiveStep, envelope: Envelope): void {
    const text = String(envelope.body.text);
    step.outputChars += text.length;
    if (this.logDropped) return;
    const parts = text.split('\n');
    if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    for (const part of parts) {
      if (this.logKept >= this.limits.logBytes) {
        this.logDropped = true;
        const note = `(locklab: this node wrote more than ${formatBytes(this.limits.logBytes)} of console output; the rest is not kept)`;
        step.outputs.push({ ...envelope, body: { type: 'log', stream: 'stderr', text: note } });
        return;
      }
      const clean = inertLine(part);
      const cut = clean.length > LOG_LINE_CHARS ? `${clean.slice(0, LOG_LINE_CHARS)}… (${clean.length - LOG_LINE_CHARS} more characters)` : clean;
      this.logKept += cut.length + 1;
      step.outputs.push({ ...envelope, body: { ...envelope.body, text: cut } });
    }
  }

  /** True (and the node stopped) if its state folder holds more than its budget. */
  private checkStateBudget(): boolean {
    const dir = this.options.stateDir;
    const budget = this.limits.stateMiB * 1024 * 1024;
    if (!dir || this.condemned || stateFolderBytes(dir, budget) <= budget) return false;
    this.breach(stateBreach(this.limits.stateMiB));
    return true;
  }

  /** The node broke a limit: the step ends with the limit named, and the node is killed. */
  private breach(breach: LimitBreach): void {
    const step = this.active;
    if (step) this.finishStep({ kind: 'limit', outputs: step.outputs, text: breach.text, hint: breach.hint });
    else this.misbehaviour ??= breach.text;
    this.condemn();
  }

  private condemn(): void {
    this.condemned = true;
    this.pending = '';
    void this.kill();
  }

  /** Why the process ended, if it was a limit: memory, CPU, or the sandbox refusing something. */
  private exitBreach(): LimitBreach | undefined {
    const sandbox = this.options.sandbox;
    const addressSpace = sandbox?.prlimit ? addressSpaceMiB(this.options.heapMiB, this.options.addressSpaceMiB) : undefined;
    if (this.crashText !== undefined) {
      return sandboxBreach(this.crashText) ?? memoryBreach(this.crashText, this.options.heapMiB, addressSpace) ?? outputPipeBreach(this.crashText);
    }
    if (this.killedByUs) return undefined;
    const memory = memoryBreach(this.stderrTail, this.options.heapMiB, addressSpace);
    const printed = this.active?.outputChars ?? 0;
    if (memory && printed > 1024 * 1024) {
      memory.hint = `it was printing a lot (${formatBytes(printed)} in this step): output that the pipe cannot take at once waits in memory. ${memory.hint}`;
    }
    return memory ?? (sandbox?.prlimit ? cpuBreach(this.exited?.signal ?? null, this.limits.cpuSeconds) : undefined);
  }

  private exitOutcome(): StepOutcome {
    const outputs = this.active?.outputs ?? [];
    const breach = this.exitBreach();
    if (breach) {
      // The stack of the refused call goes to the node's log: it shows where, in the student's file.
      const stack = this.crashText === undefined ? [] : inertText(this.crashText).split('\n').slice(0, 12);
      const log = (text: string): Envelope => ({ src: this.id, dest: GRADER, body: { type: 'log', stream: 'stderr', text } });
      return { kind: 'limit', outputs: [...outputs, ...stack.map(log)], text: breach.text, hint: breach.hint };
    }
    if (this.crashText !== undefined) return { kind: 'crashed', outputs, text: indentContinuation(this.crashText) };
    return { kind: 'exited', outputs, code: this.exited?.code ?? null, signal: this.exited?.signal ?? null };
  }

  private finishStep(outcome: StepOutcome): void {
    const step = this.active;
    if (!step) {
      if (outcome.kind === 'limit' && !this.killedByUs) this.misbehaviour ??= `${outcome.text} while idle`;
      if (outcome.kind === 'exited' && !this.killedByUs) {
        this.misbehaviour ??= `exited (code ${outcome.code}, signal ${outcome.signal}) while idle`;
      }
      return;
    }
    clearTimeout(step.guard);
    clearInterval(step.statePoll);
    this.active = undefined;
    step.resolve(outcome);
  }
}
