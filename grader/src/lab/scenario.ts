/**
 * The API a graded test is written in: start client operations, wait for them, kill nodes
 * at precise protocol moments, hold links, and state what must be true.
 *
 * A test body is ordinary sequential code; the simulation advances only inside the awaits
 * of this API, so the body, like everything else, is replayed exactly by its seed.
 */
import type { NodeId } from '../runtime/protocol.ts';
import type { LinkRule } from '../net/network.ts';
import type { TraceEvent } from '../net/trace.ts';
import { createRng, deriveSeed, type Rng } from '../sim/prng.ts';
import type { OpRecord, Simulation } from '../sim/simulation.ts';

/** A test's verdict: what went wrong, and a hint for the student. */
export class TestFailure extends Error {
  constructor(
    message: string,
    readonly hint: string = '',
  ) {
    super(message);
  }
}

/** A predicate over the trace that fires an action once, right after the step that made it true. */
export interface Trigger {
  readonly description: string;
  /** Virtual time it fired at, or undefined if it has not. */
  firedAt: number | undefined;
}

export function describeOp(op: Pick<OpRecord, 'client' | 'name' | 'args'>): string {
  return `${op.client}'s ${op.name}(${op.args.map((a) => JSON.stringify(a)).join(', ')})`;
}

export class Scenario {
  /** The test's own seeded choices (which client, which lock, when to kill). */
  readonly rng: Rng;
  /** Virtual time by which the failure model's nemesis has healed everything (0: no nemesis). */
  healedAt = 0;
  private readonly triggers: { trigger: Trigger; matches: (e: TraceEvent) => boolean; action: () => Promise<void> }[] = [];

  constructor(
    readonly sim: Simulation,
    readonly seed: number,
    readonly clients: NodeId[],
    private readonly opTimeoutMs: number,
  ) {
    this.rng = createRng(deriveSeed(seed, 'test'));
    sim.onStep(async (events) => {
      for (const event of events) {
        for (const armed of this.triggers) {
          if (armed.trigger.firedAt === undefined && armed.matches(event)) {
            armed.trigger.firedAt = sim.now;
            sim.note(`trigger: ${armed.trigger.description}`);
            await armed.action();
          }
        }
      }
    });
  }

  get now(): number {
    return this.sim.now;
  }

  /** Starts an operation on a client host; it runs concurrently with everything else. */
  start(client: NodeId, op: string, ...args: unknown[]): OpRecord {
    return this.sim.invoke(client, op, args);
  }

  /** Runs the simulation until `op` returns, and gives its result. Fails the test if it never does. */
  async finish(op: OpRecord, withinMs = this.opTimeoutMs): Promise<unknown> {
    const outcome = await this.sim.runUntil(() => op.complete !== undefined || op.clientDiedAt !== undefined, op.invoke + withinMs);
    if (outcome !== 'done') throw this.notReturned(op, outcome, withinMs);
    if (op.complete === undefined) throw this.clientDied(op);
    return op.result;
  }

  /** The test waits for the answer of an operation whose client host died: the test does not fit the faults it runs under. */
  private clientDied(op: OpRecord): TestFailure {
    return new TestFailure(
      `${describeOp(op)} cannot return: ${op.client} died at ${op.clientDiedAt} ms, before it did`,
      'this test waits for the answers of its script, so it cannot run under faults that kill client hosts (tests driven by t.drive() can)',
    );
  }

  /**
   * Runs a workload: each client runs operations one after another, as `next` hands them out,
   * concurrently with the other clients; `onDone` sees each operation as it returns (and may
   * kill a node, check a result, ...). Resolves when `next` has no more; every operation must return,
   * but one whose client host dies: that operation is indeterminate (`onDone` never sees it), and
   * the dead client leaves the workload.
   */
  async drive(
    clients: NodeId[],
    next: (client: NodeId) => { op: string; args: unknown[] } | undefined,
    onDone: (op: OpRecord) => void | Promise<void> = () => undefined,
  ): Promise<OpRecord[]> {
    const inFlight = new Map<NodeId, OpRecord>();
    const all: OpRecord[] = [];
    const startNext = (client: NodeId) => {
      const planned = next(client);
      if (!planned) return;
      const op = this.start(client, planned.op, ...planned.args);
      inFlight.set(client, op);
      all.push(op);
    };
    clients.forEach(startNext);
    while (inFlight.size > 0) {
      const pending = [...inFlight.values()];
      const deadline = Math.min(...pending.map((op) => op.invoke)) + this.opTimeoutMs;
      const ended = (op: OpRecord) => op.complete !== undefined || op.clientDiedAt !== undefined;
      const outcome = await this.sim.runUntil(() => pending.some(ended), deadline);
      if (outcome !== 'done') {
        const oldest = pending.reduce((a, b) => (b.invoke < a.invoke ? b : a));
        throw this.notReturned(oldest, outcome, this.opTimeoutMs);
      }
      for (const op of pending.filter((o) => o.complete === undefined && o.clientDiedAt !== undefined)) inFlight.delete(op.client);
      for (const op of pending.filter((o) => o.complete !== undefined).sort((a, b) => a.id - b.id)) {
        inFlight.delete(op.client);
        await onDone(op);
        startNext(op.client);
      }
    }
    return all;
  }

