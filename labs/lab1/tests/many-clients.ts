/**
 * At-most-once for every client: between an operation that the backup ran and its re-send,
 * many other clients use the backup. A server that remembers answers only for the few
 * clients it heard from last (an LRU cache, say) has forgotten the first one by then.
 */
import { defineTest } from '../../../grader/src/lab/manifest.ts';
import { AT_MOST_ONCE } from './at-most-once.ts';
import { BACKUP, lock, neverAnswered, resent, startWithPrimaryDyingMidOp, untilFired } from './lock-steps.ts';

const OTHERS = ['c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9'];

export const manyClients = defineTest({
  name: 'ManyClients',
  part: 'B',
  points: 5,
  description: "the primary dies as it answers c1's Lock (the answer is lost); eight other clients use the backup before c1's re-send reaches it",
  clients: 1 + OTHERS.length,
  async run(t) {
    await lock(t, 'c1', 'z', true);
    t.hold('c1', BACKUP);
    const { record, trigger } = startWithPrimaryDyingMidOp(t, 'c1', 'lock', 'a');
    await untilFired(t, trigger, neverAnswered('c1', 'lock', 'a'));
    // Each other client takes a lock of its own at the backup, all at once, twice over.
    for (const round of [1, 2]) {
      const ops = OTHERS.map((client) => t.start(client, 'lock', `${client}-${round}`));
      for (const op of ops) t.expectResult(op, await t.finish(op), true, `nobody else uses ${String(op.args[0])}`);
    }
    t.release('c1', BACKUP);
    t.expectResult(
      resent('c1', 'lock', 'a'),
      await t.finish(record),
      true,
      `${AT_MOST_ONCE}. The backup must remember the answer for every client, however many others it served since: ` +
        `${OTHERS.length} other clients used it before this re-send arrived`,
    );
    await lock(t, 'c2', 'a', false, 'c1 holds "a"');
  },
});
