/**
 * The runtime core of one node: RPC calls and handlers, virtual timers, the seeded
 * generator, and the step protocol with the grader (one event in, then `idle`).
 *
 * It knows nothing about processes or file descriptors: it receives envelopes through
 * `receive()` and emits envelopes through the `send` function it was given, so the
 * grader's unit tests can run it in memory. `bootstrap.ts` wires it to fd 3.
 */
import { createRng, type Rng } from '../sim/prng.ts';
import {
  GRADER,
  type Body,
  type Envelope,
  type NodeId,
  type RpcErrorCode,
  type TimedEnvelope,
} from './protocol.ts';

/** What `call()` resolves to: the reply, or why there is none. */
export type CallResult<R> =
  | { ok: true; reply: R }
  | { ok: false; error: 'timeout' | RpcErrorCode };

export type Handler = (args: any, from: NodeId) => unknown;

/** The node's start-up code: gets the init config once, before any other event. */
export type InitHook = (config: Record<string, unknown>) => void | Promise<void>;

/** Operations a client host runs when the grader asks: `{ lock: (name) => ..., ... }`. */
export type ClientApi = Record<string, (...args: any[]) => Promise<unknown>>;

export interface RuntimeHooks {
  /** Emit one envelope on the channel, synchronously and in order. */
  send(envelope: Envelope): void;
  /** Work queued outside the runtime's knowledge (e.g. setImmediate) that must run before `idle`. */
  pendingWork?(): number;
  /** Called after a crash was reported; the process exits there. */
  exit?(code: number): void;
  /** Schedules a callback after the current macrotask (the real setImmediate). */
  defer?(callback: () => void): void;
}

export const DEFAULT_CALL_TIMEOUT_MS = 1000;

export class NodeRuntime {
  id: NodeId = '(not initialized)';
  nodeIds: NodeId[] = [];
  config: Record<string, unknown> = {};
  /** Virtual milliseconds since the run started; set by each event. */
  now = 0;
  /** The node's state folder (kept across restarts), when the run gives it one. */
  stateDir: string | undefined;

  private rng: Rng = createRng(0);
  private nextMsgId = 1;
  private nextTimerId = 1;
  private readonly timers = new Map<number, () => void>();
  /** Pending calls by msg_id, with the node called: only that node's answer settles one. */
  private readonly calls = new Map<number, { dest: NodeId; resolve: (r: CallResult<unknown>) => void; timer: number }>();
  private readonly handlers = new Map<string, Handler>();
  private initHook: InitHook | undefined;
  private clientApi: ClientApi | undefined;
  private idleScheduled = false;
  private crashed = false;

  constructor(private readonly hooks: RuntimeHooks) {}

  // ---- set-up, by the role's entry code ----

  onInit(hook: InitHook): void {
    this.initHook = hook;
  }

  serveClientApi(api: ClientApi): void {
    this.clientApi = api;
  }

  handle(method: string, handler: Handler): void {
    this.handlers.set(method, handler);
  }

  // ---- the API that student code uses ----

  random(): number {
    return this.rng.next();
  }

