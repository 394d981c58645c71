/**
 * A node as a real child process: `node <bundle>` with its channel on fd 3.
 *
 * The scheduler talks to it one step at a time: write one event, read lines until `idle`.
 * Each step has a wall-clock guard, so a node that spins forever fails its test instead of
 * hanging the grader. Fail-stop is SIGKILL. stdout/stderr are captured, capped.
 */
import { execa } from 'execa';
import type { Socket } from 'node:net';
import type { Envelope, NodeId, TimedEnvelope } from '../runtime/protocol.ts';
import { MAX_LINE_BYTES, parseNodeLine } from '../net/wire-schema.ts';
import type { SimNode, StepOutcome } from '../sim/sim-node.ts';
import { OutputTail } from './output-buffer.ts';

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
}

function spawnNode(id: NodeId, options: ProcessNodeOptions) {
  return execa(process.execPath, [`--max-old-space-size=${options.heapMiB}`, options.bundle], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    buffer: false,
    reject: false,
    extendEnv: false,
    env: { LOCKLAB_NODE: id, NODE_ENV: 'test' },
    cleanup: true,
  });
}

interface ActiveStep {
  outputs: Envelope[];
  resolve: (outcome: StepOutcome) => void;
  guard: NodeJS.Timeout;
}

export class ProcessNode implements SimNode {
  misbehaviour: string | undefined;
  private readonly child: ReturnType<typeof spawnNode>;
  private readonly channel: Socket;
  private readonly output: OutputTail;
  private active: ActiveStep | undefined;
  private pending = '';
  private exited: { code: number | null; signal: string | null } | undefined;
  private readonly exitPromise: Promise<void>;
  private killedByUs = false;
  private crashText: string | undefined;
  private started = false;

  /** Every process this grader started and has not yet seen exit: the last line of defence against orphans. */
  static readonly live = new Set<ProcessNode>();

  constructor(
    readonly id: NodeId,
    private readonly options: ProcessNodeOptions,
  ) {
    this.output = new OutputTail(options.outputBytes);
    this.child = spawnNode(id, options);
    ProcessNode.live.add(this);
    this.channel = this.child.stdio[3] as unknown as Socket;
    this.channel.setEncoding('utf8');
    this.channel.on('data', (chunk: string) => this.onData(chunk));
    this.channel.on('error', () => {}); // a closed channel shows up as the process exit
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => this.output.push(chunk));
    }
    this.exitPromise = this.child.then((result) => {
      ProcessNode.live.delete(this);
      this.exited = { code: result.exitCode ?? null, signal: result.signal ?? null };
      this.finishStep(this.exitOutcome());
    }, () => undefined);
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
        this.finishStep({ kind: 'stuck', outputs: this.active?.outputs ?? [], wallMs });
        void this.kill();
      }, wallMs);
      this.active = { outputs: [], resolve, guard };
      this.channel.write(JSON.stringify(event) + '\n');
    });
  }

  async kill(): Promise<void> {
    if (!this.exited) {
      this.killedByUs = true;
      this.child.kill('SIGKILL');
    }
    await this.exitPromise;
  }

  rawOutputTail(lines: number): string[] {
    return this.output.lines(lines);
  }

  private onData(chunk: string): void {
    this.pending += chunk;
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      if (line.trim()) this.onLine(line);
    }
    if (this.pending.length > MAX_LINE_BYTES) {
      this.onLine(this.pending); // reported as too large
      this.pending = '';
    }
  }

  private onLine(line: string): void {
    const parsed = parseNodeLine(line);
    const step = this.active;
    if (!parsed.ok) {
      if (step) this.finishStep({ kind: 'malformed', outputs: step.outputs, line: line.slice(0, 300), problem: parsed.problem });
      else this.misbehaviour ??= `wrote a malformed line while idle (${parsed.problem}): ${line.slice(0, 200)}`;
      void this.kill();
      return;
    }
    const body = parsed.envelope.body;
    if (!step) {
      this.misbehaviour ??=
        `sent "${body.type}" while it was not handling an event. Only the runtime's timers and messages ` +
        `may wake a node: real I/O or timers not patched by locklab break the simulation`;
      return;
    }
    if (body.type === 'idle') return this.finishStep({ kind: 'idle', outputs: step.outputs });
    if (body.type === 'crash') {
      this.crashText = String(body.text);
      return; // the process exits next; the exit finishes the step
    }
    step.outputs.push(parsed.envelope);
  }

  private exitOutcome(): StepOutcome {
    const outputs = this.active?.outputs ?? [];
    if (this.crashText !== undefined) return { kind: 'crashed', outputs, text: this.crashText };
    return { kind: 'exited', outputs, code: this.exited?.code ?? null, signal: this.exited?.signal ?? null };
  }

  private finishStep(outcome: StepOutcome): void {
    const step = this.active;
    if (!step) {
      if (outcome.kind === 'exited' && !this.killedByUs) {
        this.misbehaviour ??= `exited (code ${outcome.code}, signal ${outcome.signal}) while idle`;
      }
      return;
    }
    clearTimeout(step.guard);
    this.active = undefined;
    step.resolve(outcome);
  }
}
