/**
 * Long histories: the search is iterative (no recursion depth limit) and
 * fast enough for whole test runs. Timing is left to benchmarks.
 */
import test from 'ava';
import { checkHistory, type Operation } from '../../src/check/index.ts';
import { simulateRun } from './generators.ts';

test('a 10,000-operation history over 10 locks and 10 clients is accepted', (t) => {
  const history = simulateRun({ operations: 10_000, clients: 10, locks: 10, seed: 1, indeterminateRate: 0.01 });
  t.deepEqual(checkHistory(history), { ok: true, locks: 10, operations: 10_000 });
});

test('a 10,000-operation history on one lock is accepted', (t) => {
  const history = simulateRun({ operations: 10_000, clients: 10, locks: 1, seed: 2 });
  t.deepEqual(checkHistory(history), { ok: true, locks: 1, operations: 10_000 });
});

test('a 300-operation history with 10 clients contending for one lock is accepted', (t) => {
  for (let seed = 1; seed <= 20; seed++) {
    const history = simulateRun({ operations: 300, clients: 10, locks: 1, seed, indeterminateRate: 0.05 });
    t.is(checkHistory(history).ok, true, `seed ${seed}`);
  }
});

test('a late anomaly in a 10,000-operation history is found and shrunk', (t) => {
  const history = simulateRun({ operations: 10_000, clients: 10, locks: 10, seed: 3 });
  // After everything else, lock "l0" is taken twice with no unlock.
  const end = Math.max(...history.operations.map((op) => op.complete ?? op.invoke));
  const doubleLock: Operation[] = [
    { client: 'c0', op: 'lock', lock: 'l0', invoke: end + 1, complete: end + 2, result: true },
    { client: 'c1', op: 'lock', lock: 'l0', invoke: end + 3, complete: end + 4, result: true },
  ];
  const verdict = checkHistory({ operations: [...history.operations, ...doubleLock] });
  if (verdict.ok !== false) return t.fail('not rejected');
  t.is(verdict.lock, 'l0');
  t.true(verdict.counterexample.length <= 2, verdict.explanation);
  t.true(verdict.counterexample.includes(doubleLock[1]!) || verdict.counterexample.includes(doubleLock[0]!));
});
