/**
 * Part B: the primary runs an operation and answers, and dies as its answer leaves; the
 * answer is lost. A correct primary answers only once the backup has the operation, so the
 * backup already ran it. The client re-sends to the backup, which must answer as if the
 * operation ran once: with the answer the first copy got, and without running it again.
 */
import { defineTest } from '../../../grader/src/lab/manifest.ts';
import type { Scenario } from '../../../grader/src/lab/scenario.ts';
import { BACKUP, expectWithPrimaryDyingMidOp, lock, neverAnswered, resent, startWithPrimaryDyingMidOp, untilFired, unlock, type LockOp } from './lock-steps.ts';

export const AT_MOST_ONCE =
  'the primary answered this request before it died, so the backup already ran it (a primary answers only once the backup has the operation): ' +
  'a re-sent copy must get the stored answer, not run again. ' +
  'Give each request an id that re-sends keep (e.g. client id + sequence number) and remember the last answer per client';

/**
 * Where running a re-sent failed operation again gives an answer that one lock service could
 * give too (it ran later, after the lock changed), so only the handout's rule decides.
 */
const FAILED_ONES_TOO =
  "this test enforces the handout's at-most-once rule: a re-sent request gets the answer its first copy got, failed operations included " +
  '(running it again gave an answer of a later moment). The primary forwards every operation, failed ones too, and the backup records their answers';

/**
 * A re-sent request reaches the backup only after another client changed the lock there:
 * `other` runs its operations at the backup while `client`'s re-send is held back.
 */
async function resendAfterOthers(
  t: Scenario,
  client: string,
  op: LockOp,
  name: string,
  meanwhile: () => Promise<void>,
  expected: boolean,
  hint: string,
): Promise<void> {
  t.hold(client, BACKUP);
  const { record, trigger } = startWithPrimaryDyingMidOp(t, client, op, name);
  await untilFired(t, trigger, neverAnswered(client, op, name));
  await meanwhile();
  t.release(client, BACKUP);
  t.expectResult(resent(client, op, name), await t.finish(record), expected, hint);
}

export const primaryFail2 = defineTest({
  name: 'PrimaryFail2',
  part: 'B',
  points: 5,
  description: 'a re-sent Lock of a lock it just took returns true',
  clients: 2,
  async run(t) {
    await lock(t, 'c1', 'z', true);
    await expectWithPrimaryDyingMidOp(t, 'c1', 'lock', 'a', true, AT_MOST_ONCE);
    await lock(t, 'c2', 'a', false, 'c1 holds "a"');
  },
});

export const primaryFail3 = defineTest({
  name: 'PrimaryFail3',
  part: 'B',
  points: 5,
  description: 'a client re-locking a lock it holds gets false, also when re-sent',
  clients: 2,
  async run(t) {
    await lock(t, 'c1', 'a', true);
    await expectWithPrimaryDyingMidOp(t, 'c1', 'lock', 'a', false, AT_MOST_ONCE);
    await unlock(t, 'c2', 'a', true, '"a" is still held by c1');
  },
});

export const primaryFail4 = defineTest({
  name: 'PrimaryFail4',
  part: 'B',
  points: 5,
  description: "another client's failed Lock, re-sent, returns false",
  clients: 2,
  async run(t) {
    await lock(t, 'c1', 'a', true);
    await expectWithPrimaryDyingMidOp(t, 'c2', 'lock', 'a', false, AT_MOST_ONCE);
    await unlock(t, 'c1', 'a', true, '"a" is still held by c1');
  },
});

export const primaryFail5 = defineTest({
  name: 'PrimaryFail5',
  part: 'B',
  points: 5,
  description: 'a re-sent Unlock of a free lock returns false',
  clients: 2,
  async run(t) {
    await lock(t, 'c1', 'b', true);
    await expectWithPrimaryDyingMidOp(t, 'c1', 'unlock', 'a', false, AT_MOST_ONCE);
    await lock(t, 'c2', 'a', true, '"a" was never locked');
  },
});

export const primaryFail6 = defineTest({
  name: 'PrimaryFail6',
  part: 'B',
  points: 5,
  description: "a client unlocks another client's lock and the reply is lost: the re-sent Unlock returns true",
  clients: 2,
  async run(t) {
    await lock(t, 'c1', 'a', true);
    await expectWithPrimaryDyingMidOp(t, 'c2', 'unlock', 'a', true, AT_MOST_ONCE);
    await lock(t, 'c1', 'a', true, '"a" was unlocked by c2');
  },
});

export const primaryFail7 = defineTest({
  name: 'PrimaryFail7',
  part: 'B',
  points: 5,
  description: 'a re-sent Unlock that arrives after another client re-locked the lock returns true and does not free it',
  clients: 3,
  async run(t) {
    await lock(t, 'c1', 'a', true);
    await resendAfterOthers(t, 'c2', 'unlock', 'a', () => lock(t, 'c1', 'a', true, "c2's Unlock freed \"a\" at the backup"), true, AT_MOST_ONCE);
    await lock(t, 'c3', 'a', false, 'c1 re-locked "a" after the Unlock ran; a re-sent copy of that Unlock must not free it again');
  },
});

export const primaryFail8 = defineTest({
  name: 'PrimaryFail8',
  part: 'B',
  points: 5,
  description: "a re-sent failed Unlock returns false and does not free a lock taken meanwhile (the handout's at-most-once rule, failed operations included)",
  clients: 3,
  async run(t) {
    await lock(t, 'c3', 'z', true);
    await resendAfterOthers(t, 'c2', 'unlock', 'a', () => lock(t, 'c1', 'a', true, '"a" was free'), false, FAILED_ONES_TOO);
    await lock(t, 'c3', 'a', false, `c1 holds "a"; the re-sent Unlock (which failed the first time) must not have freed it: ${FAILED_ONES_TOO}`);
  },
});

export const primaryFail9 = defineTest({
  name: 'PrimaryFail9',
  part: 'B',
  points: 5,
  description: "a re-sent failed Lock returns false even after the holder unlocked meanwhile (the handout's at-most-once rule, failed operations included)",
  clients: 3,
  async run(t) {
    await lock(t, 'c1', 'a', true);
    await resendAfterOthers(t, 'c2', 'lock', 'a', () => unlock(t, 'c1', 'a', true, 'c1 held "a"'), false, FAILED_ONES_TOO);
    await lock(t, 'c3', 'a', true, `the re-sent Lock failed the first time, so it must not have taken "a" now: ${FAILED_ONES_TOO}`);
  },
});
