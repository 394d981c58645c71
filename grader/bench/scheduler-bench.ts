/**
 * 3. Scheduler throughput: events per wall second of a Simulation whose two nodes play
 *    ping-pong, (a) as real child processes (ProcessNode, the real runtime, bundled with
 *    esbuild) and (b) as in-memory fakes that answer at once (the scheduler's own cost);
 *    against (c) the raw round-trip rate of a parent-child pipe on fd 3, which bounds (a):
 *    every scheduler step is one round trip (event down; outputs and `idle` back up).
 */
import { build } from 'esbuild';
import { execa } from 'execa';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessNode } from '../src/cluster/process-node.ts';
import { parseNodeLine } from '../src/net/wire-schema.ts';
import { GRADER, type Envelope, type NodeId, type TimedEnvelope } from '../src/runtime/protocol.ts';
import type { SimNode, StepOutcome } from '../src/sim/sim-node.ts';
import type { LinkRule } from '../src/net/network.ts';
import type { CallRule } from '../src/sim/call-rule.ts';
import { Simulation, type NodeSpec } from '../src/sim/simulation.ts';
import type { NodeFactory } from '../src/sim/sim-node.ts';
import { progress, sample, type Sample } from './stats.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/ping-pong-node.ts', import.meta.url));
const NETWORK = { latencyMs: { min: 1, max: 10 } };
const NODES: NodeSpec[] = [
  { id: 'a', role: 'pingpong', config: {} },
  { id: 'b', role: 'pingpong', config: {} },
];

export interface PingPongFigures {
  messages: number;
  events: number;
  /** Wall time of the ping-pong itself (after start-up). */
  wallMs: Sample;
  eventsPerSecond: Sample;
  /** Spawning both nodes and their init steps (process nodes only). */
  startMs?: number;
  bundleBytes?: number;
}

export interface PipeFigures {
  roundTrips: number;
  wallMs: Sample;
  roundTripsPerSecond: Sample;
}

export interface ValidationFigures {
  lines: number;
  linesPerSecond: Sample;
}

/** Bundles the ping-pong node the way prepare.ts bundles a role: one ESM file for `node`. */
export async function bundlePingPong(): Promise<{ file: string; dir: string; bytes: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-bench-'));
  const file = path.join(dir, 'ping-pong-node.mjs');
  await build({
    entryPoints: [FIXTURE],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
  });
  return { file, dir, bytes: statSync(file).size };
}

/**
 * A rule under which `b` may call no one: every answer of b to a is checked against a's
 * delivered requests (the lab rule's costliest path).
 */
export const ONE_WAY_RULE: CallRule = { caller: ['callee'], callee: [] };
const RULED_NODES: NodeSpec[] = [
  { id: 'a', role: 'caller', config: {} },
  { id: 'b', role: 'callee', config: {} },
];

async function playPingPong(factory: NodeFactory, messages: number, faults?: LinkRule, calls?: CallRule): Promise<{ wallMs: number; startMs: number; events: number }> {
  const nodes = calls ? RULED_NODES : NODES;
  const sim = new Simulation({ seed: 1, nodes, factory, network: NETWORK, limits: { maxEvents: messages * 20 + 100 }, ...(calls ? { calls } : {}) });
  try {
    const t0 = performance.now();
    await sim.start();
    if (faults) sim.addLinkRule(faults);
    const t1 = performance.now();
    const op = sim.invoke('a', 'pingpong', [messages / 2, 'b']);
    const outcome = await sim.runUntil(() => op.complete !== undefined);
    const t2 = performance.now();
    if (outcome !== 'done' || op.result !== messages / 2) {
      throw new Error(`bench: ping-pong did not complete (${outcome}, result ${JSON.stringify(op.result)})`);
    }
    const sent = sim.trace.events.filter((e) => e.kind === 'send').length;
    if (!faults && sent !== messages) throw new Error(`bench: expected ${messages} messages, the trace has ${sent}`);
    return { wallMs: t2 - t1, startMs: t1 - t0, events: sim.events };
  } finally {
    await sim.shutdown();
  }
}

