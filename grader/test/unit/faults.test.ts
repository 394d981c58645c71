/**
 * Every fault injector on the scheduler with in-memory nodes (no processes): loss,
 * duplication, delay distributions and reordering, partitions (also one-way), pause and
 * resume, crash and restart, slow nodes, timed actions, the nemesis, failure-model specs,
 * and determinism under every named model.
 */
import test from 'ava';
import type { TraceEvent } from '../../src/net/trace.ts';
import { applyFailureModel } from '../../src/faults/apply.ts';
import { FaultSpecError, NAMED_MODELS, parseFaultsSpec, resolveFailureModel } from '../../src/faults/failure-model.ts';
import { planNemesis } from '../../src/faults/nemesis.ts';
import { createRng } from '../../src/sim/prng.ts';
import type { Simulation } from '../../src/sim/simulation.ts';
import type { Behaviour } from '../support/memory-node.ts';
import { outline, sleep, startedSimulation } from '../support/sim-helpers.ts';

let pings = 0;
/** `a` calls `b` on request; `b` counts and answers pings; `t` sets a timer on request. */
const behaviours: Record<string, Behaviour> = {
  caller: (rt) =>
    rt.serveClientApi({
      ping: async (n: number) => rt.call('b', 'ping', { n }, 500),
      burst: async (count: number) => {
        for (let i = 0; i < count; i++) void rt.call('b', 'ping', { n: i }, 500);
        return count;
      },
      wait: async (ms: number) => {
        await sleep(rt, ms);
        return rt.now;
      },
    }),
  server: (rt) => {
    rt.handle('ping', (args: { n: number }) => {
      pings++;
      return { pong: args.n };
    });
  },
};

async function twoNodes(seed = 1): Promise<Simulation> {
  pings = 0;
  const { sim } = await startedSimulation({ seed, nodes: [['a', 'caller'], ['b', 'server']], behaviours });
  return sim;
}

async function run(sim: Simulation, op: string, ...args: unknown[]): Promise<unknown> {
  const record = sim.invoke('a', op, args);
  await sim.runUntil(() => record.complete !== undefined, sim.now + 5000);
  return record.result;
}

const kinds = (sim: Simulation, kind: TraceEvent['kind']) => sim.trace.events.filter((e) => e.kind === kind);

test.serial('loss: a lost request is dropped ("lost") and the call times out', async (t) => {
  const sim = await twoNodes();
  sim.addLinkRule({ from: 'a', to: 'b', faults: { loss: 1 } });
  t.deepEqual(await run(sim, 'ping', 1), { ok: false, error: 'timeout' });
  t.deepEqual(outline(sim.trace.events).slice(-6), ['0 fault links ', '0 invoke op1 a ping', '0 send #1 a->b ping', '0 drop #1 a->b', '500 timer a#1', '500 complete op1 a']);
  t.like(kinds(sim, 'drop')[0], { reason: 'lost' });
  t.is(pings, 0);
});

test.serial('duplication: both copies arrive, the second marked in the trace', async (t) => {
  const sim = await twoNodes();
  sim.addLinkRule({ from: 'a', to: 'b', faults: { duplicate: 1 } });
  t.deepEqual(await run(sim, 'ping', 2), { ok: true, reply: { pong: 2 } });
  await sim.runFor(100);
  t.is(pings, 2, 'the server handled the request twice');
  t.is(kinds(sim, 'duplicate').length, 1);
  t.is(kinds(sim, 'deliver').filter((e) => e.kind === 'deliver' && e.to === 'b').length, 2);
});

test.serial('delay: constant, uniform and exponential distributions', async (t) => {
  const sim = await twoNodes();
  sim.addLinkRule({ from: '*', to: '*', faults: { delay: { kind: 'constant', ms: 25 } } });
  await run(sim, 'ping', 3);
  t.deepEqual(
    sim.trace.events.filter((e) => e.kind === 'deliver').map((e) => e.t),
    [25, 50],
  );
  sim.addLinkRule({ from: '*', to: '*', faults: { delay: { kind: 'exponential', meanMs: 20, maxMs: 60 } } });
  await run(sim, 'burst', 200);
  await sim.runFor(1000);
  const sends = new Map(sim.trace.events.filter((e) => e.kind === 'send').map((e) => [e.id, e.t]));
  const delays = sim.trace.events.filter((e) => e.kind === 'deliver' && e.to === 'b' && e.t > 50).map((e) => e.kind === 'deliver' ? e.t - sends.get(e.id)! : 0);
  t.true(delays.every((d) => d >= 0 && d <= 60));
  t.true(delays.some((d) => d > 40) && delays.some((d) => d < 10), 'an exponential spread');
});

