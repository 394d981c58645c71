/**
 * Client hosts that fail, with memory nodes: the operation a dead client was running is
 * indeterminate (in the history, for the checks, for t.drive and t.finish), and the nemesis
 * can aim at client hosts: crash for good (never the last one), pause, isolate, deterministically.
 */
import test from 'ava';
import { historyFromOps } from '../../src/check/from-run.ts';
import { checkRun } from '../../src/check/run-checks.ts';
import { applyFailureModel, nemesisTargets } from '../../src/faults/apply.ts';
import { FailureModelSchema, NAMED_MODELS, parseFaultsSpec, resolveFailureModel } from '../../src/faults/failure-model.ts';
import { planNemesis } from '../../src/faults/nemesis.ts';
import { Scenario, TestFailure } from '../../src/lab/scenario.ts';
import type { NodeRuntime } from '../../src/runtime/node.ts';
import { createRng } from '../../src/sim/prng.ts';
import type { Behaviour } from '../support/memory-node.ts';
import { sleep, startedSimulation } from '../support/sim-helpers.ts';

const lockServer: Behaviour = (rt) => {
  const held = new Set<string>();
  rt.handle('lock', async ({ name }: { name: string }) => {
    await sleep(rt, 5);
    if (held.has(name)) return false;
    held.add(name);
    return true;
  });
  rt.handle('unlock', ({ name }: { name: string }) => held.delete(name));
};

const request = async (rt: NodeRuntime, method: string, name: string): Promise<boolean> => {
  for (;;) {
    const result = await rt.call<boolean>('server', method, { name }, 100);
    if (result.ok) return result.reply;
  }
};

const clientHost: Behaviour = (rt) =>
  rt.serveClientApi({
    lock: (name: string) => request(rt, 'lock', name),
    unlock: (name: string) => request(rt, 'unlock', name),
  });

const CLIENTS = ['c1', 'c2', 'c3'];

async function scenario(seed = 1) {
  const { sim } = await startedSimulation({
    seed,
    nodes: [['server', 'server'], ...CLIENTS.map((c) => [c, 'client'] as const)],
    behaviours: { server: lockServer, client: clientHost },
    calls: { client: ['server'], server: [] },
  });
  return new Scenario(sim, seed, CLIENTS, 10_000);
}

test('a client host killed mid-operation: the operation is indeterminate, in the history and for the checks', async (t) => {
  const s = await scenario();
  const op = s.start('c1', 'lock', 'a');
  s.killWhen('c1', 'the server got c1\'s request', (e) => e.kind === 'deliver' && e.from === 'c1');
  await s.runFor(100);
  t.is(op.complete, undefined);
  t.is(typeof op.clientDiedAt, 'number');
  t.deepEqual(historyFromOps([op]).operations, [{ client: 'c1', op: 'lock', lock: 'a', invoke: 0, complete: null, result: null }]);
  // The lock was taken (the request arrived): the others see it, and that is linearizable.
  t.is(await s.run('c2', 'lock', 'a'), false);
  await s.runFor(20_000);
  const checks = { checker: 'lock-linearizability' as const, invariants: ['never-two-holders' as const], livenessMs: 10_000 };
  t.is(checkRun(checks, { ops: s.sim.ops, faults: [op.clientDiedAt!], end: s.now }), undefined, 'no answer is owed to a dead client');
  // Had the host lived and never answered, liveness would fail it.
  const alive = { ...op, clientDiedAt: undefined };
  t.regex(checkRun(checks, { ops: [alive], faults: [], end: s.now })!.message, /had not returned/);
});

