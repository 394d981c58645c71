/**
 * Generated histories: correct by construction, then with one answer flipped.
 */
import test from 'ava';
import fc from 'fast-check';
import { checkHistory, describeOperation, type Operation } from '../../src/check/index.ts';
import { buildHistory, isolatable, plannedRun } from './generators.ts';

test('correct histories with overlapping and indeterminate operations are accepted', (t) => {
  fc.assert(
    fc.property(plannedRun, (plan) => {
      const history = buildHistory(plan);
      const verdict = checkHistory(history);
      t.deepEqual(verdict, {
        ok: true,
        locks: new Set(history.operations.map((op) => op.lock)).size,
        operations: plan.length,
      });
    }),
    { numRuns: 300 },
  );
});

test('flipping an answer that nothing else can explain is caught, and blamed', (t) => {
  fc.assert(
    fc.property(plannedRun, fc.nat(), (plan, pick) => {
      const candidates = isolatable(plan);
      fc.pre(candidates.length > 0);
      const flippedIndex = candidates[pick % candidates.length]!;
      const history = buildHistory(plan, flippedIndex);
      t.is(checkHistory(history).ok, true, 'the isolated history is still correct');

      const original = history.operations[flippedIndex]!;
      if (original.complete === null) throw new Error('isolatable operations are answered');
      const flipped: Operation = { ...original, result: !original.result };
      const operations = history.operations.map((op) => (op === original ? flipped : op));

      const verdict = checkHistory({ operations });
      if (verdict.ok !== false) return t.fail(`not rejected after flipping ${describeOperation(flipped)}`);
      t.is(verdict.lock, flipped.lock);
      t.true(verdict.counterexample.includes(flipped), verdict.explanation);
      // The counterexample is a contradiction on its own.
      t.is(checkHistory({ operations: verdict.counterexample }).ok, false);
    }),
    { numRuns: 300 },
  );
});
