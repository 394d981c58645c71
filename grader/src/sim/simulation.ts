/**
 * The scheduler: the only one who decides what happens next.
 *
 * It keeps a virtual clock and an agenda of events (message deliveries, timers, client
 * operations). It takes the next event, delivers it to one node, waits until that node is
 * idle, and files everything the node did (messages, timers, logs) as new events. Every
 * choice comes from the run's seed, so a run replays exactly.
 */
import { GRADER, type Body, type Envelope, type NodeId, type TimedEnvelope } from '../runtime/protocol.ts';
import { Network, type LinkRule, type NetworkConfig } from '../net/network.ts';
import { TraceRecorder, type FaultKind, type TraceEvent } from '../net/trace.ts';
import { CallGuard, type CallRule } from './call-rule.ts';
import { EventQueue, type Scheduled } from './event-queue.ts';
import { createRng, deriveSeed, type Rng } from './prng.ts';
import type { NodeFactory, SimNode, StepOutcome } from './sim-node.ts';

export interface NodeSpec {
  id: NodeId;
  role: string;
  config: Record<string, unknown>;
}

export interface SimulationLimits {
  /** Events one run may take; beyond it the run is stopped as a livelock. */
  maxEvents: number;
}

export interface SimulationOptions {
  seed: number;
  nodes: NodeSpec[];
  factory: NodeFactory;
  network: NetworkConfig;
  limits: SimulationLimits;
  /** Who may send requests to whom, by role (the lab's rule); absent: any node may call any node. */
  calls?: CallRule;
}

/** One client operation, from invoke to completion (`complete` undefined while pending). */
export interface OpRecord {
  id: number;
  client: NodeId;
  name: string;
  args: unknown[];
  invoke: number;
  complete?: number;
  result?: unknown;
  /**
   * Virtual time at which its client host died (or was found dead) before it returned: no answer
   * will come, and it may or may not have taken effect (the history holds it as indeterminate).
   */
  clientDiedAt?: number;
}

