import test from 'ava';
import { checkHistory, describeOperation, type CheckResult, type History } from '../../src/check/index.ts';
import { history, op } from './notation.ts';

function rejection(result: CheckResult): Extract<CheckResult, { ok: false }> {
  if (result.ok !== false) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result;
}

/** The counterexample in the printed notation, for readable assertions. */
function counterexampleOf(h: History): string[] {
  return rejection(checkHistory(h)).counterexample.map(describeOperation);
}

test('describeOperation prints completed and indeterminate operations', (t) => {
  t.is(describeOperation(op('c1 lock("a") -> true [10, 14]')), 'c1 lock("a") -> true [10, 14]');
  t.is(describeOperation(op('c2 unlock("a") -> false [3, 3]')), 'c2 unlock("a") -> false [3, 3]');
  t.is(describeOperation(op('c1 lock("a") -> ? [10, ...]')), 'c1 lock("a") -> ? [10, ...]');
});

test('an empty history is linearizable', (t) => {
  t.deepEqual(checkHistory({ operations: [] }), { ok: true, locks: 0, operations: 0 });
});

test('a sequential correct history is linearizable', (t) => {
  const h = history(
    'c1 lock("a") -> true [0, 1]',
    'c2 lock("a") -> false [2, 3]',
    'c2 unlock("a") -> true [4, 5]',
    'c1 unlock("a") -> false [6, 7]',
    'c1 lock("b") -> true [8, 9]',
    'c2 lock("a") -> true [10, 11]',
  );
  t.deepEqual(checkHistory(h), { ok: true, locks: 2, operations: 6 });
});

test('overlapping operations may take effect in another order than they were invoked', (t) => {
  // c2's lock is invoked first but must take effect after c1's unlock.
  const h = history(
    'c1 lock("a") -> true [0, 1]',
    'c2 lock("a") -> true [10, 20]',
    'c1 unlock("a") -> true [12, 15]',
  );
  t.is(checkHistory(h).ok, true);
});

test('two overlapping successful locks are not linearizable', (t) => {
  const result = rejection(
    checkHistory(history('c1 lock("a") -> true [10, 14]', 'c2 lock("a") -> true [12, 20]')),
  );
  t.is(result.lock, 'a');
  t.deepEqual(result.counterexample.map(describeOperation), [
    'c1 lock("a") -> true [10, 14]',
    'c2 lock("a") -> true [12, 20]',
  ]);
  t.is(
    result.explanation,
    'Clients c1 and c2 both got true from lock("a") (c1 during [10, 14] ms, c2 during [12, 20] ms) ' +
      'with no successful unlock("a") that could fall between them: two clients held lock "a" at once.',
  );
});

test('an indeterminate lock that must have taken effect explains a later false', (t) => {
  const h = history(
    'c1 lock("a") -> ? [0, ...]',
    'c2 lock("a") -> false [5, 6]',
    'c2 unlock("a") -> true [7, 8]',
    'c2 lock("a") -> true [9, 10]',
  );
  t.is(checkHistory(h).ok, true);
});

test('an indeterminate lock that must not have taken effect (yet) is fine', (t) => {
  // Had it taken effect before 9, c2 or c3 could not have locked "a".
  const h = history(
    'c1 lock("a") -> ? [0, ...]',
    'c2 lock("a") -> true [5, 6]',
    'c2 unlock("a") -> true [7, 8]',
    'c3 lock("a") -> true [9, 10]',
  );
  t.is(checkHistory(h).ok, true);
});

test('an indeterminate operation cannot take effect before it was invoked', (t) => {
  const h = history('c2 lock("a") -> false [0, 1]', 'c1 lock("a") -> ? [5, ...]');
  t.deepEqual(counterexampleOf(h), ['c2 lock("a") -> false [0, 1]']);
});

test('an indeterminate operation that never completes can be ignored', (t) => {
  const h = history(
    'c1 lock("a") -> true [0, 1]',
    'c2 unlock("a") -> ? [2, ...]',
    'c1 lock("a") -> false [5, 6]',
    'c1 unlock("a") -> true [7, 8]',
    'c3 unlock("a") -> false [9, 10]',
  );
  t.is(checkHistory(h).ok, true);
});

