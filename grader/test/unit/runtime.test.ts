/**
 * The runtime's side of the step protocol, with a fake `send`: one event in, the node's
 * envelopes out, then exactly one `idle`.
 */
import test from 'ava';
import { DEFAULT_CALL_TIMEOUT_MS, NodeRuntime, type CallResult } from '../../src/runtime/node.ts';
import { GRADER, type Body, type Envelope, type NodeId } from '../../src/runtime/protocol.ts';
import { createRng } from '../../src/sim/prng.ts';

/** Lets the event loop run a few turns, so that anything late (a second idle) shows up. */
async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface Harness {
  rt: NodeRuntime;
  sent: Envelope[];
  exits: number[];
  /** Delivers one event and resolves with what the node sent until idle (or a crash, or exit), included. */
  deliver(body: Body, opts?: { src?: NodeId; now?: number }): Promise<Envelope[]>;
  /** Delivers init (id n1, peers n1 and n2). */
  init(config?: Record<string, unknown>, seed?: number): Promise<Envelope[]>;
}

function harness(setup: (rt: NodeRuntime) => void = () => undefined): Harness {
  const sent: Envelope[] = [];
  const exits: number[] = [];
  let wake: (() => void) | undefined;
  const rt = new NodeRuntime({
    send: (envelope) => {
      sent.push(structuredClone(envelope));
      if (envelope.body.type === 'idle' || envelope.body.type === 'crash') wake?.();
    },
    exit: (code) => {
      exits.push(code);
      wake?.(); // a real node process ends here: the step is over
    },
  });
  setup(rt);
  const deliver = async (body: Body, opts: { src?: NodeId; now?: number } = {}) => {
    const from = sent.length;
    const done = new Promise<void>((resolve) => (wake = resolve));
    rt.receive({ src: opts.src ?? GRADER, dest: rt.id, now: opts.now ?? 0, body });
    await done;
    wake = undefined;
    await settle();
    return sent.slice(from);
  };
  const init = (config: Record<string, unknown> = {}, seed = 1) =>
    deliver({ type: 'init', msg_id: 1, node_id: 'n1', node_ids: ['n1', 'n2'], config, seed });
  return { rt, sent, exits, deliver, init };
}

const toGrader = (body: Body): Envelope => ({ src: 'n1', dest: GRADER, body });
const IDLE = toGrader({ type: 'idle' });
const types = (envelopes: Envelope[]) => envelopes.map((e) => e.body.type);

/** A client op `ask` that makes one call and returns its CallResult. */
const asker = (timeoutMs = 250) => (rt: NodeRuntime) =>
  rt.serveClientApi({ ask: (method: string, args: unknown) => rt.call('n2', method, args, timeoutMs) });

test('init: init_ok, then idle', async (t) => {
  const configs: unknown[] = [];
  const h = harness((rt) => rt.onInit((config) => void configs.push(config)));
  const out = await h.init({ role: 'primary', backup: 'n2' }, 77);
  t.deepEqual(out, [toGrader({ type: 'init_ok', in_reply_to: 1 }), IDLE]);
  t.deepEqual(configs, [{ role: 'primary', backup: 'n2' }]);
  t.is(h.rt.id, 'n1');
  t.deepEqual(h.rt.nodeIds, ['n1', 'n2']);
  t.deepEqual(h.rt.config, { role: 'primary', backup: 'n2' });
});

test('init seeds random() with the given seed', async (t) => {
  const h = harness();
  await h.init({}, 1234);
  const expected = createRng(1234);
  for (let i = 0; i < 5; i++) t.is(h.rt.random(), expected.next());
});

test('an async init hook finishes before init_ok', async (t) => {
  const order: string[] = [];
  const h = harness((rt) =>
    rt.onInit(async () => {
      await Promise.resolve();
      order.push('hook done');
    }),
  );
  const out = await h.init();
  t.deepEqual(types(out), ['init_ok', 'idle']);
  t.deepEqual(order, ['hook done']);
});

test('each event sets the virtual clock', async (t) => {
  const seen: number[] = [];
  const h = harness((rt) => rt.handle('Now', () => seen.push(rt.now)));
  await h.init();
  t.is(h.rt.now, 0);
  await h.deliver({ type: 'Now', msg_id: 1 }, { src: 'n2', now: 1234 });
  t.is(h.rt.now, 1234);
  t.deepEqual(seen, [1234]);
});

