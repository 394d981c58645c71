import test from 'ava';
import { MAX_LINE_BYTES, parseNodeLine } from '../../src/net/wire-schema.ts';
import { NodeRuntime } from '../../src/runtime/node.ts';
import type { Envelope } from '../../src/runtime/protocol.ts';

const line = (dest: string, body: unknown, src = 'n1') => JSON.stringify({ src, dest, body });

const accepts = test.macro((t, text: string) => {
  const parsed = parseNodeLine(text);
  if (!parsed.ok) return t.fail(`rejected: ${parsed.problem}`);
  t.deepEqual(parsed.envelope, JSON.parse(text));
});

const rejects = test.macro((t, text: string, expected: RegExp[]) => {
  const parsed = parseNodeLine(text);
  if (parsed.ok) return t.fail(`accepted: ${text.slice(0, 200)}`);
  t.is(typeof parsed.problem, 'string');
  t.true(parsed.problem.length > 10 && parsed.problem.length < 600, parsed.problem);
  for (const re of expected) t.regex(parsed.problem, re);
});

// ---- valid control lines (to the grader) ----
test('accepts idle', accepts, line('grader', { type: 'idle' }));
test('accepts init_ok', accepts, line('grader', { type: 'init_ok', in_reply_to: 1 }));
test('accepts set_timer', accepts, line('grader', { type: 'set_timer', timer_id: 3, delay_ms: 250 }));
test('accepts set_timer with zero delay', accepts, line('grader', { type: 'set_timer', timer_id: 0, delay_ms: 0 }));
test('accepts a fractional delay', accepts, line('grader', { type: 'set_timer', timer_id: 4, delay_ms: 0.5 }));
test('accepts clear_timer', accepts, line('grader', { type: 'clear_timer', timer_id: 3 }));
test('accepts log', accepts, line('grader', { type: 'log', stream: 'stderr', text: 'hello\nworld' }));
test('accepts crash', accepts, line('grader', { type: 'crash', text: 'Error: boom\n    at x' }));
test('accepts client_op_ok with any result', accepts, line('grader', { type: 'client_op_ok', in_reply_to: 2, result: { ok: [1, null] } }));
test('accepts client_op_ok with a null result', accepts, line('grader', { type: 'client_op_ok', in_reply_to: 2, result: null }));

// ---- valid network lines (to another node) ----
test('accepts a request', accepts, line('backup', { type: 'Forward', msg_id: 7, args: { name: 'a' } }));
test('accepts a reply', accepts, line('primary', { type: 'Forward_ok', in_reply_to: 7, reply: true }));
test('accepts an error reply', accepts, line('c1', { type: 'error', in_reply_to: 7, code: 'no_handler', text: 'no handler for X' }));
test('accepts a message without msg_id', accepts, line('backup', { type: 'Note', extra: [1, 2, 3] }));

// ---- malformed lines ----
test('rejects a line that is not JSON', rejects, '{"src":"n1","dest":"grader"', [/not JSON/, /\{src, dest, body\}/]);
test('rejects an empty line', rejects, '', [/not JSON/]);
test('rejects JSON that is not an object', rejects, '[1,2]', [/not an envelope/, /array/]);
test('rejects null', rejects, 'null', [/not an envelope/]);
test('rejects a missing body', rejects, JSON.stringify({ src: 'n1', dest: 'b' }), [/not an envelope/, /body/]);
test('rejects a body without type', rejects, line('b', { msg_id: 1 }), [/not an envelope/, /type/]);
test('rejects a missing dest', rejects, JSON.stringify({ src: 'n1', body: { type: 'idle' } }), [/dest/]);
test('rejects an empty dest', rejects, line('', { type: 'x' }), [/dest/]);
test('rejects a negative msg_id', rejects, line('b', { type: 'x', msg_id: -1 }), [/to b/, /msg_id/]);
test('rejects a non-integer in_reply_to', rejects, line('b', { type: 'x_ok', in_reply_to: 1.5 }), [/in_reply_to/]);

for (const type of ['init', 'init_ok', 'timer', 'client_op', 'client_op_ok', 'idle', 'set_timer', 'clear_timer', 'log', 'crash']) {
  test(`rejects the reserved type "${type}" sent to a node`, rejects, line('backup', { type, msg_id: 1, timer_id: 1, delay_ms: 1, text: 'x', stream: 'stdout' }), [
    /to backup/,
    /type/,
    /reserved/,
  ]);
}

test('rejects a line longer than the limit', (t) => {
  const big = line('b', { type: 'x', pad: 'x'.repeat(MAX_LINE_BYTES) });
  const parsed = parseNodeLine(big);
  t.false(parsed.ok);
  if (!parsed.ok) t.regex(parsed.problem, new RegExp(`more than ${MAX_LINE_BYTES} bytes`));
});

