/**
 * The trace viewer without a browser: the view model (pairing of messages with their fate,
 * operations, lifecycles, the checker's verdict), the page's embedding of the trace, and
 * `writeTraceHtml`'s validation of saved traces.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { TraceEvent, TraceFile } from '../../src/net/trace.ts';
import {
  TraceFileError,
  buildTraceView,
  htmlPathFor,
  jsonForScript,
  renderTraceHtml,
  writeTraceHtml,
} from '../../src/report/trace-viewer.ts';

function trace(events: TraceEvent[], extra: Partial<TraceFile> = {}): TraceFile {
  return {
    format: 'locklab-trace',
    version: 1,
    lab: 'lab1',
    test: 'T',
    seed: 1,
    nodes: [
      { id: 'primary', role: 'server' },
      { id: 'backup', role: 'server' },
      { id: 'c1', role: 'client' },
      { id: 'c2', role: 'client' },
    ],
    events,
    outcome: { passed: true },
    ...extra,
  };
}

const starts: TraceEvent[] = ['primary', 'backup', 'c1', 'c2'].map((node) => ({ t: 0, kind: 'start', node, role: node.startsWith('c') ? 'client' : 'server' }));

/** Two clients both granted lock "a": not linearizable. */
const doubleLock: TraceEvent[] = [
  ...starts,
  { t: 0, kind: 'invoke', op: 1, client: 'c1', name: 'lock', args: ['a'] },
  { t: 5, kind: 'complete', op: 1, client: 'c1', result: true },
  { t: 6, kind: 'invoke', op: 2, client: 'c2', name: 'lock', args: ['a'] },
  { t: 9, kind: 'complete', op: 2, client: 'c2', result: true },
  { t: 10, kind: 'invoke', op: 3, client: 'c1', name: 'unlock', args: ['a'] },
];

test('messages are paired with their fate: delivered, lost, refused, in flight, duplicated', (t) => {
  const view = buildTraceView(
    trace([
      ...starts,
      { t: 0, kind: 'send', id: 1, from: 'c1', to: 'primary', body: { type: 'Lock', msg_id: 1 } },
      { t: 4, kind: 'deliver', id: 1, from: 'c1', to: 'primary' },
      { t: 4, kind: 'send', id: 2, from: 'primary', to: 'c1', body: { type: 'Lock_ok', in_reply_to: 1 } },
      { t: 7, kind: 'deliver', id: 2, from: 'primary', to: 'c1' },
      { t: 9, kind: 'deliver', id: 2, from: 'primary', to: 'c1' },
      { t: 9, kind: 'send', id: 3, from: 'c1', to: 'backup', body: { type: 'Unlock', msg_id: 2 } },
      { t: 11, kind: 'drop', id: 3, from: 'c1', to: 'backup', reason: 'lost by the network' },
      { t: 12, kind: 'kill', node: 'primary', why: 'test' },
      { t: 12, kind: 'send', id: 4, from: 'c2', to: 'primary', body: { type: 'Lock', msg_id: 1 } },
      { t: 12, kind: 'refuse', id: 4, from: 'c2', to: 'primary' },
      { t: 13, kind: 'send', id: 5, from: 'c2', to: 'backup', body: { type: 'Lock', msg_id: 2 } },
    ]),
  );
  const fates = view.messages.map((m) => [m.id, m.fate, m.t0, m.t1, m.dup]);
  t.deepEqual(fates, [
    [1, 'delivered', 0, 4, 0],
    [2, 'delivered', 4, 7, 0],
    [2, 'delivered', 4, 9, 1],
    [3, 'dropped', 9, 11, 0],
    [4, 'refused', 12, 12, 0],
    [5, 'in-flight', 13, 13, 0],
  ]);
  t.is(view.messages[3]!.reason, 'lost by the network');
  t.is(view.messages[1]!.replyTo, 0, 'Lock_ok answers the Lock');
  const lock = view.types.find((x) => x.type === 'Lock')!;
  const lockOk = view.types.find((x) => x.type === 'Lock_ok')!;
  t.false(lock.reply);
  t.true(lockOk.reply);
  t.is(lock.color, lockOk.color, 'a request and its reply share a colour');
  t.not(lock.color, view.types.find((x) => x.type === 'Unlock')!.color);
  t.deepEqual(view.lanes[0]!.life, [
    { t0: 0, t1: 12, state: 'up' },
    { t0: 12, t1: null, state: 'killed' },
  ]);
  t.deepEqual(view.marks.map((m) => [m.kind, view.lanes[m.lane]!.id, m.t]), [['kill', 'primary', 12]]);
});