test('call() emits a set_timer and a request with a msg_id', async (t) => {
  const h = harness(asker(250));
  await h.init();
  const out = await h.deliver({ type: 'client_op', msg_id: 1, op: 'ask', args: ['Ping', { n: 1 }] });
  t.is(out.length, 3);
  t.deepEqual(out.at(-1), IDLE);
  const timer = out.find((e) => e.body.type === 'set_timer');
  const request = out.find((e) => e.dest === 'n2');
  t.deepEqual(timer, toGrader({ type: 'set_timer', timer_id: timer?.body.timer_id as number, delay_ms: 250 }));
  t.is(typeof timer?.body.timer_id, 'number');
  t.deepEqual(request, { src: 'n1', dest: 'n2', body: { type: 'Ping', msg_id: request?.body.msg_id as number, args: { n: 1 } } });
  t.is(typeof request?.body.msg_id, 'number');
});

test('call() ids differ from call to call', async (t) => {
  const h = harness();
  await h.init();
  void h.rt.call('n2', 'A', 1, 10);
  void h.rt.call('n2', 'B', 2, 10);
  const requests = h.sent.filter((e) => e.dest === 'n2');
  const timers = h.sent.filter((e) => e.body.type === 'set_timer');
  t.is(new Set(requests.map((e) => e.body.msg_id)).size, 2);
  t.is(new Set(timers.map((e) => e.body.timer_id)).size, 2);
});

test('call() uses the default timeout when none is given', async (t) => {
  const h = harness();
  await h.init();
  void h.rt.call('n2', 'A', null);
  t.is(h.sent.find((e) => e.body.type === 'set_timer')?.body.delay_ms, DEFAULT_CALL_TIMEOUT_MS);
});

test('a reply resolves the call with {ok: true, reply} and clears its timer', async (t) => {
  const h = harness(asker());
  await h.init();
  const asked = await h.deliver({ type: 'client_op', msg_id: 5, op: 'ask', args: ['Ping', { n: 1 }] });
  const timerId = asked.find((e) => e.body.type === 'set_timer')!.body.timer_id;
  const msgId = asked.find((e) => e.dest === 'n2')!.body.msg_id!;
  const out = await h.deliver({ type: 'Ping_ok', in_reply_to: msgId, reply: { pong: 2 } }, { src: 'n2', now: 7 });
  t.deepEqual(out, [
    toGrader({ type: 'clear_timer', timer_id: timerId }),
    toGrader({ type: 'client_op_ok', in_reply_to: 5, result: { ok: true, reply: { pong: 2 } } }),
    IDLE,
  ]);
});

test('a reply without a reply field resolves with reply undefined', async (t) => {
  const h = harness();
  await h.init();
  const call = h.rt.call('n2', 'Ping', null, 100);
  const msgId = h.sent.find((e) => e.dest === 'n2')!.body.msg_id!;
  await h.deliver({ type: 'Ping_ok', in_reply_to: msgId }, { src: 'n2' });
  t.deepEqual(await call, { ok: true, reply: undefined });
});

test('the timer of a call resolves it with {ok: false, error: "timeout"}', async (t) => {
  const h = harness(asker(300));
  await h.init();
  const asked = await h.deliver({ type: 'client_op', msg_id: 2, op: 'ask', args: ['Ping', null] });
  const timerId = asked.find((e) => e.body.type === 'set_timer')!.body.timer_id;
  const out = await h.deliver({ type: 'timer', timer_id: timerId }, { now: 300 });
  t.deepEqual(out, [toGrader({ type: 'client_op_ok', in_reply_to: 2, result: { ok: false, error: 'timeout' } }), IDLE]);
});

test('an error with code unreachable resolves {ok: false, error: "unreachable"} and clears the timer', async (t) => {
  const h = harness(asker());
  await h.init();
  const asked = await h.deliver({ type: 'client_op', msg_id: 3, op: 'ask', args: ['Ping', null] });
  const timerId = asked.find((e) => e.body.type === 'set_timer')!.body.timer_id;
  const msgId = asked.find((e) => e.dest === 'n2')!.body.msg_id!;
  const out = await h.deliver({ type: 'error', in_reply_to: msgId, code: 'unreachable', text: 'n2 is down' }, { src: 'n2' });
  t.deepEqual(out, [
    toGrader({ type: 'clear_timer', timer_id: timerId }),
    toGrader({ type: 'client_op_ok', in_reply_to: 3, result: { ok: false, error: 'unreachable' } }),
    IDLE,
  ]);
});