/** Why a run cannot go on: a node misbehaved. The test fails with this. */
export class NodeFailure extends Error {
  constructor(
    readonly node: NodeId,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

type Agenda =
  /** `refusal`: the grader's `unreachable` answer to a request it refused (a dead node, or one the sender may not call). */
  | { kind: 'deliver'; id: number; envelope: Envelope; refusal?: boolean }
  | { kind: 'timer'; node: NodeId; timer: number }
  | { kind: 'invoke'; op: OpRecord }
  /** Something the test or a nemesis scheduled at a virtual time (a fault, most often). */
  | { kind: 'action'; description: string; run: () => void | Promise<void> };

interface NodeState {
  spec: NodeSpec;
  node: SimNode;
  alive: boolean;
  timers: Map<number, Scheduled<Agenda>>;
  /** How many times the node was restarted. */
  incarnation: number;
  /** Paused: it receives nothing and its timers wait; what came meanwhile waits here. */
  paused: boolean;
  backlog: Agenda[];
}

export type StepListener = (newEvents: readonly TraceEvent[]) => void | Promise<void>;

export class Simulation {
  now = 0;
  readonly trace = new TraceRecorder();
  readonly ops: OpRecord[] = [];
  events = 0;

  private readonly queue = new EventQueue<Agenda>();
  private readonly nodes = new Map<NodeId, NodeState>();
  private readonly network: Network;
  private readonly tieRng: Rng;
  /** Messages waiting on held links, with their trace ids. */
  private held: { id: number; envelope: Envelope }[] = [];
  private readonly listeners: StepListener[] = [];
  private nextMessageId = 1;
  private nextControlId = 1;
  private stepping: string | undefined;
  private readonly calls: CallGuard;
  /** Operations handed to their client host (a `client_op_ok` may complete only these). */
  private readonly runningOps = new Set<number>();
  /** Links whose sender was already told, in its log, that the rule refused one of its messages. */
  private readonly toldOfRule = new Set<string>();

  constructor(private readonly options: SimulationOptions) {
    this.network = new Network(options.network, createRng(deriveSeed(options.seed, 'network')));
    this.tieRng = createRng(deriveSeed(options.seed, 'ties'));
    this.calls = new CallGuard(options.calls, (id) => this.nodes.get(id)?.spec.role ?? '(unknown)');
  }

  /** Starts every node (processes start in parallel) and sends each its `init`, in order. */
  async start(): Promise<void> {
    const ids = this.options.nodes.map((n) => n.id);
    for (const spec of this.options.nodes) {
      this.nodes.set(spec.id, { spec, node: this.options.factory(spec.id, spec.role), alive: true, timers: new Map(), incarnation: 0, paused: false, backlog: [] });
    }
    for (const spec of this.options.nodes) await this.init(this.nodes.get(spec.id)!, ids);
  }

  private async init(state: NodeState, ids: NodeId[]): Promise<void> {
    const { spec, incarnation } = state;
    this.trace.add({ t: this.now, kind: 'start', node: spec.id, role: spec.role, ...(incarnation > 0 ? { incarnation } : {}) });
    const body: Body = {
      type: 'init',
      msg_id: this.nextControlId++,
      node_id: spec.id,
      node_ids: ids,
      config: spec.config,
      // A restarted node draws new random numbers (a new client id, say), as a new process would.
      seed: deriveSeed(this.options.seed, incarnation > 0 ? `node:${spec.id}:${incarnation}` : `node:${spec.id}`),
      ...(state.node.stateDir ? { state_dir: state.node.stateDir } : {}),
    };
    await this.step(spec.id, { src: GRADER, dest: spec.id, now: this.now, body }, incarnation > 0 ? 'init after a restart' : 'init');
  }

  /** Crash + restart: a fresh process for a dead node, `init` again; its state folder is kept. */
  async restart(id: NodeId): Promise<void> {
    const state = this.mustGet(id);
    if (state.alive) await this.kill(id, 'crash before restart');
    state.node = this.options.factory(id, state.spec.role);
    state.alive = true;
    state.paused = false;
    state.backlog = [];
    state.incarnation++;
    this.fault('restart', [id], `${id} restarts (incarnation ${state.incarnation})`);
    await this.init(state, this.nodeIds());
  }

  /** The node receives nothing and its timers do not fire until `resume`. */
  pause(id: NodeId): void {
    const state = this.mustGet(id);
    if (!state.alive || state.paused) return;
    state.paused = true;
    this.fault('pause', [id], `${id} paused`);
  }

  resume(id: NodeId): void {
    const state = this.mustGet(id);
    if (!state.paused) return;
    state.paused = false;
    this.fault('resume', [id], `${id} resumed`);
    for (const item of state.backlog) {
      const entry = this.queue.push(this.now, this.tieRng.next(), item);
      if (item.kind === 'timer') state.timers.set(item.timer, entry);
    }
    state.backlog = [];
  }

  /** Runs `action` at virtual time `time` (now, if that has passed). */
  at(time: number, description: string, action: () => void | Promise<void>): void {
    this.queue.push(Math.max(time, this.now), this.tieRng.next(), { kind: 'action', description, run: action });
  }

  /** Link faults (loss, duplication, delay) on the links `rule` matches, from now on. */
  addLinkRule(rule: LinkRule): void {
    this.network.addRule(rule);
    this.fault('links', [], `links ${rule.from} -> ${rule.to}: ${JSON.stringify(rule.faults)}`);
  }

  clearLinkRules(): void {
    this.network.clearRules();
    this.fault('links', [], 'link faults cleared');
  }

  /** Cuts every link between nodes of different groups, both ways, until `heal`. */
  partition(groups: NodeId[][]): void {
    this.network.partition(groups);
    this.fault('partition', groups.flat(), `partition ${groups.map((g) => `{${g.join(', ')}}`).join(' | ')}`);
  }

  /** Cuts one direction of one link until `heal`. */
  cutLink(from: NodeId, to: NodeId): void {
    this.network.cutLink(from, to);
    this.fault('cut', [from, to], `link ${from} -> ${to} cut`);
  }

  /** Cuts every link of `node`, both ways. */
  isolate(node: NodeId): void {
    this.partition([[node], this.nodeIds().filter((n) => n !== node)]);
  }

  heal(): void {
    this.network.heal();
    this.fault('heal', [], 'network healed');
  }

  /** Every message to or from `node` takes `extraMs` longer; 0 ends it. */
  setSlow(node: NodeId, extraMs: number): void {
    this.network.setSlow(node, extraMs);
    this.fault('slow', [node], extraMs > 0 ? `${node} slow (+${extraMs} ms per message)` : `${node} no longer slow`);
  }

  private fault(fault: FaultKind, nodes: NodeId[], text: string): void {
    this.trace.add({ t: this.now, kind: 'fault', fault, nodes, text });
  }

  nodeIds(): NodeId[] {
    return [...this.nodes.keys()];
  }

  isAlive(id: NodeId): boolean {
    return this.nodes.get(id)?.alive ?? false;
  }

  /** Called after every step with the trace events that step added (triggers use this). */
  onStep(listener: StepListener): void {
    this.listeners.push(listener);
  }

  /** Schedules a client operation on a client host, now. */
  invoke(client: NodeId, name: string, args: unknown[]): OpRecord {
    const op: OpRecord = { id: this.ops.length + 1, client, name, args, invoke: this.now };
    this.ops.push(op);
    this.queue.push(this.now, this.tieRng.next(), { kind: 'invoke', op });
    return op;
  }

  /**
   * Runs events until `done()` holds, the next event lies beyond `until` (virtual ms), or
   * nothing is left to happen. Throws NodeFailure if a node misbehaves.
   */
  async runUntil(done: () => boolean, until = Infinity): Promise<'done' | 'deadline' | 'quiet'> {
    for (;;) {
      if (done()) return 'done';
      const next = this.queue.peek();
      if (!next) return 'quiet';
      if (next.time > until) {
        this.now = Math.max(this.now, until);
        return 'deadline';
      }
      this.queue.pop();
      this.now = next.time;
      if (++this.events > this.options.limits.maxEvents) {
        throw new NodeFailure(
          this.describeAgenda(next.item),
          `the run exceeded ${this.options.limits.maxEvents} events at virtual time ${this.now} ms`,
          'something keeps sending or setting timers without end (e.g. retrying with no delay); ' +
            'wait between retries with sleep() or a timeout',
        );
      }
      const before = this.trace.events.length;
      await this.execute(next.item);
      await this.notify(before);
    }
  }

  /** Advances virtual time by `ms`, running whatever happens meanwhile. */
  async runFor(ms: number): Promise<void> {
    const until = this.now + ms;
    await this.runUntil(() => false, until);
    this.now = until;
  }

  /** Fail-stop: SIGKILL the node. Messages it already sent are still delivered. */
  async kill(id: NodeId, why: string): Promise<void> {
    const state = this.mustGet(id);
    if (!state.alive) return;
    state.alive = false;
    for (const timer of state.timers.values()) this.queue.cancel(timer);
    state.timers.clear();
    this.trace.add({ t: this.now, kind: 'kill', node: id, why });
    this.abandonOpsOf(id);
    this.calls.forget(id);
    await state.node.kill();
  }

  /** The operations a dead client host was running will never return: they are indeterminate. */
  private abandonOpsOf(id: NodeId): void {
    for (const op of this.ops) {
      if (op.client === id && this.runningOps.has(op.id) && op.complete === undefined && op.clientDiedAt === undefined) op.clientDiedAt = this.now;
    }
  }

  /** Holds back every message from `from` to `to` until `release`. */
  hold(from: NodeId, to: NodeId): void {
    this.network.hold(from, to);
    this.trace.add({ t: this.now, kind: 'note', text: `link ${from} -> ${to} held` });
  }

  release(from: NodeId, to: NodeId): void {
    this.network.release(from, to);
    this.trace.add({ t: this.now, kind: 'note', text: `link ${from} -> ${to} released` });
    const onLink = (m: { envelope: Envelope }) => m.envelope.src === from && m.envelope.dest === to;
    const released = this.held.filter(onLink);
    this.held = this.held.filter((m) => !onLink(m));
    for (const { id, envelope } of released) {
      this.queue.push(this.now + this.network.latency(from, to), this.tieRng.next(), { kind: 'deliver', id, envelope });
    }
  }

  /** Sets the latency of one link (one direction) from now on. */
  setLatency(from: NodeId, to: NodeId, min: number, max = min): void {
    this.network.setLatency(from, to, { min, max });
    this.trace.add({ t: this.now, kind: 'note', text: `link ${from} -> ${to} latency ${min}..${max} ms` });
  }

  note(text: string): void {
    this.trace.add({ t: this.now, kind: 'note', text });
  }

  /** Ends the run: every node is killed and gone when this resolves. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((s) => s.node.kill()));
  }

  /** Raw output of a node that did not go through console (capped). */
  rawOutputTail(id: NodeId, lines: number): string[] {
    return this.nodes.get(id)?.node.rawOutputTail(lines) ?? [];
  }

  // ---- executing one event ----

  private async execute(item: Agenda): Promise<void> {
    if (item.kind === 'action') return item.run();
    const target = item.kind === 'deliver' ? item.envelope.dest : item.kind === 'timer' ? item.node : item.op.client;
    const state = this.nodes.get(target);
    if (state?.alive && state.paused) {
      state.backlog.push(item);
      return;
    }
    switch (item.kind) {
      case 'deliver': {
        const { envelope, id } = item;
        if (!this.isAlive(envelope.dest)) {
          this.trace.add({ t: this.now, kind: 'drop', id, from: envelope.src, to: envelope.dest, reason: 'destination is down' });
          return;
        }
        if (!item.refusal) {
          this.trace.add({ t: this.now, kind: 'deliver', id, from: envelope.src, to: envelope.dest });
          this.calls.delivered(envelope.src, envelope.dest, envelope.body);
        }
        return this.step(envelope.dest, { ...envelope, now: this.now }, `delivering "${envelope.body.type}" from ${envelope.src}`);
      }
      case 'timer': {
        const state = this.mustGet(item.node);
        state.timers.delete(item.timer);
        if (!state.alive) return;
        this.trace.add({ t: this.now, kind: 'timer', node: item.node, timer: item.timer });
        const body: Body = { type: 'timer', timer_id: item.timer };
        return this.step(item.node, { src: GRADER, dest: item.node, now: this.now, body }, `firing a timer`);
      }
      case 'invoke': {
        const { op } = item;
        op.invoke = this.now;
        this.trace.add({ t: this.now, kind: 'invoke', op: op.id, client: op.client, name: op.name, args: op.args });
        if (!this.isAlive(op.client)) {
          op.clientDiedAt = this.now;
          return;
        }
        this.runningOps.add(op.id);
        const body: Body = { type: 'client_op', msg_id: op.id, op: op.name, args: op.args };
        return this.step(op.client, { src: GRADER, dest: op.client, now: this.now, body }, `running ${op.name}(${op.args.map((a) => JSON.stringify(a)).join(', ')})`);
      }
    }
  }

  /** Delivers one event to one node, waits for it to be idle, and files what it did. */
  private async step(id: NodeId, event: TimedEnvelope, what: string): Promise<void> {
    const state = this.mustGet(id);
    this.stepping = id;
    const outcome = await state.node.step(event);
    this.stepping = undefined;
    for (const envelope of outcome.outputs) this.file(id, envelope);
    if (outcome.kind !== 'idle') await this.nodeFailed(state, outcome, what);
    for (const other of this.nodes.values()) {
      if (other.node.misbehaviour) {
        await this.kill(other.spec.id, 'misbehaved');
        throw new NodeFailure(other.spec.id, `node \`${other.spec.id}\` ${other.node.misbehaviour}`, 'all work in a node must happen inside handlers, timers and awaited calls');
      }
    }
  }

  private async nodeFailed(state: NodeState, outcome: Exclude<StepOutcome, { kind: 'idle' }>, what: string): Promise<void> {
    const id = state.spec.id;
    state.alive = false;
    for (const timer of state.timers.values()) this.queue.cancel(timer);
    this.abandonOpsOf(id);
    this.calls.forget(id);
    await state.node.kill();
    switch (outcome.kind) {
      case 'crashed':
        this.trace.add({ t: this.now, kind: 'crash', node: id, text: outcome.text });
        throw new NodeFailure(id, `node \`${id}\` crashed while ${what}: ${firstLine(outcome.text)}`, 'an exception escaped your code; the stack trace is in the node log below');
      case 'exited':
        this.trace.add({ t: this.now, kind: 'crash', node: id, text: `exited with code ${outcome.code}, signal ${outcome.signal}` });
        throw new NodeFailure(id, `node \`${id}\` exited (code ${outcome.code}${outcome.signal ? `, signal ${outcome.signal}` : ''}) while ${what}`, 'a node must keep running: do not call process.exit(), and check the log for an error at start-up');
      case 'stuck':
        this.trace.add({ t: this.now, kind: 'crash', node: id, text: `did not become idle within ${outcome.wallMs / 1000} s` });
        throw new NodeFailure(id, `node \`${id}\` did not become idle within ${outcome.wallMs / 1000} s after ${what} — infinite loop?`, 'a handler must not loop or busy-wait; to wait, await sleep() or a call()');
      case 'malformed':
        this.trace.add({ t: this.now, kind: 'crash', node: id, text: `malformed output: ${outcome.problem}` });
        throw new NodeFailure(id, `node \`${id}\` wrote a malformed message while ${what}: ${outcome.problem}. The line: ${outcome.line}`, 'nodes must talk only through locklab/runtime; do not write to file descriptor 3');
      case 'limit':
        this.trace.add({ t: this.now, kind: 'crash', node: id, text: outcome.text });
        throw new NodeFailure(id, `node \`${id}\` ${outcome.text} while ${what}`, outcome.hint);
    }
  }

  /** Files one thing a node did during its step. */
  private file(from: NodeId, envelope: Envelope): void {
    const state = this.mustGet(from);
    const body = envelope.body;
    if (envelope.dest === GRADER) {
      switch (body.type) {
        case 'set_timer': {
          const timer = body.timer_id as number;
          const entry = this.queue.push(this.now + (body.delay_ms as number), this.tieRng.next(), { kind: 'timer', node: from, timer });
          state.timers.set(timer, entry);
          return;
        }
        case 'clear_timer': {
          const entry = state.timers.get(body.timer_id as number);
          if (entry) this.queue.cancel(entry);
          state.timers.delete(body.timer_id as number);
          return;
        }
        case 'log':
          this.trace.add({ t: this.now, kind: 'log', node: from, stream: body.stream as 'stdout' | 'stderr', text: body.text as string });
          return;
        case 'client_op_ok': {
          // Only the host an operation was handed to completes it, once, while that host lives.
          const op = this.ops.find((o) => o.id === body.in_reply_to && o.client === from);
          if (!op || op.complete !== undefined || op.clientDiedAt !== undefined || !this.runningOps.has(op.id)) return;
          op.complete = this.now;
          op.result = body.result;
          this.trace.add({ t: this.now, kind: 'complete', op: op.id, client: from, result: body.result });
          return;
        }
        default:
          return; // init_ok: nothing to file
      }
    }
    // A message to another node. The grader, not the node, says who sent it.
    const message: Envelope = { src: from, dest: envelope.dest, body };
    const id = this.nextMessageId++;
    this.trace.add({ t: this.now, kind: 'send', id, from, to: message.dest, body });
    const dest = this.nodes.get(message.dest);
    if (!dest) {
      const why = `${message.dest} does not exist (nodes: ${this.nodeIds().join(', ')})`;
      this.trace.add({ t: this.now, kind: 'log', node: from, stream: 'stderr', text: `locklab: sent "${body.type}" to ${message.dest}, which does not exist (nodes: ${this.nodeIds().join(', ')})` });
      return this.refuse(id, message, why);
    }
    // An answer to a dead node: it is down, whatever it asked. Otherwise the lab's rule first: a
    // node it forbids is refused whether it is alive or not.
    if (!dest.alive && typeof body.in_reply_to === 'number') return this.refuse(id, message, `${message.dest} is down`);
    const admission = this.calls.admit(from, message.dest, body);
    if (!admission.allowed) {
      const link = `${from}\u0000${message.dest}`;
      if (!this.toldOfRule.has(link)) {
        this.toldOfRule.add(link);
        this.trace.add({ t: this.now, kind: 'log', node: from, stream: 'stderr', text: `locklab: refused "${body.type}" to ${message.dest}: ${admission.reason}` });
      }
      return this.refuse(id, message, admission.reason, true);
    }
    if (!dest.alive) return this.refuse(id, message, `${message.dest} is down`);
    const routing = this.network.route(from, message.dest);
    switch (routing.kind) {
      case 'hold':
        this.held.push({ id, envelope: message });
        return;
      case 'drop':
        this.trace.add({ t: this.now, kind: 'drop', id, from, to: message.dest, reason: routing.reason });
        return;
      case 'deliver':
        for (const [copy, delay] of routing.delays.entries()) {
          if (copy > 0) this.trace.add({ t: this.now, kind: 'duplicate', id, from, to: message.dest });
          this.queue.push(this.now + delay, this.tieRng.next(), { kind: 'deliver', id, envelope: message });
        }
    }
  }

  /**
   * Refuses a message as a refused connection would: it never arrives, and if it was a request,
   * its sender gets an `unreachable` error at once. `byRule`: the lab's rule forbade it.
   */
  private refuse(id: number, message: Envelope, reason: string, byRule = false): void {
    const { src: from, dest: to, body } = message;
    this.trace.add({ t: this.now, kind: 'refuse', id, from, to, reason, ...(byRule ? { byRule } : {}) });
    if (typeof body.msg_id !== 'number') return;
    const refusal: Envelope = { src: to, dest: from, body: { type: 'error', in_reply_to: body.msg_id, code: 'unreachable', text: reason } };
    this.queue.push(this.now, this.tieRng.next(), { kind: 'deliver', id, envelope: refusal, refusal: true });
  }

  private async notify(from: number): Promise<void> {
    if (this.listeners.length === 0 || this.trace.events.length === from) return;
    const added = this.trace.events.slice(from);
    for (const listener of this.listeners) await listener(added);
  }

  private describeAgenda(item: Agenda): string {
    switch (item.kind) {
      case 'deliver': return item.envelope.dest;
      case 'timer': return item.node;
      case 'invoke': return item.op.client;
      case 'action': return item.description;
    }
  }

  private mustGet(id: NodeId): NodeState {
    const state = this.nodes.get(id);
    if (!state) throw new Error(`locklab: no node named ${id} (nodes: ${this.nodeIds().join(', ')})`);
    return state;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
