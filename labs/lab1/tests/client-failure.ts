/**
 * Client failure: a client host halts (SIGKILL) between operations or in the middle of one.
 * The service's state lives in its servers, so nothing a dead client held is lost: its locks
 * stay held (until some client unlocks them), and the other clients carry on with correct,
 * linearizable answers. An operation whose client died has no answer; it may or may not have
 * taken effect, and the history checks treat it so (indeterminate). Verdicts never depend on
 * which: where a result depends on it, the test states nothing and the history checks judge.
 */
import { defineTest } from '../../../grader/src/lab/manifest.ts';
import type { Scenario } from '../../../grader/src/lab/scenario.ts';
import type { TraceEvent } from '../../../grader/src/net/trace.ts';
import { BACKUP, PRIMARY, lock, unlock, type LockOp } from './lock-steps.ts';

const OUTLIVES =
  'a lock outlives the client host that took it: it stays held until some client unlocks it. ' +
  'The servers keep the locks; a client host may die at any time, and everything it knew dies with it';

/** Moments of a client's operation that every design has: its request leaves, arrives, and an answer leaves a server. */
const MOMENTS = [
  { what: 'sent its request', matches: (victim: string) => (e: TraceEvent) => e.kind === 'send' && e.from === victim },
  { what: 'had its request delivered', matches: (victim: string) => (e: TraceEvent) => e.kind === 'deliver' && e.from === victim },
  { what: 'was sent an answer', matches: (victim: string) => (e: TraceEvent) => e.kind === 'send' && e.to === victim },
];

/**
 * Starts `op(name)` on `victim` and kills the victim at a moment of that operation the seed
 * picks, before any answer reaches it. The operation stays without an answer: indeterminate.
 */
async function dieMidOp(t: Scenario, victim: string, op: LockOp, name: string): Promise<void> {
  const moment = t.rng.pick(MOMENTS);
  const record = t.start(victim, op, name);
  let running = false;
  const matches = moment.matches(victim);
  const trigger = t.killWhen(victim, `${victim}'s ${op}("${name}") ${moment.what}: kill ${victim}`, (e) => {
    if (e.kind === 'invoke' && e.op === record.id) running = true;
    return running && matches(e);
  });
  await t.waitUntil(
    () => trigger.firedAt !== undefined || record.complete !== undefined,
    10_000,
    `${victim}'s ${op}("${name}") neither returned nor ${moment.what} within 10 s`,
    'the Clerk sends each operation to a server',
  );
  t.expect(trigger.firedAt !== undefined, `${victim}'s ${op}("${name}") returned before it ${moment.what}`, 'the Clerk must ask the servers: only they know the locks');
}

export const clientFail = defineTest({
  name: 'ClientFail',
  part: 'A',
  points: 6,
  description: 'client hosts die between operations: the locks they took stay held, any client may unlock them, the others carry on',
  clients: 3,
  async run(t) {
    await lock(t, 'c1', 'a', true);
    await lock(t, 'c2', 'b', true);
    await lock(t, 'c3', 'c', true);
    await t.kill('c1', 'fail-stop of a client host between operations');
    await lock(t, 'c2', 'a', false, `c1 took "a" before it died. ${OUTLIVES}`);
    await unlock(t, 'c3', 'a', true, `"a" was held (by c1, now dead): any client may unlock it. ${OUTLIVES}`);
    await lock(t, 'c2', 'a', true, 'c3 freed "a"');
    await t.kill('c2', 'fail-stop of a client host between operations');
    await lock(t, 'c3', 'a', false, `c2 took "a" before it died. ${OUTLIVES}`);
    await lock(t, 'c3', 'b', false, `c2 took "b" before it died. ${OUTLIVES}`);
    await unlock(t, 'c3', 'b', true, `"b" was held by c2, now dead. ${OUTLIVES}`);
    await lock(t, 'c3', 'c', false, 'c3 holds "c"');
    await unlock(t, 'c3', 'a', true, `"a" was held by c2, now dead. ${OUTLIVES}`);
    await lock(t, 'c3', 'b', true, 'c3 freed "b"');
  },
});