test('an error with code no_handler resolves {ok: false, error: "no_handler"}', async (t) => {
  const h = harness();
  await h.init();
  const call = h.rt.call('n2', 'Nope', null, 100);
  const msgId = h.sent.find((e) => e.dest === 'n2')!.body.msg_id!;
  await h.deliver({ type: 'error', in_reply_to: msgId, code: 'no_handler', text: 'no handler for Nope' }, { src: 'n2' });
  t.deepEqual(await call, { ok: false, error: 'no_handler' });
});

test('a request for an unknown method gets an error reply with code no_handler', async (t) => {
  const h = harness();
  await h.init();
  const out = await h.deliver({ type: 'Mystery', msg_id: 12, args: {} }, { src: 'n2' });
  const reply = out.find((e) => e.dest === 'n2');
  t.like(reply, { src: 'n1', dest: 'n2', body: { type: 'error', in_reply_to: 12, code: 'no_handler' } });
  t.regex(String(reply?.body.text), /Mystery/);
  const log = out.find((e) => e.body.type === 'log');
  t.like(log, { dest: GRADER, body: { stream: 'stderr' } });
  t.regex(String(log?.body.text), /no handler for "Mystery"/);
  t.deepEqual(out.at(-1), IDLE);
  t.deepEqual(h.exits, []);
});

test('an unknown message without msg_id gets no reply (only a log line)', async (t) => {
  const h = harness();
  await h.init();
  const out = await h.deliver({ type: 'Mystery' }, { src: 'n2' });
  t.deepEqual(types(out), ['log', 'idle']);
});

test('a handler\'s return value becomes {type: X_ok, in_reply_to, reply}', async (t) => {
  const calls: [unknown, NodeId][] = [];
  const h = harness((rt) =>
    rt.handle('Add', (args: { a: number; b: number }, from) => {
      calls.push([args, from]);
      return { sum: args.a + args.b };
    }),
  );
  await h.init();
  const out = await h.deliver({ type: 'Add', msg_id: 4, args: { a: 2, b: 3 } }, { src: 'n2' });
  t.deepEqual(out, [{ src: 'n1', dest: 'n2', body: { type: 'Add_ok', in_reply_to: 4, reply: { sum: 5 } } }, IDLE]);
  t.deepEqual(calls, [[{ a: 2, b: 3 }, 'n2']]);
});

test('an async handler replies once its promise resolves, within the step', async (t) => {
  const h = harness((rt) =>
    rt.handle('Slow', async () => {
      await Promise.resolve();
      await Promise.resolve();
      return 'done';
    }),
  );
  await h.init();
  const out = await h.deliver({ type: 'Slow', msg_id: 1 }, { src: 'n2' });
  t.deepEqual(out, [{ src: 'n1', dest: 'n2', body: { type: 'Slow_ok', in_reply_to: 1, reply: 'done' } }, IDLE]);
});

test('a handler that waits on a timer replies in the step of the timer', async (t) => {
  const h = harness((rt) =>
    rt.handle('Later', async () => {
      await new Promise<void>((resolve) => rt.setTimer(resolve, 50));
      return rt.now;
    }),
  );
  await h.init();
  const first = await h.deliver({ type: 'Later', msg_id: 1 }, { src: 'n2', now: 10 });
  t.deepEqual(types(first), ['set_timer', 'idle']);
  t.is(first[0]!.body.delay_ms, 50);
  const second = await h.deliver({ type: 'timer', timer_id: first[0]!.body.timer_id }, { now: 60 });
  t.deepEqual(second, [{ src: 'n1', dest: 'n2', body: { type: 'Later_ok', in_reply_to: 1, reply: 60 } }, IDLE]);
});

test('a request without msg_id runs the handler but sends no reply', async (t) => {
  let ran = 0;
  const h = harness((rt) => rt.handle('Note', () => ++ran));
  await h.init();
  const out = await h.deliver({ type: 'Note' }, { src: 'n2' });
  t.deepEqual(out, [IDLE]);
  t.is(ran, 1);
});

const thrower = (rt: NodeRuntime) => {
  rt.handle('Boom', () => {
    throw new Error('kaboom');
  });
  rt.handle('AsyncBoom', async () => {
    await Promise.resolve();
    throw new TypeError('late kaboom');
  });
  rt.handle('StringBoom', () => {
    throw 'just a string';
  });
};

test('a throwing handler stops the node: exit(1), no reply, no idle', async (t) => {
  const h = harness(thrower);
  await h.init();
  const out = await h.deliver({ type: 'Boom', msg_id: 1 }, { src: 'n2' });
  t.deepEqual(h.exits, [1]);
  t.false(out.some((e) => e.body.type === 'idle' || e.dest === 'n2'));
});

