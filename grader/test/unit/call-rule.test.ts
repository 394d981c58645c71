/**
 * The lab's rule on who may call whom, enforced by the scheduler on every message, with memory
 * nodes (no processes). Nodes here write raw envelopes, as a hostile node can on fd 3: requests,
 * one-way messages, forged, early and repeated answers, error bodies, and control messages.
 */
import test from 'ava';
import type { TraceEvent } from '../../src/net/trace.ts';
import type { NodeRuntime } from '../../src/runtime/node.ts';
import type { Body, NodeId } from '../../src/runtime/protocol.ts';
import type { CallRule } from '../../src/sim/call-rule.ts';
import type { Simulation } from '../../src/sim/simulation.ts';
import type { Behaviour } from '../support/memory-node.ts';
import { never, outline, startedSimulation } from '../support/sim-helpers.ts';

const RULE: CallRule = { client: ['server'], server: ['server'] };
const RULE_TEXT = 'who may call whom: client -> server; server -> server';

/** Writes an envelope past the runtime's call(), as a node writing raw lines on its channel does. */
const raw = (rt: NodeRuntime, dest: NodeId, body: Body) => (rt as unknown as { emit(dest: NodeId, body: Body): void }).emit(dest, body);

const behaviours: Record<string, Behaviour> = {
  client: (rt) => {
    rt.handle('peek', () => 'the table');
    rt.serveClientApi({
      call: async (dest: string, method: string, args: unknown) => rt.call(dest, method, args, 200),
      raw: async (dest: string, body: Body) => {
        raw(rt, dest, body);
        return 'sent';
      },
      /** Completes operation `op` as if it were this host's (a control message to the grader). */
      complete: async (op: number) => {
        raw(rt, 'grader', { type: 'client_op_ok', in_reply_to: op, result: 'forged' });
        return 'sent';
      },
      hang: () => never(),
    });
  },
  server: (rt) => {
    rt.handle('ping', () => 'pong');
    rt.handle('hang', () => never());
    rt.handle('callBack', (args: { dest: string; method: string }) => rt.call(args.dest, args.method, {}, 200));
    rt.handle('rawTo', (args: { dest: string; body: Body }) => {
      raw(rt, args.dest, args.body);
      return 'sent';
    });
    /** Answers a request (msg_id in args.id) twice: the runtime's reply, and one more. */
    rt.handle('twice', (args: { id: number }, from: NodeId) => {
      raw(rt, from, { type: 'twice_ok', in_reply_to: args.id, reply: 'again' });
      return 'once';
    });
  },
};

const NODES = [['c1', 'client'], ['c2', 'client'], ['s1', 'server'], ['s2', 'server']] as const;

/** The four nodes, started, under `calls` ('none': no rule at all). */
async function cluster(calls: CallRule | 'none' = RULE, seed = 1) {
  return startedSimulation({ seed, nodes: [...NODES], behaviours, ...(calls === 'none' ? {} : { calls }) });
}

async function run(sim: Simulation, client: string, op: string, ...args: unknown[]): Promise<unknown> {
  const record = sim.invoke(client, op, args);
  await sim.runUntil(() => record.complete !== undefined, sim.now + 5000);
  return record.result;
}

type Refusal = Extract<TraceEvent, { kind: 'refuse' }>;
const refusals = (sim: Simulation) => sim.trace.events.filter((e): e is Refusal => e.kind === 'refuse');
const sends = (sim: Simulation, from: string, to: string) => sim.trace.events.filter((e) => e.kind === 'send' && e.from === from && e.to === to);
const deliveries = (sim: Simulation, from: string, to: string) => sim.trace.events.filter((e) => e.kind === 'deliver' && e.from === from && e.to === to);

test('requests along the rule pass, and so do their answers', async (t) => {
  const { sim } = await cluster();
  t.deepEqual(await run(sim, 'c1', 'call', 's1', 'ping', {}), { ok: true, reply: 'pong' });
  t.deepEqual(await run(sim, 'c1', 'call', 's1', 'callBack', { dest: 's2', method: 'ping' }), { ok: true, reply: { ok: true, reply: 'pong' } });
  t.deepEqual(refusals(sim), []);
});

