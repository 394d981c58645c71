/**
 * Steps that lab 1's tests are written in: run a Lock or Unlock and state its result, and
 * kill a server at a precise moment of the primary/backup protocol. The moments are
 * defined on the trace, not on message names, so they hold for any correct design.
 */
import type { Scenario, Trigger } from '../../../grader/src/lab/scenario.ts';
import type { TraceEvent } from '../../../grader/src/net/trace.ts';
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

/** The backup was delivered a message from the primary, sent at or after `since`. */
export const backupHeardFromPrimary = (since: number) => (e: TraceEvent) =>
  e.kind === 'deliver' && e.from === PRIMARY && e.to === BACKUP && e.t >= since;

/** The primary sent a message to the backup at or after `since`. */
export const primarySentToBackup = (since: number) => (e: TraceEvent) =>
  e.kind === 'send' && e.from === PRIMARY && e.to === BACKUP && e.t >= since;

/** The primary sent a message to `client` at or after `since` (its reply). */
export const primaryRepliedTo = (client: string, since: number) => (e: TraceEvent) =>
  e.kind === 'send' && e.from === PRIMARY && e.to === client && e.t >= since;

const NEVER_FORWARDED_HINT =
  'the primary must send every operation (failed ones too) to the backup, and wait for its answer, before replying to the client';

/**
 * The hard case of the lecture: `client` starts `op(name)`; the primary forwards it to the
 * backup, the backup handles it, and the primary is SIGKILLed before its reply leaves.
 * Returns the pending operation: the client has to re-send it to the backup.
 */
export function startWithPrimaryDyingMidOp(t: Scenario, client: string, op: LockOp, name: string): { record: OpRecord; trigger: Trigger } {
  const trigger = t.killWhen(PRIMARY, `the backup received the primary's copy of ${client}'s ${op}("${name}"): kill the primary before it replies`, backupHeardFromPrimary(t.now));
  const record = t.start(client, op, name);
  return { record, trigger };
}

/** Fails the test if a protocol moment that it aims at never came. */
export function expectFired(t: Scenario, trigger: Trigger, what: string, hint = NEVER_FORWARDED_HINT): void {
  t.expect(trigger.firedAt !== undefined, what, hint);
}

/** `startWithPrimaryDyingMidOp`, run to completion, with the result checked. */
export async function expectWithPrimaryDyingMidOp(t: Scenario, client: string, op: LockOp, name: string, expected: boolean, hint: string): Promise<void> {
  const { record, trigger } = startWithPrimaryDyingMidOp(t, client, op, name);
  const result = await t.finish(record);
  expectFired(t, trigger, `the primary never forwarded ${client}'s ${op}("${name}") to the backup`);
  t.expectResult(`${client}'s re-sent ${op}("${name}") (the primary died after forwarding it)`, result, expected, hint);
}

/** Runs until the trigger fired; fails with `what` if it does not within `withinMs`. */
export async function untilFired(t: Scenario, trigger: Trigger, what: string, withinMs = 2000): Promise<void> {
  await t.waitUntil(() => trigger.firedAt !== undefined, withinMs, what, NEVER_FORWARDED_HINT);
}