test('a rejecting async handler stops the node too', async (t) => {
  const h = harness(thrower);
  await h.init();
  const out = await h.deliver({ type: 'AsyncBoom', msg_id: 1 }, { src: 'n2' });
  t.deepEqual(h.exits, [1]);
  t.false(out.some((e) => e.body.type === 'idle' || e.dest === 'n2'));
});

test('a throwing handler emits crash with the error before it exits', async (t) => {
  // Regression: crash() once set `crashed` before emitting, so the crash body was swallowed
  // and a real node was reported as "exited (code 1)" without its stack trace.
  const h = harness(thrower);
  await h.init();
  const out = await h.deliver({ type: 'Boom', msg_id: 1 }, { src: 'n2' });
  t.deepEqual(types(out), ['crash']);
  t.is(out[0]?.dest, GRADER);
  t.regex(String(out[0]?.body.text), /Error: kaboom/);
  t.deepEqual(h.exits, [1]);
});

test('a rejecting async handler emits crash', async (t) => {
  const h = harness(thrower);
  await h.init();
  const out = await h.deliver({ type: 'AsyncBoom', msg_id: 1 }, { src: 'n2' });
  t.deepEqual(types(out), ['crash']);
  t.regex(String(out[0]?.body.text), /TypeError: late kaboom/);
});

test('a thrown non-Error is reported as text', async (t) => {
  const h = harness(thrower);
  await h.init();
  const out = await h.deliver({ type: 'StringBoom', msg_id: 1 }, { src: 'n2' });
  t.deepEqual(out, [toGrader({ type: 'crash', text: 'just a string' })]);
});

test('a crashed node sends nothing more, and exits once', async (t) => {
  const h = harness(thrower);
  await h.init();
  await h.deliver({ type: 'Boom', msg_id: 1 }, { src: 'n2' });
  const before = h.sent.length;
  h.rt.crash(new Error('second'));
  h.rt.log('stdout', 'after the crash');
  void h.rt.call('n2', 'X', null);
  h.rt.receive({ src: 'n2', dest: 'n1', now: 5, body: { type: 'Boom', msg_id: 2 } });
  await settle();
  t.is(h.sent.length, before);
  t.deepEqual(h.exits, [1]);
});

test('an unknown client operation stops the client host', async (t) => {
  const h = harness((rt) => rt.serveClientApi({ lock: async () => true }));
  await h.init();
  const out = await h.deliver({ type: 'client_op', msg_id: 1, op: 'frobnicate', args: [] });
  t.deepEqual(h.exits, [1]);
  t.false(out.some((e) => e.body.type === 'idle' || e.body.type === 'client_op_ok'));
});

test('an unknown client operation is reported as a crash naming it', async (t) => {
  const h = harness((rt) => rt.serveClientApi({ lock: async () => true }));
  await h.init();
  const out = await h.deliver({ type: 'client_op', msg_id: 1, op: 'frobnicate', args: [] });
  t.deepEqual(types(out), ['crash']);
  t.regex(String(out[0]?.body.text), /no operation "frobnicate"/);
});

test('a client operation gets its args and answers client_op_ok with its result', async (t) => {
  const h = harness((rt) => rt.serveClientApi({ add: async (a: number, b: number) => a + b }));
  await h.init();
  const out = await h.deliver({ type: 'client_op', msg_id: 9, op: 'add', args: [40, 2] });
  t.deepEqual(out, [toGrader({ type: 'client_op_ok', in_reply_to: 9, result: 42 }), IDLE]);
});

test('a late reply after the timeout is ignored', async (t) => {
  const h = harness();
  await h.init();
  const results: CallResult<unknown>[] = [];
  void h.rt.call('n2', 'Ping', null, 100).then((r) => results.push(r));
  const timerId = h.sent.find((e) => e.body.type === 'set_timer')!.body.timer_id;
  const msgId = h.sent.find((e) => e.dest === 'n2')!.body.msg_id!;
  await h.deliver({ type: 'timer', timer_id: timerId }, { now: 100 });
  t.deepEqual(results, [{ ok: false, error: 'timeout' }]);
  const late = await h.deliver({ type: 'Ping_ok', in_reply_to: msgId, reply: 'late' }, { src: 'n2', now: 150 });
  t.deepEqual(late, [IDLE]); // no clear_timer, no reply, no crash
  t.deepEqual(results, [{ ok: false, error: 'timeout' }]);
  // So is a second copy of it, and an error for it.
  t.deepEqual(await h.deliver({ type: 'Ping_ok', in_reply_to: msgId, reply: 'late' }, { src: 'n2' }), [IDLE]);
  t.deepEqual(await h.deliver({ type: 'error', in_reply_to: msgId, code: 'unreachable', text: '' }, { src: 'n2' }), [IDLE]);
});

