/**
 * The checker against a brute-force one on many tiny, mostly wrong histories:
 * the search's memoization and pruning must never change a verdict.
 */
import test from 'ava';
import fc from 'fast-check';
import { checkHistory, type History } from '../../src/check/index.ts';
import { buildHistory, plannedOperation, smallHistory } from './generators.ts';
import { isLinearizableByBruteForce } from './reference-checker.ts';

const twoLocks = smallHistory({ maxOperations: 8, locks: ['a', 'a', 'b'], indeterminateWeight: 1 });
const crowdedLock = smallHistory({ maxOperations: 12, locks: ['a'], indeterminateWeight: 2 });

for (const [name, histories] of [['two locks', twoLocks], ['one crowded lock', crowdedLock]] as const) {
  test(`agrees with brute force on small histories (${name})`, (t) => {
    fc.assert(
      fc.property(histories, (history) => {
        const verdict = checkHistory(history);
        t.is(verdict.ok, isLinearizableByBruteForce(history.operations), JSON.stringify(history));
      }),
      { numRuns: 2000 },
    );
  });
}

/** Correct histories with at most one answer flipped: mostly near misses. */
const nearlyCorrect: fc.Arbitrary<History> = fc
  .tuple(fc.array(plannedOperation, { minLength: 1, maxLength: 14 }), fc.nat())
  .map(([plan, pick]) => {
    const { operations } = buildHistory(plan);
    return {
      operations: operations.map((op, index) =>
        index === pick % operations.length && op.complete !== null ? { ...op, result: !op.result } : op,
      ),
    };
  });

test('agrees with brute force on correct histories with one answer flipped', (t) => {
  fc.assert(
    fc.property(nearlyCorrect, (history) => {
      t.is(checkHistory(history).ok, isLinearizableByBruteForce(history.operations), JSON.stringify(history));
    }),
    { numRuns: 2000 },
  );
});

test('a tiny budget gives "unknown" or the right verdict, never a wrong one', (t) => {
  fc.assert(
    fc.property(crowdedLock, fc.integer({ min: 1, max: 20 }), (history, maxStatesPerLock) => {
      const verdict = checkHistory(history, { maxStatesPerLock });
      if (verdict.ok !== 'unknown') t.is(verdict.ok, isLinearizableByBruteForce(history.operations));
    }),
    { numRuns: 1000 },
  );
});

test('every counterexample is a non-linearizable subset of one lock, sorted by invoke', (t) => {
  fc.assert(
    fc.property(fc.oneof(twoLocks, crowdedLock, nearlyCorrect), (history) => {
      const verdict = checkHistory(history);
      if (verdict.ok !== false) return;
      const { lock, counterexample } = verdict;
      t.true(counterexample.length > 0);
      t.true(counterexample.every((op) => op.lock === lock && history.operations.includes(op)));
      t.deepEqual(
        counterexample.map((op) => op.invoke),
        counterexample.map((op) => op.invoke).sort((a, b) => a - b),
      );
      t.false(isLinearizableByBruteForce(counterexample), JSON.stringify(counterexample));
    }),
    { numRuns: 1500 },
  );
});