test('the limit counts bytes, not characters', (t) => {
  // 'é' is two bytes in UTF-8: fewer characters than the limit, more bytes.
  const text = line('b', { type: 'x', pad: 'é'.repeat(MAX_LINE_BYTES / 2 + 10) });
  t.true(text.length < MAX_LINE_BYTES * 1.5);
  t.false(parseNodeLine(text).ok);
});

test('a line just under the limit is accepted', (t) => {
  const base = line('b', { type: 'x', pad: '' });
  const text = line('b', { type: 'x', pad: 'y'.repeat(MAX_LINE_BYTES - base.length) });
  t.is(Buffer.byteLength(text), MAX_LINE_BYTES);
  t.true(parseNodeLine(text).ok);
});

// ---- bad set_timer and other control bodies ----
test('rejects set_timer with a negative delay', rejects, line('grader', { type: 'set_timer', timer_id: 1, delay_ms: -5 }), [/to grader/, /delay_ms/]);
test('rejects set_timer without timer_id', rejects, line('grader', { type: 'set_timer', delay_ms: 5 }), [/timer_id/]);
test('rejects set_timer with a fractional timer_id', rejects, line('grader', { type: 'set_timer', timer_id: 1.5, delay_ms: 5 }), [/timer_id/]);
test('rejects set_timer with a string delay', rejects, line('grader', { type: 'set_timer', timer_id: 1, delay_ms: '5' }), [/delay_ms/]);
test('rejects set_timer with an infinite delay', rejects, '{"src":"n1","dest":"grader","body":{"type":"set_timer","timer_id":1,"delay_ms":1e999}}', [/delay_ms/]);
test('rejects a log on an unknown stream', rejects, line('grader', { type: 'log', stream: 'stdin', text: 'x' }), [/stream/]);
test('rejects init_ok without in_reply_to', rejects, line('grader', { type: 'init_ok' }), [/in_reply_to/]);
test('rejects an unknown control type', rejects, line('grader', { type: 'init' }), [/to grader/, /type/, /idle/]);
test('rejects a network type sent to the grader', rejects, line('grader', { type: 'Forward', msg_id: 1 }), [/to grader/]);

// ---- what the runtime itself writes must pass ----

test('a client operation that resolves to undefined writes a valid client_op_ok line', async (t) => {
  // Bug: the runtime emits `{type: 'client_op_ok', in_reply_to, result: undefined}`; on the wire
  // JSON.stringify drops `result`, and the schema's `result: z.unknown()` is a required key in
  // zod 4, so the line is rejected ("result: Invalid input: expected nonoptional"). A Clerk method
  // that returns nothing (e.g. `return result.reply?.ok` on an empty reply) then fails the test as
  // "wrote a malformed message ... do not write to file descriptor 3", which misleads the student.
  const lines: string[] = [];
  let idle!: () => void;
  const idled = new Promise<void>((resolve) => (idle = resolve));
  const runtime = new NodeRuntime({
    send: (e: Envelope) => {
      lines.push(JSON.stringify(e));
      if (e.body.type === 'idle') idle();
    },
  });
  runtime.serveClientApi({ nothing: async () => undefined });
  runtime.receive({ src: 'grader', dest: 'c1', now: 0, body: { type: 'client_op', msg_id: 1, op: 'nothing', args: [] } });
  await idled;
  t.is(lines.length, 2);
  for (const text of lines) {
    const parsed = parseNodeLine(text);
    t.true(parsed.ok, parsed.ok ? text : `${text}: ${parsed.problem}`);
  }
});

test('every line the runtime writes in a request/reply exchange passes the schema', async (t) => {
  const lines: string[] = [];
  let idle!: () => void;
  let idled = new Promise<void>((resolve) => (idle = resolve));
  const runtime = new NodeRuntime({
    send: (e: Envelope) => {
      lines.push(JSON.stringify(e));
      if (e.body.type === 'idle') idle();
    },
  });
  const step = async (body: Envelope['body'], src = 'grader') => {
    idled = new Promise<void>((resolve) => (idle = resolve));
    runtime.receive({ src, dest: 'c1', now: 0, body });
    await idled;
  };
  runtime.serveClientApi({ ask: async () => (await runtime.call('b', 'Ping', { n: 1 }, 100)).ok });
  runtime.handle('Echo', (args: unknown) => args);
  runtime.log('stdout', 'before init'); // outside a step: still a valid line
  await step({ type: 'init', msg_id: 1, node_id: 'c1', node_ids: ['c1', 'b'], config: {}, seed: 1 });
  await step({ type: 'client_op', msg_id: 1, op: 'ask', args: [] });
  await step({ type: 'Ping_ok', in_reply_to: 1, reply: { n: 1 } }, 'b');
  await step({ type: 'Echo', msg_id: 9, args: { x: 1 } }, 'b');
  await step({ type: 'Unknown', msg_id: 10 }, 'b');
  t.true(lines.length >= 10);
  for (const text of lines) {
    const parsed = parseNodeLine(text);
    t.true(parsed.ok, parsed.ok ? text : `${text}: ${parsed.problem}`);
  }
});