export const clientFailMidOp = defineTest({
  name: 'ClientFailMidOp',
  part: 'B',
  points: 6,
  description:
    'client hosts die in the middle of an operation, at a moment the seed picks: that operation may or may not take effect; ' +
    'the locks they held stay held, and the others get linearizable answers',
  clients: 3,
  async run(t) {
    await lock(t, 'c1', 'a', true);
    await lock(t, 'c1', 'e', true);
    await lock(t, 'c2', 'b', true);
    await lock(t, 'c3', 'c', true);
    // c3 dies while it unlocks "a" (held by c1): "a" may or may not be freed.
    await dieMidOp(t, 'c3', 'unlock', 'a');
    await lock(t, 'c1', 'c', false, `c3 took "c" before it died. ${OUTLIVES}`);
    await unlock(t, 'c2', 'c', true, `"c" was held by c3, now dead. ${OUTLIVES}`);
    // Results that depend on c3's last Unlock: the history checks judge them.
    await t.run('c2', 'lock', 'a');
    await t.run('c1', 'unlock', 'a');
    // c1 dies while it locks "d": "d" may or may not be held.
    await dieMidOp(t, 'c1', 'lock', 'd');
    await lock(t, 'c2', 'e', false, `c1 took "e" before it died. ${OUTLIVES}`);
    await unlock(t, 'c2', 'e', true, `"e" was held by c1, now dead. ${OUTLIVES}`);
    await lock(t, 'c2', 'c', true, 'c2 freed "c"');
    await lock(t, 'c2', 'b', false, 'c2 holds "b"');
    await t.run('c2', 'lock', 'd');
    await t.run('c2', 'unlock', 'd');
    await t.run('c2', 'lock', 'a');
    await t.run('c2', 'unlock', 'a');
  },
});

const WORKERS = ['c1', 'c2', 'c3', 'c4'];
const LOCKS = ['a', 'b', 'c'];

export const randomClientFail = defineTest({
  name: 'RandomClientFail',
  part: 'B',
  points: 8,
  description:
    'four clients on three shared locks; client hosts die at random moments (never the last one), ' +
    'and the seed kills the primary or the backup at a random protocol step; then every lock is probed',
  clients: 4,
  faults: {
    name: 'client-crashes',
    description: 'client hosts halt for good at random moments during the workload',
    nemesis: { faults: ['crash'], targets: 'clients', toMs: 500, everyMs: { min: 60, max: 300 }, lastingMs: { min: 0, max: 0 } },
  },
  async run(t) {
    const servers = new Set([PRIMARY, BACKUP]);
    const victim = t.rng.pick([PRIMARY, PRIMARY, BACKUP]);
    const killAtStep = t.rng.int(1, 80);
    let steps = 0;
    t.killWhen(victim, `protocol step ${killAtStep}: kill the ${victim}`, (e) => e.kind === 'deliver' && (servers.has(e.to) || servers.has(e.from)) && ++steps === killAtStep);
    const left = new Map(WORKERS.map((c) => [c, 8]));
    // No expectation per operation: the lab's history checks judge the run, the dead clients'
    // last operations as indeterminate, and the probes below with the rest.
    await t.drive(WORKERS, (client) => {
      const n = left.get(client)!;
      if (n === 0) return undefined;
      left.set(client, n - 1);
      return { op: t.rng.chance(0.55) ? 'lock' : 'unlock', args: [t.rng.pick(LOCKS)] };
    });
    await t.runFor(Math.max(0, t.healedAt - t.now));
    const survivor = WORKERS.find((c) => t.sim.isAlive(c));
    t.expect(survivor !== undefined, 'every client host died (the test is broken: the nemesis leaves one)');
    for (const name of LOCKS) await t.run(survivor!, 'lock', name);
  },
});
