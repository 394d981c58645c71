/**
 * A re-sent request reaches the primary while the backup has not yet got the first copy:
 * the primary must not answer it before the backup has the operation, even though it already
 * knows the answer. Then the primary dies, and the copy never reaches the backup.
 */
import { defineTest } from '../../../grader/src/lab/manifest.ts';
import { BACKUP, PRIMARY, answerTo, lock, requestCopyReached } from './lock-steps.ts';

/** How long the primary may take to answer the re-sent copy before it dies (a buggy one answers at once). */
const GRACE_MS = 50;
/** A Clerk that waits longer than this before re-sending sees the primary die first: the test still holds, aimed less well. */
const LATEST_KILL_MS = 5000;

const EARLY_ANSWER =
  'the primary answered c1\'s lock("a") while nothing it sent since could reach the backup, then died: the backup never learned that "a" is held. ' +
  'A re-sent request must wait for the backup like its first copy (e.g. answer re-sends from the table only once the backup ' +
  'answered the forward, or run every request, re-sends included, in order behind the one before)';
const HELD = 'c1 took "a" (its Lock returned true), so "a" is held: the backup must know it once the primary is dead';

export const duplicateDuringForward = defineTest({
  name: 'DuplicateDuringForward',
  part: 'B',
  points: 5,
  description:
    "c1's re-sent Lock reaches the primary while nothing from the primary reaches the backup; then the primary dies: " +
    'no answer may have told c1 it holds the lock before the backup knew',
  clients: 2,
  async run(t) {
    await lock(t, 'c1', 'z', true);
    // From now on, nothing the primary sends reaches the backup: the primary dies before it would.
    t.hold(PRIMARY, BACKUP);
    const record = t.start('c1', 'lock', 'a');
    const kill = (why: string) => () => t.kill(PRIMARY, why);
    // A correct primary cannot answer while the backup hears nothing from it; a primary that does dies right after.
    const answered = t.killWhen(PRIMARY, 'the primary answered c1\'s lock("a") though the backup has not heard from it: kill it', answerTo(record, PRIMARY));
    t.when(`c1's re-sent lock("a") reached the primary: kill the primary ${GRACE_MS} ms later`, requestCopyReached(record, PRIMARY, 2), () =>
      t.at(t.now + GRACE_MS, 'the primary did not answer the re-sent copy', kill('fail-stop while the backup still waits for the copy')),
    );
    t.at(t.now + LATEST_KILL_MS, `c1 did not re-send within ${LATEST_KILL_MS} ms`, kill('fail-stop while the backup still waits for the copy'));
    // Whoever answered, "a" was free, so c1 takes it; then the backup must know that "a" is held.
    t.expectResult(record, await t.finish(record), true, '"a" was free');
    await lock(t, 'c2', 'a', false, answered.firedAt === undefined ? HELD : EARLY_ANSWER);
  },
});
