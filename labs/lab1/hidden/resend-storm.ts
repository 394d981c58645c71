/**
 * Hidden tests of lab 1: never shipped to students (the grader loads every module of this
 * folder when it exists; each default-exports an array of tests). Harder, randomized versions
 * of the handout's at-most-once scenarios, so that passing the visible tests by pattern is not
 * enough.
 */
import { defineTest, type GradedTest } from '../../../grader/src/lab/manifest.ts';
import { BACKUP, PRIMARY, expectFired, lock } from '../tests/lock-steps.ts';

const CLIENTS = new Set(['c1', 'c2', 'c3', 'c4']);

const WORKERS = ['c1', 'c2', 'c3'];
const LOCKS = ['a', 'b'];

const resendStorm = defineTest({
  name: 'ResendStorm',
  part: 'B',
  points: 10,
  description:
    'three clients on two shared locks; the primary dies right after it answered a random operation, while others are on their way; ' +
    "the clients' re-sends reach the backup late and in a random order; then every lock is probed",
  clients: 4,
  async run(t) {
    await lock(t, 'c4', 'z', true);
    // The seed picks the answer after which the primary dies (the clients' other operations are
    // then anywhere between their request and the backup), and how long each client's messages
    // to the backup are held back once it is dead: re-sent requests arrive after other clients'
    // operations, as in PrimaryFail7-9, but at moments no student can aim at.
    const fatalAnswer = t.rng.int(2, 14);
    const heldFor = new Map(WORKERS.map((c) => [c, t.rng.int(0, 4000)]));
    let answers = 0;
    let killedAt: number | undefined;
    const kill = t.when(
      `the primary sent its answer number ${fatalAnswer} to a client: kill the primary, hold back the clients' messages to the backup`,
      (e) => e.kind === 'send' && e.from === PRIMARY && CLIENTS.has(e.to) && typeof e.body.in_reply_to === 'number' && ++answers === fatalAnswer,
      async () => {
        await t.kill(PRIMARY, `fail-stop right after the primary sent answer ${fatalAnswer}`);
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
    expectFired(t, kill, `the primary sent fewer than ${fatalAnswer} answers`);
  },
});

export default [resendStorm] satisfies GradedTest[];
