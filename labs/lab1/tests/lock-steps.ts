/**
 * Steps that lab 1's tests are written in: run a Lock or Unlock and state its result, and
 * kill a server at a precise moment of an operation. The moments are defined by what every
 * correct design must do, never by message names or counts: a client's request reaches a
 * server, and the server answers it. A correct primary answers only once the backup has the
 * operation, so "the primary answered" implies "the backup has it", whatever the protocol
 * between them (a copy of each operation, batches, state transfer, heartbeats on the side, a
 * backup that decides, or one asked first).
 */
import type { Scenario, Trigger } from '../../../grader/src/lab/scenario.ts';
import type { TraceEvent } from '../../../grader/src/net/trace.ts';
import type { NodeId } from '../../../grader/src/runtime/protocol.ts';
import type { OpRecord } from '../../../grader/src/sim/simulation.ts';

export const PRIMARY = 'primary';
export const BACKUP = 'backup';

export type LockOp = 'lock' | 'unlock';

/** Runs `op(name)` on `client` and fails the test unless it returns `expected`. */
export async function expectOp(t: Scenario, client: string, op: LockOp, name: string, expected: boolean, hint = ''): Promise<void> {
  const record = t.start(client, op, name);
  t.expectResult(record, await t.finish(record), expected, hint);
}

export const lock = (t: Scenario, client: string, name: string, expected: boolean, hint = '') => expectOp(t, client, 'lock', name, expected, hint);
export const unlock = (t: Scenario, client: string, name: string, expected: boolean, hint = '') => expectOp(t, client, 'unlock', name, expected, hint);

/**
 * Follows the requests `op`'s client sends to `server` while `op` runs (a Clerk has one
 * operation at a time, so they are that operation's, first copy and re-sends alike).
 * `observe` must see every trace event, in order, from before `op` is invoked.
 */
class RequestsOf {
  private running = false;
  private readonly sent = new Set<number>();
  private readonly msgIds = new Set<number>();
  /** How many of them reached `server`. */
  delivered = 0;

  constructor(
    private readonly op: OpRecord,
    private readonly server: NodeId,
  ) {}

  observe(e: TraceEvent): void {
    if (e.kind === 'invoke' && e.op === this.op.id) this.running = true;
    if (e.kind === 'complete' && e.op === this.op.id) this.running = false;
    if (!this.running) return;
    if (e.kind === 'send' && e.from === this.op.client && e.to === this.server && typeof e.body.msg_id === 'number') {
      this.sent.add(e.id);
      this.msgIds.add(e.body.msg_id);
    }
    if (e.kind === 'deliver' && this.sent.has(e.id)) this.delivered++;
  }

  /** `e` is `server` sending an answer to one of them. */
  isAnswer(e: TraceEvent): boolean {
    return this.running && e.kind === 'send' && e.from === this.server && e.to === this.op.client && typeof e.body.in_reply_to === 'number' && this.msgIds.has(e.body.in_reply_to);
  }
}

/** Matches `server` sending its answer to `op` (to any copy of its request). */
export function answerTo(op: OpRecord, server: NodeId): (e: TraceEvent) => boolean {
  const requests = new RequestsOf(op, server);
  return (e) => {
    requests.observe(e);
    return requests.isAnswer(e);
  };
}

/** Matches the `n`-th copy of `op`'s request reaching `server` (n = 2: the first re-send). */
export function requestCopyReached(op: OpRecord, server: NodeId, n: number): (e: TraceEvent) => boolean {
  const requests = new RequestsOf(op, server);
  return (e) => {
    requests.observe(e);
    return e.kind === 'deliver' && requests.delivered === n;
  };
}

/** Matches `from` sending anything to `to` after `op`'s request reached `from`. */
export function sentAfterRequest(op: OpRecord, from: NodeId, to: NodeId): (e: TraceEvent) => boolean {
  const requests = new RequestsOf(op, from);
  return (e) => {
    requests.observe(e);
    return requests.delivered > 0 && e.kind === 'send' && e.from === from && e.to === to;
  };
}

const NEVER_ANSWERED_HINT = 'the Clerk sends each operation to the primary while the primary is alive, and the primary answers it';

/**
 * The hard case of the lecture: `client` starts `op(name)`; the primary runs it and answers,
 * and dies as its answer leaves; the answer is lost (the primary's link to `client` is held
 * for good). A correct primary answers only after the backup has the operation, so the
 * backup already has it. Returns the pending operation: the client has to re-send it to the
 * backup, which must recognize it.
 */
export function startWithPrimaryDyingMidOp(t: Scenario, client: string, op: LockOp, name: string): { record: OpRecord; trigger: Trigger } {
  // Nothing else goes from the primary to this client (servers never call clients), and the
  // primary dies before any other answer would: holding the link loses only this answer.
  t.hold(PRIMARY, client);
  const record = t.start(client, op, name);
  const trigger = t.killWhen(PRIMARY, `the primary answered ${client}'s ${op}("${name}"): kill it; its answer is lost`, answerTo(record, PRIMARY));
  return { record, trigger };
}

/** Fails the test if a moment that it aims at never came. */
export function expectFired(t: Scenario, trigger: Trigger, what: string, hint = NEVER_ANSWERED_HINT): void {
  t.expect(trigger.firedAt !== undefined, what, hint);
}

/** What the test says of an operation whose first answer was lost with the primary. */
export const resent = (client: string, op: LockOp, name: string) => `${client}'s re-sent ${op}("${name}") (the primary died as it answered it, and that answer was lost)`;

export const neverAnswered = (client: string, op: LockOp, name: string) => `the primary never answered ${client}'s ${op}("${name}")`;

/** `startWithPrimaryDyingMidOp`, run to completion, with the result checked. */
export async function expectWithPrimaryDyingMidOp(t: Scenario, client: string, op: LockOp, name: string, expected: boolean, hint: string): Promise<void> {
  const { record, trigger } = startWithPrimaryDyingMidOp(t, client, op, name);
  const result = await t.finish(record);
  expectFired(t, trigger, neverAnswered(client, op, name));
  t.expectResult(resent(client, op, name), result, expected, hint);
}

/** Runs until the trigger fired; fails with `what` if it does not within `withinMs`. */
export async function untilFired(t: Scenario, trigger: Trigger, what: string, withinMs = 2000): Promise<void> {
  await t.waitUntil(() => trigger.firedAt !== undefined, withinMs, what, NEVER_ANSWERED_HINT);
}