test('a server that calls a client host is refused at once, as unreachable; the trace and its log say why', async (t) => {
  const { sim, cluster: nodes } = await cluster();
  const result = await run(sim, 'c1', 'call', 's1', 'callBack', { dest: 'c2', method: 'peek' });
  t.deepEqual(result, { ok: true, reply: { ok: false, error: 'unreachable' } });
  const [refused] = refusals(sim);
  const [sent] = sends(sim, 's1', 'c2');
  t.like(refused, { from: 's1', to: 'c2', byRule: true, t: sent!.t });
  t.is(refused!.reason, `server may not send requests to client (${RULE_TEXT})`);
  t.false(nodes.nodes.get('c2')!.received.some((e) => e.src === 's1'), 'c2 never saw it');
  // The sender's log says it once per link, however often it tries.
  await run(sim, 'c1', 'call', 's1', 'callBack', { dest: 'c2', method: 'peek' });
  const logs = sim.trace.events.filter((e) => e.kind === 'log' && e.node === 's1');
  t.deepEqual(logs.map((e) => (e.kind === 'log' ? e.text : '')), [`locklab: refused "peek" to c2: server may not send requests to client (${RULE_TEXT})`]);
  t.is(refusals(sim).length, 2);
});

test('a client host that calls another client host is refused; so is a call to a dead client host, by the rule', async (t) => {
  const { sim } = await cluster();
  t.deepEqual(await run(sim, 'c1', 'call', 'c2', 'peek', {}), { ok: false, error: 'unreachable' });
  t.like(refusals(sim)[0], { from: 'c1', to: 'c2', byRule: true, reason: `client may not send requests to client (${RULE_TEXT})` });
  await sim.kill('c2', 'test');
  await run(sim, 'c1', 'call', 's1', 'callBack', { dest: 'c2', method: 'peek' });
  t.like(refusals(sim).at(-1), { from: 's1', to: 'c2', byRule: true });
  // A node the rule allows is refused only when it is down, as before.
  await sim.kill('s2', 'test');
  await run(sim, 'c1', 'call', 's2', 'ping', {});
  const down = refusals(sim).at(-1)!;
  t.like(down, { from: 'c1', to: 's2', reason: 's2 is down' });
  t.is(down.byRule, undefined);
});

test('a one-way message (no msg_id) to a client host is refused, and no error comes back', async (t) => {
  const { sim, cluster: nodes } = await cluster();
  await run(sim, 'c1', 'call', 's1', 'rawTo', { dest: 'c2', body: { type: 'table', rows: ['a'] } });
  await sim.runFor(100);
  t.like(refusals(sim)[0], { from: 's1', to: 'c2', byRule: true });
  t.deepEqual(deliveries(sim, 's1', 'c2'), []);
  t.false(nodes.nodes.get('s1')!.received.some((e) => e.body.type === 'error'), 'nothing to answer: no error back');
});