test('colours are stable: the same type gets the same colour in another trace', (t) => {
  const a = buildTraceView(trace([{ t: 0, kind: 'send', id: 1, from: 'c1', to: 'primary', body: { type: 'Lock' } }]));
  const b = buildTraceView(trace([{ t: 0, kind: 'send', id: 1, from: 'c1', to: 'primary', body: { type: 'Lock' } }, { t: 1, kind: 'send', id: 2, from: 'c1', to: 'primary', body: { type: 'Forward' } }]));
  t.is(a.types[0]!.color, b.types.find((x) => x.type === 'Lock')!.color);
});

test('unknown event kinds, stray nodes and malformed events do not break the view', (t) => {
  const view = buildTraceView(
    trace([
      ...starts,
      { t: 1, kind: 'send', id: 1, from: 'c1', to: 'primry', body: { type: 'Lock' } },
      { t: 2, kind: 'partition', node: 'backup', side: ['c1'] } as unknown as TraceEvent,
      { t: 3, kind: 'dup-copy', id: 1 } as unknown as TraceEvent,
      { t: 4, kind: 'heal' } as unknown as TraceEvent,
      { kind: 'note', text: 'no time' } as unknown as TraceEvent,
      { t: 5, kind: 'deliver', id: 99, from: 'c1', to: 'primary' },
    ]),
  );
  const ghost = view.lanes.find((l) => l.id === 'primry')!;
  t.true(ghost.ghost, 'a message to a node that is not in the cluster gets a dashed lane');
  t.deepEqual(view.marks.map((m) => [m.kind, view.lanes[m.lane]!.id]), [['other', 'backup']]);
  t.true(view.notes.some((n) => n.kind === 'other' && n.text.startsWith('heal')));
  t.is(view.messages.filter((m) => m.id === 1).length, 2, 'an unknown "dup..." event adds a second arrow');
  t.true(view.messages[0]!.extra!.some((x) => x.startsWith('dup-copy')));
  t.is(view.meta.skipped, 2, 'the event without a time and the delivery of an unknown message');
});

test('operations, and the checker\'s counterexample computed at render time', (t) => {
  const tr = trace(doubleLock, { outcome: { passed: false, message: 'two holders' } });
  const view = buildTraceView(tr);
  t.is(view.check.status, 'violation');
  t.deepEqual(view.operations.map((o) => [o.op, o.label, o.status, o.cx]), [
    [1, 'lock("a") -> true', 'true', true],
    [2, 'lock("a") -> true', 'true', true],
    [3, 'unlock("a") -> ?', 'pending', false],
  ]);
  t.is(view.meta.message, 'two holders');
  t.false(view.meta.passed);
});

test('a counterexample given by the caller is matched by its fields; null skips the check', (t) => {
  const tr = trace(doubleLock);
  const given = [{ client: 'c2', op: 'lock' as const, lock: 'a', invoke: 6, complete: 9, result: true }];
  const view = buildTraceView(tr, { counterexample: given });
  t.deepEqual(view.operations.filter((o) => o.cx).map((o) => o.op), [2]);
  t.is(buildTraceView(tr, { counterexample: null }).check.status, 'none');
  t.is(buildTraceView(trace(starts)).check.status, 'none', 'no operations, nothing to check');
});

test('the time axis squeezes long idle gaps into breaks', (t) => {
  const view = buildTraceView(
    trace([
      ...starts,
      { t: 0, kind: 'send', id: 1, from: 'c1', to: 'primary', body: { type: 'Lock' } },
      { t: 5, kind: 'deliver', id: 1, from: 'c1', to: 'primary' },
      { t: 2005, kind: 'timer', node: 'c1', timer: 1 },
    ]),
  );
  const { axis } = view;
  t.deepEqual(axis.times, [0, 5, 2005]);
  t.is(axis.breaks.length, 1);
  t.deepEqual([axis.breaks[0]!.t0, axis.breaks[0]!.t1], [5, 2005]);
  t.true(axis.ys[2]! - axis.ys[1]! < 100, 'the 2 s gap is drawn short');
  t.true(axis.ys[1]! - axis.ys[0]! >= 30, 'a typical message slopes visibly');
});