test('finish() on an operation whose client host died fails with what happened', async (t) => {
  const s = await scenario();
  const op = s.start('c1', 'lock', 'a');
  s.killWhen('c1', 'c1 sent', (e) => e.kind === 'send' && e.from === 'c1');
  const error = await t.throwsAsync(s.finish(op), { instanceOf: TestFailure });
  t.regex(error!.message, /^c1's lock\("a"\) cannot return: c1 died at 0 ms, before it did$/);
});

test('drive(): a client host that dies leaves the workload; its last operation never reaches onDone', async (t) => {
  const s = await scenario(2);
  const left = new Map(CLIENTS.map((c) => [c, 6]));
  const seen: number[] = [];
  s.killWhen('c2', 'c2 sent its third request', (() => {
    let n = 0;
    return (e) => e.kind === 'send' && e.from === 'c2' && ++n === 3;
  })());
  const ops = await s.drive(
    CLIENTS,
    (client) => {
      const n = left.get(client)!;
      if (n === 0) return undefined;
      left.set(client, n - 1);
      return { op: n % 2 ? 'lock' : 'unlock', args: [client] };
    },
    (op) => {
      seen.push(op.id);
    },
  );
  const ofC2 = ops.filter((o) => o.client === 'c2');
  t.is(ofC2.length, 3, 'c2 started three operations, then died');
  t.is(ofC2.filter((o) => o.clientDiedAt !== undefined).length, 1);
  t.false(seen.includes(ofC2[2]!.id));
  t.is(ops.filter((o) => o.client !== 'c2').length, 12, 'the others ran their whole workload');
  t.true(ops.filter((o) => o.client !== 'c2').every((o) => o.complete !== undefined));
});

// ---- the nemesis aims at client hosts ----

test('nemesis targets: servers (the default), clients, all, or node ids', (t) => {
  const cluster = { nodes: ['primary', 'backup', 'c1', 'c2'], clients: ['c1', 'c2'] };
  const nemesis = (targets?: unknown) => FailureModelSchema.parse({ nemesis: { faults: ['pause'], toMs: 1000, ...(targets ? { targets } : {}) } }).nemesis!;
  t.deepEqual(nemesisTargets(nemesis(), cluster), ['primary', 'backup']);
  t.deepEqual(nemesisTargets(nemesis('clients'), cluster), ['c1', 'c2']);
  t.deepEqual(nemesisTargets(nemesis('all'), cluster), cluster.nodes);
  t.deepEqual(nemesisTargets(nemesis(['c2', 'backup']), cluster), ['c2', 'backup']);
  t.is(parseFaultsSpec('nemesis=crash,targets=clients').nemesis!.targets, 'clients');
  t.deepEqual(parseFaultsSpec('nemesis=crash,targets=c1+c2').nemesis!.targets, ['c1', 'c2']);
  t.is(resolveFailureModel('client-failures').nemesis!.targets, 'clients');
});

test('nemesis crash: for good, never the last target standing, and no later fault picks a crashed node; isolate cuts one node off', (t) => {
  const nodes = ['primary', 'backup', 'c1', 'c2', 'c3'];
  const targets = ['c1', 'c2', 'c3'];
  const model = FailureModelSchema.parse({ nemesis: { faults: ['crash', 'pause', 'isolate'], targets: 'clients', toMs: 20_000, everyMs: { min: 10, max: 50 }, lastingMs: { min: 10, max: 50 } } });
  for (let seed = 1; seed <= 20; seed++) {
    const plan = planNemesis(model.nemesis!, nodes, targets, createRng(seed));
    t.deepEqual(planNemesis(model.nemesis!, nodes, targets, createRng(seed)), plan, 'the same seed, the same plan');
    const crashed = plan.flatMap((p) => (p.action.kind === 'crash' ? [p.action.node] : []));
    t.is(crashed.length, 2, `seed ${seed}: all but one target crash in a long window`);
    t.is(new Set(crashed).size, crashed.length);
    t.false(plan.some((p) => p.action.kind === 'restart'));
    for (const p of plan) {
      const node = 'node' in p.action ? p.action.node : undefined;
      const crashedBefore = plan.filter((q) => q.at < p.at && q.action.kind === 'crash').map((q) => ('node' in q.action ? q.action.node : ''));
      if (node !== undefined) t.false(crashedBefore.includes(node), `seed ${seed}: ${p.action.kind} of ${node}, crashed before`);
      if (p.action.kind === 'partition') {
        const [alone, rest] = p.action.groups;
        t.is(alone!.length, 1);
        t.true(targets.includes(alone![0]!));
        t.deepEqual([...alone!, ...rest!].sort(), [...nodes].sort());
      }
    }
  }
});

test('under "client-failures" a run replays exactly from its seed, and dead clients\' operations are indeterminate', async (t) => {
  const traceOf = async (seed: number) => {
    const s = await scenario(seed);
    applyFailureModel(s.sim, NAMED_MODELS['client-failures']!, { nodes: ['server', ...CLIENTS], clients: CLIENTS }, seed);
    const left = new Map(CLIENTS.map((c) => [c, 30]));
    const ops = await s.drive(CLIENTS, (client) => {
      const n = left.get(client)!;
      if (n === 0) return undefined;
      left.set(client, n - 1);
      return { op: s.rng.chance(0.5) ? 'lock' : 'unlock', args: [s.rng.pick(['a', 'b'])] };
    });
    await s.runFor(6000);
    t.true(ops.every((o) => (o.complete === undefined) === (o.clientDiedAt !== undefined)), 'an operation ends answered or with its client dead');
    t.true(CLIENTS.some((c) => s.sim.isAlive(c)), 'one client host stands');
    return { trace: JSON.stringify(s.sim.trace.events), kills: s.sim.trace.events.filter((e) => e.kind === 'kill').length };
  };
  const first = await traceOf(4);
  t.is((await traceOf(4)).trace, first.trace);
  t.not((await traceOf(5)).trace, first.trace);
  t.true(first.kills >= 1);
});