test('forged answers are refused: to a request never sent, not yet delivered, or already answered; error bodies alike', async (t) => {
  const { sim } = await cluster();
  const forge = (body: Body) => run(sim, 'c1', 'call', 's1', 'rawTo', { dest: 'c2', body });
  await forge({ type: 'peek_ok', in_reply_to: 5, reply: 'the table' });
  t.is(refusals(sim).at(-1)!.reason, `an answer to no pending request (c2 sent s1 no request #5), and server may not send requests to client (${RULE_TEXT})`);
  await forge({ type: 'error', in_reply_to: 6, code: 'unreachable', text: 'the table' });
  t.regex(refusals(sim).at(-1)!.reason!, /^an answer to no pending request \(c2 sent s1 no request #6\)/);

  // c2's request #40 waits on a held link: an "answer" before it arrives is refused.
  sim.hold('c2', 's1');
  await run(sim, 'c2', 'raw', 's1', { type: 'ping', msg_id: 40 });
  await forge({ type: 'ping_ok', in_reply_to: 40, reply: 'early' });
  t.regex(refusals(sim).at(-1)!.reason!, /^an answer to no pending request \(c2's request #40 has not reached s1\)/);
  // Delivered: s1's one answer passes; a second one is refused.
  sim.release('c2', 's1');
  await sim.runFor(50);
  t.is(deliveries(sim, 's1', 'c2').length, 1, "s1's answer to #40 arrived");
  await forge({ type: 'ping_ok', in_reply_to: 40, reply: 'again' });
  t.regex(refusals(sim).at(-1)!.reason!, /^an answer to no pending request \(c2's request #40 was already answered\)/);
  t.is(deliveries(sim, 's1', 'c2').length, 1);
  t.is(refusals(sim).length, 4);
});

test('an answer sent twice: the first passes, the second is refused', async (t) => {
  const { sim } = await cluster();
  await run(sim, 'c2', 'raw', 's1', { type: 'twice', msg_id: 9, args: { id: 9 } });
  await sim.runFor(50);
  const answers = sends(sim, 's1', 'c2');
  t.is(answers.length, 2);
  t.is(deliveries(sim, 's1', 'c2').length, 1);
  t.like(refusals(sim), [{ from: 's1', to: 'c2', byRule: true }]);
});

test('a request the network delivered twice may be answered twice', async (t) => {
  const { sim } = await cluster();
  sim.addLinkRule({ from: 'c1', to: 's1', faults: { duplicate: 1 } });
  t.deepEqual(await run(sim, 'c1', 'call', 's1', 'ping', {}), { ok: true, reply: 'pong' });
  await sim.runFor(50);
  t.is(deliveries(sim, 'c1', 's1').length, 2);
  t.is(deliveries(sim, 's1', 'c1').length, 2);
  t.deepEqual(refusals(sim), []);
});

test('after a restart, a node answers nothing it was asked before', async (t) => {
  const { sim } = await cluster();
  await run(sim, 'c1', 'raw', 's1', { type: 'hang', msg_id: 50 });
  await run(sim, 'c1', 'raw', 's1', { type: 'hang', msg_id: 51 });
  await sim.runFor(20);
  const answer = (id: number) => run(sim, 'c2', 'call', 's1', 'rawTo', { dest: 'c1', body: { type: 'hang_ok', in_reply_to: id } });
  await answer(50);
  t.deepEqual(refusals(sim), [], 'the incarnation that was asked may answer');
  await sim.restart('s1');
  await answer(51);
  t.like(refusals(sim), [{ from: 's1', to: 'c1', byRule: true }]);
  t.regex(refusals(sim)[0]!.reason!, /c1 sent s1 no request #51/);
});

test('an answer to a dead node is refused as down; after its restart, it passes for none of its new requests', async (t) => {
  const { sim } = await cluster();
  await run(sim, 'c1', 'raw', 's1', { type: 'hang', msg_id: 61 });
  await sim.runFor(20);
  await sim.kill('c1', 'client failure');
  const answer = () => run(sim, 'c2', 'call', 's1', 'rawTo', { dest: 'c1', body: { type: 'hang_ok', in_reply_to: 61 } });
  await answer();
  t.like(refusals(sim).at(-1), { from: 's1', to: 'c1', reason: 'c1 is down' });
  t.is(refusals(sim).at(-1)!.byRule, undefined);
  await sim.restart('c1');
  await answer();
  t.like(refusals(sim).at(-1), { from: 's1', to: 'c1', byRule: true });
  t.regex(refusals(sim).at(-1)!.reason!, /c1 sent s1 no request #61/);
});

test('without a rule (the grader\'s own unit tests), any node may call any node', async (t) => {
  const { sim } = await cluster('none');
  t.deepEqual(await run(sim, 'c1', 'call', 's1', 'callBack', { dest: 'c2', method: 'peek' }), { ok: true, reply: { ok: true, reply: 'the table' } });
  t.deepEqual(refusals(sim), []);
});

test('the same seed gives the same trace, refusals included', async (t) => {
  const traceOf = async () => {
    const { sim } = await cluster(RULE, 3);
    for (let i = 0; i < 3; i++) await run(sim, 'c1', 'call', 's1', 'callBack', { dest: i % 2 ? 'c2' : 's2', method: 'peek' });
    return JSON.stringify(sim.trace.events);
  };
  t.is(await traceOf(), await traceOf());
});

// ---- control messages to the grader ----

test('only the host an operation was handed to completes it, once, and not after it died', async (t) => {
  const { sim } = await cluster();
  const hung = sim.invoke('c1', 'hang', []);
  await sim.runFor(10);
  // Another host, or a server, cannot complete c1's operation.
  await run(sim, 'c2', 'complete', hung.id);
  t.is(hung.complete, undefined);
  // c1 dies: its operation is indeterminate, and its next incarnation cannot complete it.
  await sim.kill('c1', 'client failure');
  t.is(hung.clientDiedAt, 10);
  await sim.restart('c1');
  await run(sim, 'c1', 'complete', hung.id);
  t.is(hung.complete, undefined);
  t.false(sim.trace.events.some((e) => e.kind === 'complete' && e.op === hung.id));
  // An operation invoked on a dead host never runs: indeterminate from its start.
  await sim.kill('c2', 'client failure');
  const late = sim.invoke('c2', 'hang', []);
  await sim.runFor(10);
  t.is(late.clientDiedAt, late.invoke);
});

test('a host cannot complete an operation before it was handed the operation', async (t) => {
  // Two operations of c1 start at the same virtual time; the seed orders them. Where `complete`
  // runs first, it tries to complete the other one, which c1 has not been given yet.
  let checked = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const { sim } = await cluster(RULE, seed);
    const forger = sim.invoke('c1', 'complete', [2]);
    const victim = sim.invoke('c1', 'hang', []);
    await sim.runFor(10);
    const order = outline(sim.trace.events).filter((l) => / invoke /.test(l));
    t.is(forger.result, 'sent');
    if (order[0]!.includes('op1')) {
      checked++;
      t.is(victim.complete, undefined, `seed ${seed}: ${order.join(', ')}`);
    }
  }
  t.true(checked > 0, 'some seed runs the forger first');
});