test('the embedded JSON cannot close its <script> element', (t) => {
  const nasty = '</script><script>alert(1)</script><!-- \u2028';
  const text = jsonForScript({ nasty });
  t.false(text.includes('<'));
  t.deepEqual(JSON.parse(text), { nasty });
  const html = renderTraceHtml(trace([...starts, { t: 1, kind: 'log', node: 'c1', stream: 'stdout', text: nasty }], { test: '<b>x</b>' }));
  t.is(html.match(/<\/script>/g)!.length, 2, 'only the page\'s own two script elements end');
  t.true(html.includes('<title>&lt;b&gt;x&lt;/b&gt; seed 1'));
  t.false(/<(link|img|iframe)\b|https?:\/\//i.test(html.replace(/<script type="application\/json"[\s\S]*?<\/script>/, '').replace(/http:\/\/www\.w3\.org\/2000\/svg/g, '')), 'nothing is loaded from elsewhere');
  t.true(html.includes("Content-Security-Policy\" content=\"default-src 'none'"));
});

test('writeTraceHtml writes X.html next to X.json; bad files give a one-line TraceFileError', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-viewer-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const json = path.join(dir, 'Basic-seed3.json');
  writeFileSync(json, JSON.stringify(trace(doubleLock)));
  const out = writeTraceHtml(json);
  t.is(out, path.join(dir, 'Basic-seed3.html'));
  t.true(readFileSync(out, 'utf8').startsWith('<!doctype html>'));
  t.is(htmlPathFor('/x/trace'), '/x/trace.html');

  const bad = (name: string, content: string | null, message: RegExp) => {
    const file = path.join(dir, name);
    if (content !== null) writeFileSync(file, content);
    const err = t.throws(() => writeTraceHtml(file), { instanceOf: TraceFileError });
    t.regex(err!.message, message);
    t.false(err!.message.includes('\n'), 'one line');
  };
  bad('missing.json', null, /no such trace file: .*missing\.json/);
  bad('text.json', 'not json\n', /is not valid JSON/);
  bad('results.json', JSON.stringify({ score: 3, tests: [] }), /is not a locklab trace/);
  bad('v2.json', JSON.stringify({ ...trace([]), version: 2 }), /unsupported trace version/);
  bad('events.json', JSON.stringify({ ...trace([]), events: [{ kind: 'note' }] }), /at \.events\[0\]\.t/);
  const folder = path.join(dir, 'folder.json');
  rmSync(folder, { force: true });
  t.throws(() => writeTraceHtml(dir), { instanceOf: TraceFileError, message: /is a folder/ });
});

test('injected faults are marked on their lanes and listed; a duplicate is drawn by its second delivery', (t) => {
  const view = buildTraceView(
    trace([
      ...starts,
      { t: 1, kind: 'fault', fault: 'partition', nodes: ['primary', 'backup'], text: 'partition {primary} | {backup}' },
      { t: 2, kind: 'send', id: 1, from: 'c1', to: 'primary', body: { type: 'Lock' } },
      { t: 2, kind: 'duplicate', id: 1, from: 'c1', to: 'primary' },
      { t: 5, kind: 'deliver', id: 1, from: 'c1', to: 'primary' },
      { t: 9, kind: 'deliver', id: 1, from: 'c1', to: 'primary' },
      { t: 10, kind: 'fault', fault: 'restart', nodes: ['backup'], text: 'backup restarts (incarnation 1)' },
    ]),
  );
  t.deepEqual(
    view.marks.map((m) => [m.kind, view.lanes[m.lane]!.id]),
    [['other', 'primary'], ['other', 'backup'], ['restart', 'backup']],
  );
  t.true(view.notes.some((n) => n.text === 'partition {primary} | {backup}'));
  t.deepEqual(view.messages.filter((m) => m.id === 1).map((m) => [m.t1, m.dup]), [[5, 0], [9, 1]]);
});
