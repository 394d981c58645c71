/** The seed picks the victim (primary or backup) and the moment: any step of the protocol. */
import { defineTest } from '../../../grader/src/lab/manifest.ts';
import { BACKUP, PRIMARY } from './lock-steps.ts';

const SERVERS = new Set([PRIMARY, BACKUP]);

export const randomKill = defineTest({
  name: 'RandomKill',
  part: 'B',
  points: 10,
  description: 'four clients on three shared locks; the seed kills the primary or the backup at a random protocol step',
  clients: 4,
  async run(t) {
    const clients = ['c1', 'c2', 'c3', 'c4'];
    const victim = t.rng.pick([PRIMARY, PRIMARY, BACKUP]);
    // Every delivery to or from a server is a protocol step: before, during or after a forward.
    const killAtStep = t.rng.int(1, 80);
    let steps = 0;
    t.killWhen(victim, `protocol step ${killAtStep}: kill the ${victim}`, (e) => e.kind === 'deliver' && (SERVERS.has(e.to) || SERVERS.has(e.from)) && ++steps === killAtStep);
    const left = new Map(clients.map((c) => [c, 8]));
    // No expectation here: the lab's history checks (lab.ts) judge the run.
    await t.drive(clients, (client) => {
      const n = left.get(client)!;
      if (n === 0) return undefined;
      left.set(client, n - 1);
      return { op: t.rng.chance(0.55) ? 'lock' : 'unlock', args: [t.rng.pick(['a', 'b', 'c'])] };
    });
  },
});
