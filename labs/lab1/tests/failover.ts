import { defineTest } from '../../../grader/src/lab/manifest.ts';
import { BACKUP, PRIMARY, answerTo, expectFired, lock, sentAfterRequest, unlock } from './lock-steps.ts';

const MIRROR_HINT =
  'after the primary dies, the backup must know every lock the primary knew: the primary forwards each operation to the backup before replying';

export const primaryFail1 = defineTest({
  name: 'PrimaryFail1',
  part: 'A',
  points: 8,
  description:
    "the backup mirrors every operation, failed ones included (the handout's rule: the primary forwards every operation before it replies); " +
    'then the primary dies between operations',
  clients: 2,
  async run(t) {
    const sequence: [string, 'lock' | 'unlock', string, boolean][] = [
      ['c1', 'lock', 'a', true],
      ['c1', 'lock', 'a', false],
      ['c1', 'unlock', 'b', false],
      ['c1', 'lock', 'b', true],
      ['c2', 'unlock', 'b', true],
      ['c2', 'unlock', 'b', false],
      ['c2', 'lock', 'c', true],
      ['c1', 'lock', 'd', true],
      ['c2', 'lock', 'd', false],
    ];
    for (const [client, op, name, expected] of sequence) {
      const record = t.start(client, op, name);
      t.expectResult(record, await t.finish(record), expected);
      const forwarded = t.messages(PRIMARY, BACKUP, record.invoke).some((m) => m.t <= record.complete!);
      // A rule, not an outcome: a primary that keeps a failed operation to itself gives right
      // answers here; PrimaryFail8 and 9 show what it breaks.
      t.expect(
        forwarded,
        `the primary sent nothing to the backup between ${client}'s ${op}("${name}") call and its return (it returned ${expected})`,
        "this test enforces the handout's rule that the primary forwards every operation, failed ones included, before it replies: " +
          'the backup needs the answers of failed ones to answer a re-sent request',
      );
    }
    await t.kill(PRIMARY, 'fail-stop between operations');
    await lock(t, 'c1', 'a', false, MIRROR_HINT);
    await lock(t, 'c2', 'b', true, MIRROR_HINT);
    await lock(t, 'c1', 'c', false, MIRROR_HINT);
    await unlock(t, 'c2', 'a', true, MIRROR_HINT);
    await unlock(t, 'c1', 'd', true, MIRROR_HINT);
    await unlock(t, 'c1', 'e', false, MIRROR_HINT);
    await lock(t, 'c2', 'e', true, 'the backup serves new locks after the fail-over');
  },
});

export const primaryFailAfterReply = defineTest({
  name: 'PrimaryFailAfterReply',
  part: 'A',
  points: 8,
  description: 'the primary dies right after replying, while the primary-to-backup link is slow: the backup must already know',
  clients: 2,
  async run(t) {
    // A slow link is legal in an asynchronous network; it tells apart a primary that waits
    // for the backup from one that only sent it a copy.
    t.setLatency(PRIMARY, BACKUP, 40, 60);
    await lock(t, 'c1', 'x', true);
    const record = t.start('c1', 'lock', 'a');
    const trigger = t.killWhen(PRIMARY, 'the primary answered c1\'s lock("a"): kill it (its answer still arrives)', answerTo(record, PRIMARY));
    t.expectResult(record, await t.finish(record), true);
    expectFired(t, trigger, 'the primary never answered c1\'s lock("a")', 'the Clerk sends each operation to the primary while the primary is alive');
    await lock(t, 'c2', 'a', false, 'c1 got true from the primary, so the backup must know that "a" is held: the primary must wait for the backup\'s answer before it replies');
    await unlock(t, 'c2', 'x', true, MIRROR_HINT);
  },
});

export const backupFail = defineTest({
  name: 'BackupFail',
  part: 'A',
  points: 8,
  description: 'the backup dies while the primary forwards to it; the primary carries on alone',
  clients: 2,
  async run(t) {
    await lock(t, 'c1', 'a', true);
    const record = t.start('c2', 'lock', 'b');
    const trigger = t.killWhen(
      BACKUP,
      'the primary sent a message to the backup after c2\'s lock("b") reached it: kill the backup before it arrives',
      sentAfterRequest(record, PRIMARY, BACKUP),
    );
    t.expectResult(record, await t.finish(record), true, 'when the backup refuses the connection, it has halted: the primary must carry on alone');
    // Every correct primary tells the backup of an operation before it answers it; one that
    // did not is judged by its answers (PrimaryFail1 enforces the rule): the backup dies now.
    if (trigger.firedAt === undefined) await t.kill(BACKUP, 'the primary sent nothing to the backup while it handled c2\'s lock("b"): kill the backup now');
    await lock(t, 'c2', 'a', false, 'the primary keeps its own state');
    await unlock(t, 'c1', 'a', true);
    await lock(t, 'c2', 'a', true);
    await unlock(t, 'c1', 'b', true);
    await unlock(t, 'c1', 'b', false);
  },
});