export async function benchProcessPingPong(bundle: { file: string; dir: string; bytes: number }, messages: number, runs: number): Promise<PingPongFigures> {
  const factory: NodeFactory = (id) =>
    new ProcessNode(id, { bundle: bundle.file, stepWallMs: 10_000, startWallMs: 20_000, heapMiB: 256, outputBytes: 64 * 1024, cwd: bundle.dir });
  const walls: number[] = [];
  const starts: number[] = [];
  let events = 0;
  for (let i = 0; i < runs; i++) {
    const run = await playPingPong(factory, messages);
    walls.push(run.wallMs);
    starts.push(run.startMs);
    events = run.events;
    progress(`process ping-pong ${i + 1}/${runs}: ${messages.toLocaleString('en-US')} messages in ${(run.wallMs / 1000).toFixed(2)} s`);
  }
  return {
    messages,
    events,
    wallMs: sample(walls),
    eventsPerSecond: sample(walls.map((ms) => events / (ms / 1000))),
    startMs: sample(starts).median,
    bundleBytes: bundle.bytes,
  };
}

/**
 * A node that answers at once, in memory, with the same outputs the real runtime emits for
 * the same ping-pong (set_timer + request per call; clear_timer on the reply; idle).
 */
class InstantPingPongNode implements SimNode {
  readonly misbehaviour = undefined;
  private nextMsgId = 1;
  private nextTimerId = 1;
  private pending: { msgId: number; timer: number } | undefined;
  private op: { msgId: number; left: number; total: number; peer: NodeId } | undefined;

  constructor(readonly id: NodeId) {}

  step(event: TimedEnvelope): Promise<StepOutcome> {
    const out: Envelope[] = [];
    const emit = (dest: NodeId, body: Envelope['body']) => out.push({ src: this.id, dest, body });
    const ping = () => {
      const op = this.op!;
      const timer = this.nextTimerId++;
      const msgId = this.nextMsgId++;
      this.pending = { msgId, timer };
      emit(GRADER, { type: 'set_timer', timer_id: timer, delay_ms: 1000 });
      emit(op.peer, { type: 'Ping', msg_id: msgId, args: { i: op.total - op.left } });
    };
    const body = event.body;
    switch (body.type) {
      case 'init':
        emit(GRADER, { type: 'init_ok', in_reply_to: body.msg_id! });
        break;
      case 'client_op': {
        const [n, peer] = body.args as [number, NodeId];
        this.op = { msgId: body.msg_id!, left: n, total: n, peer };
        ping();
        break;
      }
      case 'Ping':
        emit(event.src, { type: 'Ping_ok', in_reply_to: body.msg_id!, reply: body.args });
        break;
      case 'timer':
        // The ping or its reply was lost: ping again.
        if (this.pending?.timer === body.timer_id) ping();
        break;
      case 'Ping_ok': {
        const op = this.op!;
        const pending = this.pending;
        if (!pending || pending.msgId !== body.in_reply_to) break; // a duplicate, or a reply to a timed-out ping
        emit(GRADER, { type: 'clear_timer', timer_id: pending.timer });
        this.pending = undefined;
        if (--op.left > 0) ping();
        else emit(GRADER, { type: 'client_op_ok', in_reply_to: op.msgId, result: op.total });
        break;
      }
    }
    return Promise.resolve({ kind: 'idle', outputs: out });
  }

  kill(): Promise<void> {
    return Promise.resolve();
  }

  rawOutputTail(): string[] {
    return [];
  }
}

/** Loss, duplication and delay on every link: the fault injectors' own cost. */
export const FLAKY_LINKS: LinkRule = { from: '*', to: '*', faults: { loss: 0.15, duplicate: 0.1, delay: { kind: 'uniform', min: 1, max: 40 } } };

export async function benchInMemoryPingPong(messages: number, repeats: number, faults?: LinkRule, calls?: CallRule): Promise<PingPongFigures> {
  const walls: number[] = [];
  let events = 0;
  await playPingPong((id) => new InstantPingPongNode(id), messages, faults, calls); // warm-up (JIT)
  for (let i = 0; i < repeats; i++) {
    const run = await playPingPong((id) => new InstantPingPongNode(id), messages, faults, calls);
    walls.push(run.wallMs);
    events = run.events;
  }
  progress(`in-memory ping-pong: ${repeats} x ${messages.toLocaleString('en-US')} messages`);
  return { messages, events, wallMs: sample(walls), eventsPerSecond: sample(walls.map((ms) => events / (ms / 1000))) };
}