test('a duplicate reply after the first is ignored', async (t) => {
  const h = harness();
  await h.init();
  const results: CallResult<unknown>[] = [];
  void h.rt.call('n2', 'Ping', null, 100).then((r) => results.push(r));
  const msgId = h.sent.find((e) => e.dest === 'n2')!.body.msg_id!;
  await h.deliver({ type: 'Ping_ok', in_reply_to: msgId, reply: 1 }, { src: 'n2' });
  t.deepEqual(await h.deliver({ type: 'Ping_ok', in_reply_to: msgId, reply: 2 }, { src: 'n2' }), [IDLE]);
  t.deepEqual(results, [{ ok: true, reply: 1 }]);
});

test('timers: a fired timer runs once; a cleared timer never runs', async (t) => {
  const h = harness();
  await h.init();
  const fired: string[] = [];
  const a = h.rt.setTimer(() => fired.push('a'), 10);
  const b = h.rt.setTimer(() => fired.push('b'), 20);
  h.rt.clearTimer(b);
  t.deepEqual(h.sent.slice(-3), [
    toGrader({ type: 'set_timer', timer_id: a, delay_ms: 10 }),
    toGrader({ type: 'set_timer', timer_id: b, delay_ms: 20 }),
    toGrader({ type: 'clear_timer', timer_id: b }),
  ]);
  t.deepEqual(await h.deliver({ type: 'timer', timer_id: a }, { now: 10 }), [IDLE]);
  t.deepEqual(await h.deliver({ type: 'timer', timer_id: a }, { now: 10 }), [IDLE]);
  t.deepEqual(await h.deliver({ type: 'timer', timer_id: b }, { now: 20 }), [IDLE]);
  t.deepEqual(fired, ['a']);
  // Clearing a timer that fired (or twice) sends nothing.
  const before = h.sent.length;
  h.rt.clearTimer(a);
  h.rt.clearTimer(b);
  t.is(h.sent.length, before);
});

test('setTimer clamps a negative or non-finite delay to zero', async (t) => {
  const h = harness();
  await h.init();
  h.rt.setTimer(() => undefined, -5);
  h.rt.setTimer(() => undefined, Number.NaN);
  h.rt.setTimer(() => undefined, Number.POSITIVE_INFINITY);
  t.deepEqual(h.sent.slice(-3).map((e) => e.body.delay_ms), [0, 0, 0]);
});

test('log() sends a log line to the grader', async (t) => {
  const h = harness();
  await h.init();
  h.rt.log('stdout', 'hello');
  t.deepEqual(h.sent.at(-1), toGrader({ type: 'log', stream: 'stdout', text: 'hello' }));
});

test('exactly one idle per event, however much the event does', async (t) => {
  const h = harness((rt) => {
    rt.handle('Quiet', () => undefined);
    rt.handle('Busy', async () => {
      rt.log('stdout', 'one');
      await Promise.resolve();
      rt.setTimer(() => undefined, 5);
      await Promise.resolve();
      rt.log('stdout', 'two');
      return 'ok';
    });
    rt.handle('Waits', () => new Promise(() => undefined));
  });
  const events: Body[] = [
    { type: 'init', msg_id: 1, node_id: 'n1', node_ids: ['n1'], config: {}, seed: 1 },
    { type: 'Quiet', msg_id: 1 },
    { type: 'Busy', msg_id: 2 },
    { type: 'Waits', msg_id: 3 },
    { type: 'Unknown', msg_id: 4 },
    { type: 'timer', timer_id: 999 },
    { type: 'Quiet' },
  ];
  for (const body of events) {
    const out = await h.deliver(body, { src: 'n2' });
    t.is(out.filter((e) => e.body.type === 'idle').length, 1, `after ${body.type}`);
    t.deepEqual(out.at(-1), IDLE, `idle comes last after ${body.type}`);
  }
  await settle(20);
  t.is(h.sent.filter((e) => e.body.type === 'idle').length, events.length);
});

test('nothing is sent before an event arrives', async (t) => {
  const h = harness((rt) => rt.handle('X', () => 1));
  await settle();
  t.deepEqual(h.sent, []);
});