  private notReturned(op: OpRecord, outcome: 'deadline' | 'quiet', withinMs: number): TestFailure {
    if (outcome === 'quiet') {
      return new TestFailure(
        `${describeOp(op)} never returned: no message is in flight and no timer is set, so nothing else can happen`,
        'a handler or the Clerk awaits a promise that nothing will ever settle (e.g. one it made itself and never resolves); ' +
          'a Clerk whose call fails must try again (at the backup, if the primary is dead)',
      );
    }
    return new TestFailure(
      `${describeOp(op)} did not return within ${withinMs / 1000} s of virtual time`,
      'the Clerk must keep trying until some server answers: when the primary is dead (unreachable, or no answer ' +
        'before the timeout), send to the backup',
    );
  }

  /** Runs one operation to completion and returns its result. */
  async run(client: NodeId, op: string, ...args: unknown[]): Promise<unknown> {
    return this.finish(this.start(client, op, ...args));
  }

  /** Runs several operations concurrently until all returned; results in the same order. */
  async all(ops: OpRecord[]): Promise<unknown[]> {
    const results: unknown[] = [];
    for (const op of ops) results.push(await this.finish(op));
    return results;
  }

  /** Fails the test unless `actual` equals `expected`. */
  expectResult(op: OpRecord | string, actual: unknown, expected: unknown, hint = ''): void {
    if (Object.is(actual, expected)) return;
    const what = typeof op === 'string' ? op : describeOp(op);
    throw new TestFailure(`${what} returned ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`, hint);
  }

  /** Fails the test with `message` unless `condition` holds. */
  expect(condition: boolean, message: string, hint = ''): void {
    if (!condition) throw new TestFailure(message, hint);
  }

  fail(message: string, hint = ''): never {
    throw new TestFailure(message, hint);
  }

  /** Fail-stop: SIGKILLs the node now. */
  async kill(node: NodeId, why = 'killed by the test'): Promise<void> {
    await this.sim.kill(node, why);
  }

  /** Kills `node` right after the first step whose trace matches `matches` (once). */
  killWhen(node: NodeId, description: string, matches: (e: TraceEvent) => boolean): Trigger {
    return this.when(description, matches, () => this.sim.kill(node, description));
  }

  /** Runs `action` right after the first step whose trace matches `matches` (once). */
  when(description: string, matches: (e: TraceEvent) => boolean, action: () => Promise<void> | void): Trigger {
    const trigger: Trigger = { description, firedAt: undefined };
    this.triggers.push({ trigger, matches, action: async () => action() });
    return trigger;
  }

  /** Holds back messages from `from` to `to` (they wait in the network) until `release()`. */
  hold(from: NodeId, to: NodeId): void {
    this.sim.hold(from, to);
  }

  release(from: NodeId, to: NodeId): void {
    this.sim.release(from, to);
  }

  /** Makes every later message from `from` to `to` take between `min` and `max` virtual ms. */
  setLatency(from: NodeId, to: NodeId, min: number, max = min): void {
    this.sim.setLatency(from, to, min, max);
  }

  // ---- faults (grader/src/net/network.ts and sim/simulation.ts say what each does) ----

  /** Loss, duplication and delay on the links `from` -> `to` matches ('*': any node), from now on. */
  linkFaults(from: NodeId | '*', to: NodeId | '*', faults: LinkRule['faults']): void {
    this.sim.addLinkRule({ from, to, faults });
  }

  /** Cuts every link between nodes of different groups, both ways, until `heal()`. */
  partition(...groups: NodeId[][]): void {
    this.sim.partition(groups);
  }

  /** Cuts one direction of one link until `heal()`. */
  cutLink(from: NodeId, to: NodeId): void {
    this.sim.cutLink(from, to);
  }

  /** Cuts every link of `node`, both ways, until `heal()`. */
  isolate(node: NodeId): void {
    this.sim.isolate(node);
  }

  heal(): void {
    this.sim.heal();
  }

  /** Crash + restart: SIGKILL if alive, then a fresh process that gets `init` again; its state folder survives. */
  async restart(node: NodeId): Promise<void> {
    await this.sim.restart(node);
  }

  /** The node receives nothing, and its timers do not fire, until `resume()`. */
  pause(node: NodeId): void {
    this.sim.pause(node);
  }

  resume(node: NodeId): void {
    this.sim.resume(node);
  }

  /** Every message to or from `node` takes `extraMs` longer (0 ends it). */
  slow(node: NodeId, extraMs: number): void {
    this.sim.setSlow(node, extraMs);
  }

  /** Runs `action` at virtual time `time`, whatever the test is waiting for then. */
  at(time: number, description: string, action: () => void | Promise<void>): void {
    this.sim.at(time, description, action);
  }

  /** Runs `action` right after the `n`-th client operation (counting from the start of the run) returns. */
  afterOps(n: number, description: string, action: () => void | Promise<void>): Trigger {
    let seen = 0;
    return this.when(description, (e) => e.kind === 'complete' && ++seen === n, action);
  }

  /** Lets `ms` of virtual time pass, with everything that happens meanwhile. */
  async runFor(ms: number): Promise<void> {
    await this.sim.runFor(ms);
  }

  /** Runs until `condition` holds; fails with `message` if it does not within `withinMs`. */
  async waitUntil(condition: () => boolean, withinMs: number, message: string, hint = ''): Promise<void> {
    const outcome = await this.sim.runUntil(condition, this.now + withinMs);
    if (outcome !== 'done') throw new TestFailure(message, hint);
  }

  /** Messages sent so far from `from` to `to` (optionally only since virtual time `since`). */
  messages(from: NodeId, to: NodeId, since = 0): Extract<TraceEvent, { kind: 'send' }>[] {
    return this.sim.trace.events.filter(
      (e): e is Extract<TraceEvent, { kind: 'send' }> => e.kind === 'send' && e.from === from && e.to === to && e.t >= since,
    );
  }
}