test('an indeterminate operation takes effect at most once', (t) => {
  // One lost lock can explain one false, but not a false after an unlock.
  const h = history(
    'c1 lock("a") -> ? [0, ...]',
    'c2 lock("a") -> false [5, 6]',
    'c2 unlock("a") -> true [7, 8]',
    'c3 lock("a") -> false [9, 10]',
  );
  const result = rejection(checkHistory(h));
  // c2's unlock needs the lost lock to have taken effect; then nothing held "a" for c3.
  t.deepEqual(result.counterexample.map(describeOperation), [
    'c1 lock("a") -> ? [0, ...]',
    'c2 unlock("a") -> true [7, 8]',
    'c3 lock("a") -> false [9, 10]',
  ]);
  t.is(
    result.explanation,
    'These 3 operations on lock "a" cannot be put in any order that the lock specification allows ' +
      '(an operation shown with ? may or may not have taken effect, at any time after it was invoked): ' +
      'c1 lock("a") -> ? [0, ...]; c2 unlock("a") -> true [7, 8]; c3 lock("a") -> false [9, 10].',
  );
});

test('an unlock returning true on a never-locked lock is not linearizable', (t) => {
  const result = rejection(checkHistory(history('c1 lock("b") -> true [0, 1]', 'c3 unlock("a") -> true [2, 4]')));
  t.is(result.lock, 'a');
  t.deepEqual(result.counterexample.map(describeOperation), ['c3 unlock("a") -> true [2, 4]']);
  t.is(
    result.explanation,
    'c3\'s unlock("a") returned true during [2, 4] ms, but lock "a" was free then (nobody had locked it).',
  );
});

test('an unlock returning false on a held lock is explained', (t) => {
  const result = rejection(
    checkHistory(history('c1 lock("a") -> true [10, 14]', 'c2 lock("a") -> false [16, 18]', 'c3 unlock("a") -> false [30, 35]')),
  );
  t.deepEqual(result.counterexample.map(describeOperation), [
    'c1 lock("a") -> true [10, 14]',
    'c3 unlock("a") -> false [30, 35]',
  ]);
  t.is(
    result.explanation,
    'c3\'s unlock("a") returned false during [30, 35] ms, but lock "a" was held then ' +
      '(c1 locked it at [10, 14] ms and nobody unlocked it).',
  );
});

test('a lock returning false on a free lock is explained', (t) => {
  const result = rejection(
    checkHistory(
      history(
        'c1 lock("a") -> true [0, 1]',
        'c1 unlock("a") -> true [2, 3]',
        'c2 lock("a") -> true [4, 5]',
        'c2 unlock("a") -> true [6, 7]',
        'c3 lock("a") -> false [8, 9]',
      ),
    ),
  );
  t.deepEqual(result.counterexample.map(describeOperation), ['c3 lock("a") -> false [8, 9]']);
  t.is(
    result.explanation,
    'c3\'s lock("a") returned false during [8, 9] ms, but lock "a" was free then ' +
      '(every earlier successful lock("a") had been undone by a successful unlock("a")).',
  );
});

test('a second successful unlock is explained with the lock and unlock before it', (t) => {
  const result = rejection(
    checkHistory(
      history(
        'c1 lock("a") -> true [0, 1]',
        'c1 unlock("a") -> true [2, 3]',
        'c2 lock("a") -> true [4, 5]',
        'c2 unlock("a") -> true [6, 7]',
        'c3 unlock("a") -> true [6, 12]',
      ),
    ),
  );
  t.deepEqual(result.counterexample.map(describeOperation), [
    'c2 lock("a") -> true [4, 5]',
    'c2 unlock("a") -> true [6, 7]',
    'c3 unlock("a") -> true [6, 12]',
  ]);
  t.is(
    result.explanation,
    'Clients c2 and c3 both got true from unlock("a") (c2 during [6, 7] ms, c3 during [6, 12] ms) ' +
      'with no successful lock("a") that could fall between them: lock "a" was released twice after c2 locked it at [4, 5] ms.',
  );
});

