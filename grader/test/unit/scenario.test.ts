/**
 * The test-writing API (Scenario) over memory nodes: a toy lock server and Clerk-like
 * client hosts with `lock` / `unlock`.
 */
import test from 'ava';
import type { NodeRuntime } from '../../src/runtime/node.ts';
import type { NodeId } from '../../src/runtime/protocol.ts';
import type { TraceEvent } from '../../src/net/trace.ts';
import { Scenario, TestFailure, describeOp } from '../../src/lab/scenario.ts';
import { createRng, deriveSeed } from '../../src/sim/prng.ts';
import type { OpRecord } from '../../src/sim/simulation.ts';
import type { Behaviour } from '../support/memory-node.ts';
import { never, outline, sleep, startedSimulation } from '../support/sim-helpers.ts';

const lockServer: Behaviour = (rt) => {
  const held = new Set<string>();
  rt.handle('lock', ({ name }: { name: string }) => {
    if (held.has(name)) return false;
    held.add(name);
    return true;
  });
  rt.handle('unlock', ({ name }: { name: string }) => held.delete(name));
};

const request = async (rt: NodeRuntime, method: string, name: string): Promise<boolean> => {
  const result = await rt.call<boolean>('server', method, { name }, 100);
  return result.ok ? result.reply : false;
};

const clientHost: Behaviour = (rt) =>
  rt.serveClientApi({
    lock: (name: string) => request(rt, 'lock', name),
    unlock: (name: string) => request(rt, 'unlock', name),
    /** Waits for something that never comes: nothing more can happen. */
    hang: () => never(),
    /** Keeps waking up and never returns: time goes on. */
    spin: async () => {
      for (;;) await sleep(rt, 1000);
    },
  });

const OP_TIMEOUT_MS = 10_000;

async function scenario(seed = 1, clients: NodeId[] = ['c1', 'c2']): Promise<Scenario> {
  const { sim } = await startedSimulation({
    seed,
    nodes: [['server', 'server'], ...clients.map((c) => [c, 'client'] as const)],
    behaviours: { server: lockServer, client: clientHost },
  });
  return new Scenario(sim, seed, clients, OP_TIMEOUT_MS);
}

const isTestFailure = { instanceOf: TestFailure };

// ---- finish / run / all ----

test('finish() runs until the operation returns and gives its result', async (t) => {
  const s = await scenario();
  const op = s.start('c1', 'lock', 'a');
  t.is(op.complete, undefined);
  t.is(await s.finish(op), true);
  t.is(typeof op.complete, 'number');
  t.is(s.now, op.complete!);
  t.is(await s.run('c2', 'lock', 'a'), false);
  t.is(await s.run('c1', 'unlock', 'a'), true);
  t.is(await s.run('c2', 'lock', 'a'), true);
  t.is(await s.run('c2', 'unlock', 'b'), false);
});

test('all() runs concurrent operations and gives their results in order', async (t) => {
  const s = await scenario();
  const ops = [s.start('c1', 'lock', 'x'), s.start('c2', 'lock', 'x')];
  const results = await s.all(ops);
  t.deepEqual([...results].sort(), [false, true]); // exactly one got the lock
  t.deepEqual(results, ops.map((op) => op.result));
  t.is(ops[0]!.invoke, ops[1]!.invoke);
});

test('a client that never answers fails with "never returned" when nothing can happen', async (t) => {
  const s = await scenario();
  const op = s.start('c1', 'hang');
  const error = await t.throwsAsync(s.finish(op), isTestFailure);
  t.is(error?.message, `c1's hang() never returned: no message is in flight and no timer is set, so nothing else can happen`);
  t.regex(error?.hint ?? '', /nothing will ever settle/);
});

test('a client that keeps going without answering fails with "did not return within"', async (t) => {
  const s = await scenario();
  await s.runFor(100);
  const op = s.start('c1', 'spin');
  const error = await t.throwsAsync(s.finish(op), isTestFailure);
  t.is(error?.message, `c1's spin() did not return within 10 s of virtual time`);
  t.true((error?.hint ?? '').length > 0);
  t.is(s.now, 100 + OP_TIMEOUT_MS);
});

test('finish() takes its own time bound', async (t) => {
  const s = await scenario();
  const op = s.start('c1', 'spin');
  const error = await t.throwsAsync(s.finish(op, 2500), isTestFailure);
  t.regex(error?.message ?? '', /did not return within 2.5 s of virtual time$/);
  t.is(s.now, 2500);
});

test('describeOp shows the client, the operation and its JSON args', (t) => {
  t.is(describeOp({ client: 'c2', name: 'lock', args: ['a', 1, { x: null }] }), `c2's lock("a", 1, {"x":null})`);
  t.is(describeOp({ client: 'c1', name: 'hang', args: [] }), `c1's hang()`);
});

// ---- triggers ----