test.serial('delays reorder messages on one link', async (t) => {
  const sim = await twoNodes(3);
  sim.addLinkRule({ from: 'a', to: 'b', faults: { delay: { kind: 'uniform', min: 1, max: 40 } } });
  await run(sim, 'burst', 20);
  await sim.runFor(200);
  const arrived = sim.trace.events.filter((e) => e.kind === 'deliver' && e.to === 'b').map((e) => (e.kind === 'deliver' ? e.id : 0));
  t.is(arrived.length, 20);
  t.notDeepEqual(arrived, [...arrived].sort((x, y) => x - y), 'arrival order differs from send order');
});

test.serial('partition: messages across it are dropped ("partitioned") until heal; a one-way cut blocks one direction', async (t) => {
  const sim = await twoNodes();
  sim.partition([['a'], ['b']]);
  t.deepEqual(await run(sim, 'ping', 4), { ok: false, error: 'timeout' });
  t.like(kinds(sim, 'drop').at(-1), { reason: 'partitioned' });
  sim.heal();
  t.deepEqual(await run(sim, 'ping', 5), { ok: true, reply: { pong: 5 } });
  sim.cutLink('b', 'a');
  t.deepEqual(await run(sim, 'ping', 6), { ok: false, error: 'timeout' });
  t.is(pings, 2, 'the request got through; only the reply was cut');
  t.deepEqual(
    kinds(sim, 'fault').map((e) => (e.kind === 'fault' ? e.fault : '')),
    ['partition', 'heal', 'cut'],
  );
});

test.serial('pause: a paused node receives nothing and its timers wait; resume delivers what came meanwhile', async (t) => {
  const sim = await twoNodes();
  sim.pause('b');
  const op = sim.invoke('a', 'ping', [7]);
  await sim.runFor(100);
  t.is(pings, 0, 'nothing delivered while paused');
  sim.resume('b');
  await sim.runUntil(() => op.complete !== undefined, sim.now + 1000);
  t.is(pings, 1);
  t.deepEqual(op.result, { ok: true, reply: { pong: 7 } });
  sim.pause('a');
  const waiting = sim.invoke('a', 'wait', [10]);
  await sim.runFor(50);
  t.is(waiting.complete, undefined, "a paused node's operation does not even start");
  sim.resume('a');
  await sim.runUntil(() => waiting.complete !== undefined, sim.now + 1000);
  t.is(waiting.result, sim.now);
});

test.serial('crash and restart: a fresh node gets init again, with a new incarnation and seed', async (t) => {
  const sim = await twoNodes();
  await sim.kill('b', 'crash');
  t.deepEqual(await run(sim, 'ping', 8), { ok: false, error: 'unreachable' });
  await sim.restart('b');
  t.true(sim.isAlive('b'));
  t.deepEqual(await run(sim, 'ping', 9), { ok: true, reply: { pong: 9 } });
  const starts = sim.trace.events.filter((e) => e.kind === 'start' && e.node === 'b');
  t.deepEqual(starts.map((e) => (e.kind === 'start' ? (e.incarnation ?? 0) : -1)), [0, 1]);
  t.true(kinds(sim, 'fault').some((e) => e.kind === 'fault' && e.fault === 'restart'));
});

test.serial('slow node: every message to or from it takes longer', async (t) => {
  const sim = await twoNodes();
  sim.addLinkRule({ from: '*', to: '*', faults: { delay: { kind: 'constant', ms: 5 } } });
  sim.setSlow('b', 100);
  await run(sim, 'ping', 10);
  t.deepEqual(sim.trace.events.filter((e) => e.kind === 'deliver').map((e) => e.t), [105, 210]);
});

