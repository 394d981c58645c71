import test from 'ava';
import { HistoryChecksSchema, checkRun } from '../../src/check/run-checks.ts';
import type { OpRecord } from '../../src/sim/simulation.ts';

let nextId = 1;
const op = (client: string, name: 'lock' | 'unlock', lock: string, invoke: number, complete?: number, result?: unknown): OpRecord => ({
  id: nextId++,
  client,
  name,
  args: [lock],
  invoke,
  ...(complete === undefined ? {} : { complete, result }),
});
const all = HistoryChecksSchema.parse({ checker: 'lock-linearizability', invariants: ['never-two-holders'], livenessMs: 100 });
const invariantOnly = HistoryChecksSchema.parse({ invariants: ['never-two-holders'] });

test('a correct history passes every check', (t) => {
  const ops = [op('c1', 'lock', 'a', 0, 5, true), op('c2', 'lock', 'a', 1, 6, false), op('c1', 'unlock', 'a', 10, 12, true), op('c2', 'lock', 'a', 13, 20, true)];
  t.is(checkRun(all, { ops, faults: [], end: 30 }), undefined);
});

test('the checker rejects two holders, and names the clients', (t) => {
  const ops = [op('c1', 'lock', 'a', 0, 5, true), op('c2', 'lock', 'a', 6, 9, true)];
  t.regex(checkRun(all, { ops, faults: [], end: 30 })!.message, /impossible for one lock service: .*c1 and c2/);
});

test('never-two-holders alone reports the interval of each holder', (t) => {
  const ops = [op('c1', 'lock', 'a', 0, 5, true), op('c2', 'lock', 'a', 6, 9, true)];
  t.is(
    checkRun(invariantOnly, { ops, faults: [], end: 30 })!.message,
    'c1 and c2 both held lock "a": c1\'s lock returned true during [0, 5] ms, c2\'s during [6, 9] ms, and no Unlock could have freed it in between',
  );
});

test('never-two-holders accepts an Unlock whose answer never came as a possible release', (t) => {
  const ops = [op('c1', 'lock', 'a', 0, 5, true), op('c3', 'unlock', 'a', 2), op('c2', 'lock', 'a', 6, 9, true)];
  t.is(checkRun(invariantOnly, { ops, faults: [], end: 30 }), undefined);
});

test('a non-boolean result fails the lock checker', (t) => {
  t.regex(checkRun(all, { ops: [op('c1', 'lock', 'a', 0, 5, undefined)], faults: [], end: 30 })!.message, /returned undefined, expected true or false/);
});

test('liveness counts from the last fault before the operation returned', (t) => {
  const slow = [op('c1', 'lock', 'a', 0, 150, true)];
  t.regex(checkRun(all, { ops: slow, faults: [], end: 200 })!.message, /returned only 150 virtual ms after its start; the goal is 100 ms/);
  t.is(checkRun(all, { ops: slow, faults: [60], end: 200 }), undefined, '90 ms after the kill at 60');
  const pending = [op('c1', 'lock', 'a', 0)];
  t.regex(checkRun(all, { ops: pending, faults: [10], end: 200 })!.message, /had not returned 190 virtual ms after the last fault \(at 10 ms\)/);
  t.is(checkRun(all, { ops: pending, faults: [], end: 50 }), undefined, 'not yet overdue');
});