test('killWhen() kills the node right after the matching step, once', async (t) => {
  const s = await scenario();
  const trigger = s.killWhen('server', 'the first lock request reached the server', (e) => e.kind === 'deliver' && e.to === 'server');
  t.is(trigger.firedAt, undefined);
  // The server handled the request and replied in that step: the reply still arrives.
  t.is(await s.run('c1', 'lock', 'a'), true);
  const deliver = s.sim.trace.events.find((e) => e.kind === 'deliver' && e.to === 'server')!;
  t.is(trigger.firedAt, deliver.t);
  t.false(s.sim.isAlive('server'));
  const lines = outline(s.sim.trace.events);
  const at = lines.indexOf(`${deliver.t} deliver #1 c1->server`);
  t.deepEqual(lines.slice(at, at + 4), [
    `${deliver.t} deliver #1 c1->server`,
    `${deliver.t} send #2 server->c1 lock_ok`,
    `${deliver.t} note trigger: the first lock request reached the server`,
    `${deliver.t} kill server`,
  ]);
  t.like(s.sim.trace.events.find((e) => e.kind === 'kill'), { node: 'server', why: 'the first lock request reached the server' });
  // Later: the server is refused at once, and the trigger does not fire again.
  const before = s.now;
  t.is(await s.run('c2', 'lock', 'b'), false);
  t.is(s.now, before);
  t.is(trigger.firedAt, deliver.t);
  t.is(s.sim.trace.events.filter((e) => e.kind === 'kill').length, 1);
});

test('when() fires its action once, at the first match, though later steps match too', async (t) => {
  const s = await scenario();
  let runs = 0;
  const trigger = s.when('the server sent something', (e) => e.kind === 'send' && e.from === 'server', () => {
    runs++;
  });
  await s.run('c1', 'lock', 'a');
  await s.run('c2', 'lock', 'a');
  await s.run('c1', 'unlock', 'a');
  t.is(runs, 1);
  const firstReply = s.sim.trace.events.find((e) => e.kind === 'send' && e.from === 'server')!;
  t.is(trigger.firedAt, firstReply.t);
  t.is(s.sim.trace.events.filter((e) => e.kind === 'note' && e.text === 'trigger: the server sent something').length, 1);
});

test('a trigger that never matches never fires', async (t) => {
  const s = await scenario();
  let runs = 0;
  const trigger = s.when('never', () => false, () => {
    runs++;
  });
  await s.run('c1', 'lock', 'a');
  t.is(runs, 0);
  t.is(trigger.firedAt, undefined);
});

// ---- drive ----

test('drive() runs each client\'s workload sequentially, the clients concurrently', async (t) => {
  const s = await scenario();
  const plans: Record<NodeId, [string, string][]> = {
    c1: [['lock', 'a'], ['unlock', 'a'], ['lock', 'b']],
    c2: [['lock', 'c'], ['unlock', 'c']],
  };
  const seen: OpRecord[] = [];
  const ops = await s.drive(
    ['c1', 'c2'],
    (client) => {
      const planned = plans[client]!.shift();
      return planned && { op: planned[0], args: [planned[1]] };
    },
    (op) => {
      t.not(op.complete, undefined, 'onDone sees completed operations only');
      seen.push(op);
    },
  );
  t.is(ops.length, 5);
  t.true(ops.every((op) => op.result === true));
  t.deepEqual([...seen].sort((a, b) => a.id - b.id), [...ops].sort((a, b) => a.id - b.id));
  for (const client of ['c1', 'c2']) {
    const mine = ops.filter((op) => op.client === client);
    for (let i = 1; i < mine.length; i++) {
      // Each starts right when the one before it returned.
      t.is(mine[i]!.invoke, mine[i - 1]!.complete!);
    }
  }
  t.deepEqual(ops.filter((op) => op.client === 'c1').map((op) => `${op.name}(${op.args[0]})`), ['lock(a)', 'unlock(a)', 'lock(b)']);
  // The two first operations ran at the same time.
  const [c1First, c2First] = [ops.find((op) => op.client === 'c1')!, ops.find((op) => op.client === 'c2')!];
  t.is(c1First.invoke, 0);
  t.is(c2First.invoke, 0);
});

test('drive() workloads contend for the same lock', async (t) => {
  const s = await scenario();
  const left: Record<NodeId, number> = { c1: 1, c2: 1 };
  const ops = await s.drive(['c1', 'c2'], (client) => (left[client]!-- > 0 ? { op: 'lock', args: ['a'] } : undefined));
  t.deepEqual(ops.map((op) => op.result).sort(), [false, true]);
});

test('drive() onDone may act on the run (kill the server)', async (t) => {
  const s = await scenario();
  let left = 3;
  const ops = await s.drive(
    ['c1'],
    () => (left-- > 0 ? { op: 'lock', args: [`l${left}`] } : undefined),
    async (op) => {
      if (op.id === 1) await s.kill('server');
    },
  );
  t.deepEqual(ops.map((op) => op.result), [true, false, false]);
});

test('drive() with nothing to do returns at once', async (t) => {
  const s = await scenario();
  t.deepEqual(await s.drive(['c1', 'c2'], () => undefined), []);
  t.is(s.now, 0);
});

