// What a run shows of itself names no temporary folder: stacks mapped, other paths as <work>/...
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StackMapper } from '../../src/cluster/source-map.ts';
import type { TraceEvent } from '../../src/net/trace.ts';
import { PortableText } from '../../src/score/portable-text.ts';

function portable(t: { teardown: (f: () => void) => void }): { work: string; text: PortableText } {
  const work = mkdtempSync(path.join(tmpdir(), 'locklab-lab1-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  return { work, text: new PortableText(new StackMapper((f) => f), work) };
}

test('paths in the temporary folder read <work>/..., with or without file://', (t) => {
  const { work, text } = portable(t);
  t.is(text.text(`at f (file://${work}/bundle/server.mjs:409:29)`), 'at f (<work>/bundle/server.mjs:409:29)', 'no source map: the frame stays, its folder hidden');
  t.is(text.text(`cwd is ${work}`), 'cwd is <work>');
  t.is(text.text(`state in ${work}/run-abc/state/primary`), 'state in <work>/run-abc/state/primary');
});

test('a longer folder name that starts like the temporary folder is left alone', (t) => {
  const { work, text } = portable(t);
  t.is(text.text(`${work}x/file`), `${work}x/file`);
});

test('text that names no temporary folder is returned as it is', (t) => {
  const { text } = portable(t);
  const line = 'Lock(a) from c1 -> true';
  t.is(text.text(line), line);
});

test('message bodies and results are rewritten deep inside; events without text are kept as they are', (t) => {
  const { work, text } = portable(t);
  const deliver: TraceEvent = { t: 1, kind: 'deliver', id: 1, from: 'c1', to: 'primary' };
  const events: TraceEvent[] = [
    { t: 0, kind: 'send', id: 1, from: 'c1', to: 'primary', body: { type: 'Lock', args: { where: [`${work}/a`, 3] } } },
    deliver,
    { t: 2, kind: 'crash', node: 'primary', text: `Error: x\n    at ${work}/bundle/server.mjs:1:2` },
  ];
  text.events(events);
  t.deepEqual(events[0], { t: 0, kind: 'send', id: 1, from: 'c1', to: 'primary', body: { type: 'Lock', args: { where: ['<work>/a', 3] } } });
  t.is(events[1], deliver);
  t.is((events[2] as { text: string }).text, 'Error: x\n    at <work>/bundle/server.mjs:1:2');
});
