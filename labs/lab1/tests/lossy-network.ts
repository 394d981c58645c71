/**
 * Part C (challenge): the links lose, duplicate, delay and reorder messages, between clients
 * and servers and between primary and backup. A dead server is still reported as a refused
 * connection, so fail-stop detection stays reliable; but a timeout no longer means a dead
 * server. Clerks retry with the same request id; both servers filter duplicates and old copies.
 * No expectation in the bodies: the lab's history checks (lab.ts) judge every run.
 */
import { defineTest } from '../../../grader/src/lab/manifest.ts';
import type { Scenario } from '../../../grader/src/lab/scenario.ts';
import { BACKUP, PRIMARY } from './lock-steps.ts';

const SERVERS = new Set([PRIMARY, BACKUP]);
const CLIENTS = ['c1', 'c2', 'c3', 'c4'];

/** Each client runs `perClient` random Locks and Unlocks on a few shared locks. */
function randomWorkload(t: Scenario, perClient: number): Promise<unknown> {
  const left = new Map(CLIENTS.map((c) => [c, perClient]));
  return t.drive(CLIENTS, (client) => {
    const n = left.get(client)!;
    if (n === 0) return undefined;
    left.set(client, n - 1);
    return { op: t.rng.chance(0.55) ? 'lock' : 'unlock', args: [t.rng.pick(['a', 'b', 'c'])] };
  });
}

/** Kills `victim` right after the seed's choice of protocol step (a delivery to or from a server). */
function killAtRandomStep(t: Scenario, victim: string): void {
  const step = t.rng.int(1, 120);
  let seen = 0;
  t.killWhen(victim, `protocol step ${step}: kill the ${victim}`, (e) => e.kind === 'deliver' && (SERVERS.has(e.to) || SERVERS.has(e.from)) && ++seen === step);
}

export const lossyNoFailure = defineTest({
  name: 'LossyNetwork',
  part: 'C',
  points: 10,
  description: 'flaky links (15% loss, 10% duplicates, 1-40 ms delays), no server fails: four clients on shared locks',
  clients: 4,
  faults: 'flaky',
  async run(t) {
    await randomWorkload(t, 10);
  },
});

export const lossyPrimaryFail = defineTest({
  name: 'LossyPrimaryFail',
  part: 'C',
  points: 10,
  description: 'flaky links, and the primary dies at a protocol step the seed picks',
  clients: 4,
  faults: 'flaky',
  async run(t) {
    killAtRandomStep(t, PRIMARY);
    await randomWorkload(t, 10);
  },
});

export const lossyBackupFail = defineTest({
  name: 'LossyBackupFail',
  part: 'C',
  points: 10,
  description: 'flaky links, and the backup dies at a protocol step the seed picks',
  clients: 4,
  faults: 'flaky',
  async run(t) {
    killAtRandomStep(t, BACKUP);
    await randomWorkload(t, 10);
  },
});
