/**
 * Hidden tests of lab 1: never shipped to students (the grader loads every module of this
 * folder when it exists; each default-exports an array of tests). Harder, randomized versions
 * of the handout's at-most-once scenarios, so that passing the visible tests by pattern is not
 * enough.
 */
import { defineTest, type GradedTest } from '../../../grader/src/lab/manifest.ts';
import { BACKUP, PRIMARY, expectFired, lock } from '../tests/lock-steps.ts';

const WORKERS = ['c1', 'c2', 'c3'];
const LOCKS = ['a', 'b'];

const resendStorm = defineTest({
  name: 'ResendStorm',
  part: 'B',
  points: 10,
  description:
    'three clients on two shared locks; the primary dies right after the backup got a random forwarded operation; ' +
    "the clients' re-sends reach the backup late and in a random order; then every lock is probed",
  clients: 4,
  async run(t) {
    await lock(t, 'c4', 'z', true);
    // The seed picks the copy after which the primary dies, and how long each client's messages
    // to the backup are held back once it is dead: re-sent requests arrive after other clients'
    // operations, as in PrimaryFail7-9, but at moments no student can aim at.
    const fatalCopy = t.rng.int(2, 14);
    const heldFor = new Map(WORKERS.map((c) => [c, t.rng.int(0, 4000)]));
    let copies = 0;
    let killedAt: number | undefined;
    const kill = t.when(
      `the backup received the primary's copy number ${fatalCopy}: kill the primary, hold back the clients' messages to the backup`,
      (e) => e.kind === 'deliver' && e.from === PRIMARY && e.to === BACKUP && ++copies === fatalCopy,
      async () => {
        await t.kill(PRIMARY, `fail-stop right after the backup received copy ${fatalCopy}`);
        killedAt = t.now;
        for (const client of WORKERS) t.hold(client, BACKUP);
      },
    );
    for (const client of WORKERS) {
      t.when(
        `${heldFor.get(client)} ms after the kill: let ${client}'s messages reach the backup`,
        (e) => killedAt !== undefined && e.t >= killedAt + heldFor.get(client)!,
        () => t.release(client, BACKUP),
      );
    }
    const left = new Map(WORKERS.map((c) => [c, 8]));
    // No expectation per operation: the lab's history checks judge the whole run, probes included.
    await t.drive(WORKERS, (client) => {
      const n = left.get(client)!;
      if (n === 0) return undefined;
      left.set(client, n - 1);
      return { op: t.rng.chance(0.55) ? 'lock' : 'unlock', args: [t.rng.pick(LOCKS)] };
    });
    for (const name of LOCKS) await t.run('c4', 'lock', name);
    expectFired(t, kill, 'the primary never forwarded enough operations to the backup');
  },
});

export default [resendStorm] satisfies GradedTest[];