test.serial('at(): an action runs at its virtual time, between other events', async (t) => {
  const sim = await twoNodes();
  let ranAt = -1;
  sim.at(120, 'mark', () => {
    ranAt = sim.now;
  });
  t.is(await run(sim, 'wait', 300), 300);
  t.is(ranAt, 120);
});

test.serial('nemesis: one fault at a time, each undone, everything healed by the end of the window; same seed, same plan', (t) => {
  const nemesis = resolveFailureModel('chaos').nemesis!;
  const nodes = ['primary', 'backup', 'c1', 'c2'];
  const plan = planNemesis(nemesis, nodes, ['primary', 'backup'], createRng(9));
  t.deepEqual(planNemesis(nemesis, nodes, ['primary', 'backup'], createRng(9)), plan);
  t.notDeepEqual(planNemesis(nemesis, nodes, ['primary', 'backup'], createRng(10)), plan);
  t.true(plan.length >= 4 && plan.length % 2 === 0);
  for (let i = 0; i < plan.length; i += 2) {
    const [start, end] = [plan[i]!, plan[i + 1]!];
    t.true(start.at < end.at && end.at <= nemesis.toMs);
    if (i + 2 < plan.length) t.true(end.at < plan[i + 2]!.at, 'the next fault starts after this one ended');
    const undo: Record<string, string> = { partition: 'heal', crash: 'restart', pause: 'resume', slow: 'slow' };
    t.is(end.action.kind as string, undo[start.action.kind]);
  }
});

test.serial('failure-model specs: names, settings, and one-line errors that show the grammar', (t) => {
  t.is(parseFaultsSpec('flaky'), NAMED_MODELS['flaky']);
  const model = parseFaultsSpec('loss=0.2,dup=0.05,delay=uniform:5-50,nemesis=partition+pause,window=100-3000,every=50-100,lasting=10-20,targets=primary');
  t.deepEqual(model.links, [{ from: '*', to: '*', faults: { loss: 0.2, duplicate: 0.05, delay: { kind: 'uniform', min: 5, max: 50 } } }]);
  t.like(model.nemesis, { faults: ['partition', 'pause'], fromMs: 100, toMs: 3000, everyMs: { min: 50, max: 100 }, lastingMs: { min: 10, max: 20 }, targets: ['primary'] });
  for (const [spec, problem] of [
    ['wobbly', /unknown failure model "wobbly"/],
    ['loss=2', /loss: .*1/],
    ['delay=gauss:3', /delay is const:MS, uniform:MIN-MAX or exp:MEAN-MAX/],
    ['window=0-100', /need nemesis=/],
    ['nemesis=flood', /nemesis\.faults/],
  ] as const) {
    const error = t.throws(() => parseFaultsSpec(spec), { instanceOf: FaultSpecError });
    t.regex(error!.message, problem);
    t.regex(error!.message, /Grammar: NAME \(fail-stop, lossy, flaky/);
    t.false(error!.message.includes('\n'));
  }
});

for (const name of Object.keys(NAMED_MODELS)) {
  test.serial(`determinism under "${name}": the same seed gives the same trace`, async (t) => {
    const traceOf = async (seed: number) => {
      const sim = await twoNodes(seed);
      applyFailureModel(sim, NAMED_MODELS[name]!, { nodes: ['a', 'b'], clients: ['a'] }, seed);
      for (let i = 0; i < 30; i++) await run(sim, 'ping', i);
      await sim.runFor(6000);
      return JSON.stringify(sim.trace.events);
    };
    const first = await traceOf(4);
    t.is(await traceOf(4), first);
    if (name !== 'fail-stop') t.not(await traceOf(5), first);
  });
}

test.serial('client failure: a client host killed midway leaves its operation indeterminate', async (t) => {
  const sim = await twoNodes();
  sim.partition([['a'], ['b']]);
  const op = sim.invoke('a', 'ping', [11]);
  await sim.runFor(100);
  await sim.kill('a', 'client failure');
  sim.heal();
  await sim.runFor(1000);
  t.is(op.complete, undefined);
  const { historyFromOps } = await import('../../src/check/from-run.ts');
  t.deepEqual(historyFromOps([{ ...op, name: 'lock', args: ['x'] }]).operations, [{ client: 'a', op: 'lock', lock: 'x', invoke: 0, complete: null, result: null }]);
});
