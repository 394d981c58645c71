import { defineTest } from '../../../grader/src/lab/manifest.ts';
import { BACKUP, PRIMARY, expectFired, lock, primaryRepliedTo, primarySentToBackup, unlock } from './lock-steps.ts';

const MIRROR_HINT =
  'after the primary dies, the backup must know every lock the primary knew: the primary forwards each operation to the backup before replying';

export const primaryFail1 = defineTest({
  name: 'PrimaryFail1',
  part: 'A',
  points: 8,
  description: 'the backup mirrors every operation, failed ones included; then the primary dies between operations',
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
      t.expect(
        forwarded,
        `the primary did not send anything to the backup while it handled ${client}'s ${op}("${name}") (which returned ${expected})`,
        'the backup must see every operation, failed ones included: it needs them to answer a re-sent request',
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
    const trigger = t.killWhen(PRIMARY, 'the primary replied to c1: kill it', primaryRepliedTo('c1', t.now));
    await lock(t, 'c1', 'a', true);
    expectFired(t, trigger, 'the primary never replied to c1', 'the Clerk sends to the primary while it is alive');
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
    const trigger = t.killWhen(BACKUP, 'the primary sent a message to the backup: kill the backup before it arrives', primarySentToBackup(t.now));
    await lock(t, 'c2', 'b', true, 'when the backup does not answer, it has halted: the primary must carry on alone');
    expectFired(t, trigger, 'the primary never forwarded c2\'s lock("b") to the backup');
    await lock(t, 'c2', 'a', false, 'the primary keeps its own state');
    await unlock(t, 'c1', 'a', true);
    await lock(t, 'c2', 'a', true);
    await unlock(t, 'c1', 'b', true);
    await unlock(t, 'c1', 'b', false);
  },
});