test('drive() fails when an operation never returns', async (t) => {
  const s = await scenario();
  let started = false;
  const error = await t.throwsAsync(
    s.drive(['c1', 'c2'], (client) => {
      if (client === 'c1' && !started) {
        started = true;
        return { op: 'hang', args: [] };
      }
      return undefined;
    }),
    isTestFailure,
  );
  t.regex(error?.message ?? '', /^c1's hang\(\) never returned/);
});

test('drive() fails at the deadline when an operation keeps going', async (t) => {
  const s = await scenario();
  let n = 0;
  const error = await t.throwsAsync(
    s.drive(['c1'], () => (n++ === 0 ? { op: 'spin', args: [] } : undefined)),
    isTestFailure,
  );
  t.regex(error?.message ?? '', /^c1's spin\(\) did not return within 10 s/);
});

// ---- the rest of the API ----

test('expectResult, expect and fail throw TestFailure with the message and hint', async (t) => {
  const s = await scenario();
  const op = s.start('c1', 'lock', 'a');
  t.notThrows(() => s.expectResult(op, true, true));
  t.throws(() => s.expectResult(op, false, true, 'hint!'), {
    instanceOf: TestFailure,
    message: `c1's lock("a") returned false, expected true`,
  });
  t.throws(() => s.expectResult('the thing', 1, 2), { message: 'the thing returned 1, expected 2' });
  t.notThrows(() => s.expect(true, 'fine'));
  const failed = t.throws(() => s.expect(false, 'not fine', 'do better'), isTestFailure);
  t.is(failed?.hint, 'do better');
  t.throws(() => s.fail('stop'), { instanceOf: TestFailure, message: 'stop' });
});

test('waitUntil() succeeds when the condition comes true, and fails otherwise', async (t) => {
  const s = await scenario();
  const op = s.start('c1', 'lock', 'a');
  await s.waitUntil(() => op.complete !== undefined, 1000, 'lock did not return');
  t.is(op.result, true);
  const spin = s.start('c2', 'spin');
  await t.throwsAsync(s.waitUntil(() => spin.complete !== undefined, 3000, 'spin did not return', 'h'), {
    instanceOf: TestFailure,
    message: 'spin did not return',
  });
});

test('hold() and release() through the scenario', async (t) => {
  const s = await scenario();
  s.hold('c1', 'server');
  const op = s.start('c1', 'lock', 'a');
  await s.runFor(50);
  t.is(op.complete, undefined);
  t.is(s.messages('c1', 'server').length, 1);
  t.false(s.sim.trace.events.some((e) => e.kind === 'deliver'));
  s.release('c1', 'server');
  // The call timed out at 100 (the Clerk's timeout) unless it arrives in time; here it is released at 50.
  t.is(await s.finish(op), true);
});

test('setLatency() through the scenario makes a slow link', async (t) => {
  const s = await scenario();
  s.setLatency('c1', 'server', 500);
  // The Clerk waits 100 ms for an answer: too short for this link.
  t.is(await s.run('c1', 'lock', 'a'), false);
  t.is(s.now, 100);
});

test('messages() lists sends on a link, optionally since a time', async (t) => {
  const s = await scenario();
  await s.run('c1', 'lock', 'a');
  const mid = s.now;
  await s.run('c1', 'unlock', 'a');
  const all = s.messages('c1', 'server');
  t.deepEqual(all.map((m) => m.body.type), ['lock', 'unlock']);
  t.deepEqual(s.messages('c1', 'server', mid).map((m) => m.body.type), ['unlock']);
  t.deepEqual(s.messages('server', 'c1').map((m) => m.body.type), ['lock_ok', 'unlock_ok']);
  t.deepEqual(s.messages('c2', 'server'), []);
});

test('the scenario\'s own random choices come from its seed', async (t) => {
  const draw = (s: Scenario) => [s.rng.next(), s.rng.int(1, 100), s.rng.pick(['a', 'b', 'c'])];
  const expected = createRng(deriveSeed(3, 'test'));
  const s3 = await scenario(3);
  t.deepEqual(draw(s3), [expected.next(), expected.int(1, 100), expected.pick(['a', 'b', 'c'])]);
  t.deepEqual(draw(await scenario(3)), draw(await scenario(3)));
  t.deepEqual(s3.clients, ['c1', 'c2']);
  t.is(s3.seed, 3);
});

test('a whole scenario replays exactly from its seed', async (t) => {
  const play = async (seed: number): Promise<TraceEvent[]> => {
    const s = await scenario(seed, ['c1', 'c2', 'c3']);
    s.killWhen('server', 'the server replied twice', (() => {
      let replies = 0;
      return (e: TraceEvent) => e.kind === 'send' && e.from === 'server' && ++replies === 2;
    })());
    let n = 0;
    await s.drive(['c1', 'c2', 'c3'], (client) => (n++ < 9 ? { op: s.rng.pick(['lock', 'unlock']), args: [`${client}-${s.rng.int(1, 2)}`] } : undefined));
    return s.sim.trace.events;
  };
  t.deepEqual(await play(11), await play(11));
  t.notDeepEqual(await play(11), await play(12));
});