/** The child of the pipe bench: echoes every line on fd 3, read and written as bootstrap.ts does. */
const ECHO_CHILD = `
const fs = require('node:fs');
const channel = fs.createReadStream('', { fd: 3, encoding: 'utf8', highWaterMark: 64 * 1024 });
let buffered = '';
channel.on('data', (chunk) => {
  buffered += chunk;
  let newline;
  while ((newline = buffered.indexOf('\\n')) >= 0) {
    const bytes = Buffer.from(buffered.slice(0, newline + 1), 'utf8');
    buffered = buffered.slice(newline + 1);
    let offset = 0;
    while (offset < bytes.length) {
      try { offset += fs.writeSync(3, bytes, offset); } catch (err) { if (err.code !== 'EAGAIN') process.exit(70); }
    }
  }
});
channel.on('end', () => process.exit(0));
channel.on('error', () => process.exit(0));
`;

/** Round trips over a raw fd-3 pipe to a child that echoes each line, one at a time. */
export async function benchPipe(roundTrips: number, repeats: number): Promise<PipeFigures> {
  const child = execa(process.execPath, ['-e', ECHO_CHILD], { stdio: ['ignore', 'inherit', 'inherit', 'pipe'], buffer: false, reject: false, cleanup: true });
  const channel = child.stdio[3] as unknown as Socket;
  channel.setEncoding('utf8');
  let buffered = '';
  let waiting: ((line: string) => void) | undefined;
  channel.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const resolve = waiting;
      waiting = undefined;
      resolve?.(line);
    }
  });
  const roundTrip = (line: string) =>
    new Promise<string>((resolve) => {
      waiting = resolve;
      channel.write(line + '\n');
    });
  // A line of the size the scheduler sends: an event envelope.
  const line = (i: number) => JSON.stringify({ src: 'b', dest: 'a', now: i, body: { type: 'Ping_ok', in_reply_to: i, reply: { i } } });
  const walls: number[] = [];
  try {
    for (let r = -1; r < repeats; r++) {
      const n = r < 0 ? Math.min(1000, roundTrips) : roundTrips; // a short warm-up first
      const started = performance.now();
      for (let i = 0; i < n; i++) {
        const sent = line(i);
        const echoed = await roundTrip(sent);
        if (echoed !== sent) throw new Error(`bench: the echo child returned ${echoed.slice(0, 100)}`);
      }
      if (r >= 0) walls.push(performance.now() - started);
    }
  } finally {
    channel.end();
    child.kill('SIGKILL');
    await child;
  }
  progress(`raw pipe: ${repeats} x ${roundTrips.toLocaleString('en-US')} round trips`);
  return { roundTrips, wallMs: sample(walls), roundTripsPerSecond: sample(walls.map((ms) => roundTrips / (ms / 1000))) };
}

/** The grader's zod validation of node lines (ProcessNode runs it on every line it reads). */
export function benchValidation(lines: number, repeats: number): ValidationFigures {
  const typical = [
    JSON.stringify({ src: 'a', dest: GRADER, body: { type: 'set_timer', timer_id: 7, delay_ms: 1000 } }),
    JSON.stringify({ src: 'a', dest: 'b', body: { type: 'Ping', msg_id: 7, args: { i: 7 } } }),
    JSON.stringify({ src: 'a', dest: GRADER, body: { type: 'idle' } }),
  ];
  const rates: number[] = [];
  for (let r = -1; r < repeats; r++) {
    const started = performance.now();
    for (let i = 0; i < lines; i++) {
      if (!parseNodeLine(typical[i % typical.length]!).ok) throw new Error('bench: a typical line failed validation');
    }
    if (r >= 0) rates.push(lines / ((performance.now() - started) / 1000));
  }
  return { lines, linesPerSecond: sample(rates) };
}

export function removeBundle(bundle: { dir: string }): void {
  rmSync(bundle.dir, { recursive: true, force: true });
}