test('the minimal counterexample of a long history is short', (t) => {
  const lines: string[] = [];
  for (let round = 0; round < 200; round++) {
    const at = round * 10;
    lines.push(`c${round % 5} lock("a") -> true [${at}, ${at + 2}]`, `c${round % 5} unlock("a") -> true [${at + 4}, ${at + 6}]`);
  }
  lines.push('c1 lock("a") -> true [2000, 2002]', 'c2 lock("a") -> true [2001, 2010]');
  t.deepEqual(counterexampleOf(history(...lines)), ['c1 lock("a") -> true [2000, 2002]', 'c2 lock("a") -> true [2001, 2010]']);
});

test('equal completion and invocation times count as concurrent', (t) => {
  // c2's lock completes at 15 and c1's unlock is invoked at 15: the unlock may go first.
  const tie = history('c1 lock("a") -> true [0, 1]', 'c2 lock("a") -> true [10, 15]', 'c1 unlock("a") -> true [15, 20]');
  t.is(checkHistory(tie).ok, true);
  const after = history('c1 lock("a") -> true [0, 1]', 'c2 lock("a") -> true [10, 15]', 'c1 unlock("a") -> true [16, 20]');
  t.is(checkHistory(after).ok, false);
});

test('an instantaneous operation is ordered by its single instant', (t) => {
  t.is(checkHistory(history('c1 lock("a") -> true [5, 5]', 'c2 lock("a") -> false [5, 5]')).ok, true);
  t.is(checkHistory(history('c1 lock("a") -> true [5, 5]', 'c2 lock("a") -> true [6, 6]')).ok, false);
});

test('locks are checked independently and the bad one is named', (t) => {
  const h = history(
    'c1 lock("a") -> true [0, 1]',
    'c2 lock("b") -> true [0, 1]',
    'c3 lock("c") -> true [0, 2]',
    'c2 lock("b") -> false [2, 3]',
    'c1 lock("c") -> true [3, 4]',
    'c3 unlock("a") -> true [5, 6]',
  );
  const result = rejection(checkHistory(h));
  t.is(result.lock, 'c');
  t.true(result.counterexample.every((operation) => operation.lock === 'c'));
  t.is(result.counterexample.length, 2);
});

test('with several bad locks, the one whose contradiction shows first is reported', (t) => {
  const h = history(
    'c1 lock("late") -> true [0, 1]',
    'c2 lock("late") -> true [20, 21]',
    'c1 unlock("early") -> true [5, 6]',
  );
  t.is(rejection(checkHistory(h)).lock, 'early');
});

test('the counterexample keeps the ids and objects of the history', (t) => {
  const h: History = {
    operations: [
      { client: 'c1', op: 'lock', lock: 'a', invoke: 0, complete: 1, result: true, id: 'first' },
      { client: 'c2', op: 'lock', lock: 'a', invoke: 2, complete: 3, result: true, id: 2 },
    ],
  };
  const result = rejection(checkHistory(h));
  t.is(result.counterexample[0], h.operations[0]);
  t.is(result.counterexample[1], h.operations[1]);
});

test('gives up with "unknown" when the budget runs out', (t) => {
  // Three configurations are not enough to get through twelve operations.
  const lines = Array.from({ length: 10 }, (_, client) => `c${client} unlock("a") -> false [0, 100]`);
  lines.push('c0 lock("a") -> true [0, 100]', 'c1 lock("a") -> true [101, 102]');
  const result = checkHistory(history(...lines), { maxStatesPerLock: 3 });
  t.is(result.ok, 'unknown');
  if (result.ok === 'unknown') {
    t.is(result.lock, 'a');
    t.regex(result.explanation, /^Gave up on lock "a" \(12 operations\)/);
  }
  t.is(checkHistory(history(...lines)).ok, false);
});

test('rejects a nonsensical budget', (t) => {
  t.throws(() => checkHistory({ operations: [] }, { maxStatesPerLock: 0 }), { instanceOf: RangeError });
});