  call<R>(dest: NodeId, method: string, args: unknown, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<CallResult<R>> {
    const msgId = this.nextMsgId++;
    return new Promise((resolve) => {
      const timer = this.setTimer(() => {
        this.calls.delete(msgId);
        resolve({ ok: false, error: 'timeout' });
      }, timeoutMs);
      this.calls.set(msgId, { dest, resolve: resolve as (r: CallResult<unknown>) => void, timer });
      this.emit(dest, { type: method, msg_id: msgId, args });
    });
  }

  /** Sets a virtual timer; the grader fires it when the virtual clock reaches now + delay. */
  setTimer(callback: () => void, delayMs: number): number {
    const id = this.nextTimerId++;
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    this.timers.set(id, callback);
    this.emit(GRADER, { type: 'set_timer', timer_id: id, delay_ms: delay });
    return id;
  }

  clearTimer(id: number): void {
    if (this.timers.delete(id)) this.emit(GRADER, { type: 'clear_timer', timer_id: id });
  }

  log(stream: 'stdout' | 'stderr', text: string): void {
    this.emit(GRADER, { type: 'log', stream, text });
  }

  // ---- the step protocol ----

  /** Handles one event from the grader; `idle` follows once the node has nothing left to do. */
  receive(envelope: TimedEnvelope): void {
    this.now = envelope.now;
    const body = envelope.body;
    this.guard(() => this.dispatch(envelope.src, body));
    this.scheduleIdle();
  }

  private dispatch(from: NodeId, body: Body): void | Promise<void> {
    switch (body.type) {
      case 'init':
        return this.init(body);
      case 'timer': {
        const callback = this.timers.get(body.timer_id as number);
        if (!callback) return; // cleared meanwhile
        this.timers.delete(body.timer_id as number);
        return callback();
      }
      case 'client_op':
        return this.runClientOp(body);
    }
    if (typeof body.in_reply_to === 'number') return this.settleCall(from, body);
    return this.serveRequest(from, body);
  }

  private async init(body: Body): Promise<void> {
    this.id = body.node_id as NodeId;
    this.nodeIds = body.node_ids as NodeId[];
    this.config = (body.config ?? {}) as Record<string, unknown>;
    this.stateDir = typeof body.state_dir === 'string' ? body.state_dir : undefined;
    this.rng = createRng(body.seed as number);
    await this.initHook?.(this.config);
    this.emit(GRADER, { type: 'init_ok', in_reply_to: body.msg_id as number });
  }

  private async runClientOp(body: Body): Promise<void> {
    const op = body.op as string;
    const fn = this.clientApi?.[op];
    if (!fn) throw new Error(`this client host has no operation "${op}"`);
    const result = await fn(...((body.args as unknown[]) ?? []));
    this.emit(GRADER, { type: 'client_op_ok', in_reply_to: body.msg_id as number, result });
  }

  private settleCall(from: NodeId, body: Body): void {
    const pending = this.calls.get(body.in_reply_to!);
    if (!pending) return; // a late reply to a call that already timed out
    if (pending.dest !== from) return; // another node cannot answer in the callee's place
    this.calls.delete(body.in_reply_to!);
    this.clearTimer(pending.timer);
    if (body.type === 'error') pending.resolve({ ok: false, error: body.code as RpcErrorCode });
    else pending.resolve({ ok: true, reply: body.reply });
  }

  private async serveRequest(from: NodeId, body: Body): Promise<void> {
    const handler = this.handlers.get(body.type);
    if (!handler) {
      this.log('stderr', `locklab: no handler for "${body.type}" (from ${from}); register one with handle("${body.type}", ...)`);
      if (typeof body.msg_id === 'number') {
        this.emit(from, { type: 'error', in_reply_to: body.msg_id, code: 'no_handler', text: `no handler for ${body.type}` });
      }
      return;
    }
    const reply = await handler(body.args, from);
    if (typeof body.msg_id === 'number') {
      this.emit(from, { type: `${body.type}_ok`, in_reply_to: body.msg_id, reply });
    }
  }

  /** Runs student code; anything it throws, now or later, crashes the node as it would a real server. */
  guard(fn: () => unknown): void {
    try {
      const result = fn();
      if (result instanceof Promise) result.catch((err) => this.crash(err));
    } catch (err) {
      this.crash(err);
    }
  }

  crash(err: unknown): void {
    if (this.crashed) return;
    const text = err instanceof Error ? (err.stack ?? String(err)) : String(err);
    this.emit(GRADER, { type: 'crash', text });
    this.crashed = true;
    this.hooks.exit?.(1);
  }

  private scheduleIdle(): void {
    if (this.idleScheduled) return;
    this.idleScheduled = true;
    const defer = this.hooks.defer ?? ((cb: () => void) => setImmediate(cb));
    const check = () => {
      if (this.crashed) return;
      if ((this.hooks.pendingWork?.() ?? 0) > 0) return defer(check);
      this.idleScheduled = false;
      this.emit(GRADER, { type: 'idle' });
    };
    defer(check);
  }

  private emit(dest: NodeId, body: Body): void {
    if (this.crashed) return;
    this.hooks.send({ src: this.id, dest, body });
  }
}
