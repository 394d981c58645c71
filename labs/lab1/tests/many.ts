/** Several clients at once, with the primary killed somewhere in the middle. */
import { defineTest } from '../../../grader/src/lab/manifest.ts';
import { describeOp } from '../../../grader/src/lab/scenario.ts';
import { PRIMARY } from './lock-steps.ts';

export const many = defineTest({
  name: 'Many',
  part: 'A',
  points: 9,
  description: 'four clients, each on its own locks, random operations; the primary dies; then every lock is checked',
  clients: 5,
  async run(t) {
    const workers = ['c1', 'c2', 'c3', 'c4'];
    const opsPerClient = 12;
    const held = new Map<string, boolean>();
    const left = new Map(workers.map((c) => [c, opsPerClient]));
    const killAfter = t.rng.int(3, workers.length * opsPerClient - 3);
    let done = 0;
    await t.drive(
      workers,
      (client) => {
        const n = left.get(client)!;
        if (n === 0) return undefined;
        left.set(client, n - 1);
        return { op: t.rng.chance(0.5) ? 'lock' : 'unlock', args: [`${client}-${t.rng.pick(['a', 'b', 'c'])}`] };
      },
      async (op) => {
        // Each client has its own locks, so its results follow from its own sequence alone.
        const name = op.args[0] as string;
        const wasHeld = held.get(name) ?? false;
        const expected = op.name === 'lock' ? !wasHeld : wasHeld;
        t.expectResult(op, op.result, expected, `${name} is used by ${op.client} alone, so it was ${wasHeld ? 'held' : 'free'}`);
        held.set(name, op.name === 'lock' ? true : false);
        if (++done === killAfter) await t.kill(PRIMARY, `fail-stop after ${done} operations`);
      },
    );
    t.expect(!t.sim.isAlive(PRIMARY), 'the primary was never killed (the test is broken)');
    for (const [name, isHeld] of [...held].sort()) {
      const probe = t.start('c5', 'lock', name);
      t.expectResult(
        probe,
        await t.finish(probe),
        !isHeld,
        `after the fail-over, ${name} must be ${isHeld ? 'held' : 'free'}, as it was at the primary (${describeOp(probe)} probes it)`,
      );
    }
  },
});

export const concurrentCounts = defineTest({
  name: 'ConcurrentCounts',
  part: 'A',
  points: 9,
  description: 'four clients lock and unlock one lock concurrently; the primary dies midway; successful Locks and Unlocks must alternate',
  clients: 5,
  async run(t) {
    const workers = ['c1', 'c2', 'c3', 'c4'];
    const left = new Map(workers.map((c) => [c, 10]));
    const killAfter = t.rng.int(5, 30);
    let done = 0;
    const ops = await t.drive(
      workers,
      (client) => {
        const n = left.get(client)!;
        if (n === 0) return undefined;
        left.set(client, n - 1);
        return { op: t.rng.chance(0.5) ? 'lock' : 'unlock', args: ['x'] };
      },
      async () => {
        if (++done === killAfter) await t.kill(PRIMARY, `fail-stop after ${done} operations`);
      },
    );
    const locks = ops.filter((o) => o.name === 'lock' && o.result === true).length;
    const unlocks = ops.filter((o) => o.name === 'unlock' && o.result === true).length;
    t.expect(
      locks - unlocks === 0 || locks - unlocks === 1,
      `${locks} Locks and ${unlocks} Unlocks of "x" succeeded: successful Locks and Unlocks must alternate, so the counts may differ by at most one`,
      'two servers that both answered, or a request that ran twice, break the alternation',
    );
    const probe = t.start('c5', 'lock', 'x');
    t.expectResult(probe, await t.finish(probe), locks === unlocks, `after ${locks} Locks and ${unlocks} Unlocks, "x" must be ${locks === unlocks ? 'free' : 'held'}`);
  },
});
