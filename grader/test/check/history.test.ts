import test from 'ava';
import { parseHistory, parseHistoryText } from '../../src/check/index.ts';

const lockA = { client: 'c1', op: 'lock', lock: 'a', invoke: 0, complete: 4, result: true };

function errorOf(json: unknown): string {
  const parsed = parseHistory(json);
  if (parsed.ok) throw new Error('expected a parse error');
  return parsed.error;
}

test('accepts the documented format, with indeterminate operations and optional ids', (t) => {
  const parsed = parseHistory({
    operations: [
      { ...lockA, id: 'op-1' },
      { client: 'c2', op: 'unlock', lock: 'a', invoke: 2, complete: null, result: null, id: 7 },
    ],
  });
  t.deepEqual(parsed, {
    ok: true,
    history: {
      operations: [
        { ...lockA, id: 'op-1' },
        { client: 'c2', op: 'unlock', lock: 'a', invoke: 2, complete: null, result: null, id: 7 },
      ],
    },
  });
});

test('accepts an empty history and ignores fields it does not know', (t) => {
  t.deepEqual(parseHistory({ operations: [] }), { ok: true, history: { operations: [] } });
  t.deepEqual(parseHistory({ seed: 7, operations: [{ ...lockA, note: 'x' }] }), {
    ok: true,
    history: { operations: [lockA] },
  });
});

test('accepts an operation that completes at the instant it was invoked', (t) => {
  t.true(parseHistory({ operations: [{ ...lockA, invoke: 3, complete: 3 }] }).ok);
});

test('names the path and the problem', (t) => {
  t.is(
    errorOf({ operations: [lockA, lockA, lockA, { ...lockA, op: 'lok' }] }),
    'operations[3].op: expected "lock" or "unlock", got "lok".',
  );
  t.is(errorOf({ operations: [{ ...lockA, invoke: 5 }] }), 'operations[0].complete: must not be before invoke (5), got 4.');
  t.is(errorOf({ operations: [{ ...lockA, invoke: -1 }] }), 'operations[0].invoke: expected a time >= 0, got -1.');
  t.is(errorOf({ operations: [{ ...lockA, id: true }] }), 'operations[0].id: expected a string or a number, got true.');
});

test('lists every problem in one paragraph', (t) => {
  const { client: _client, ...withoutClient } = lockA;
  t.is(
    errorOf({ operations: [withoutClient, { ...lockA, invoke: '3', result: 'yes' }, 7] }),
    'operations[0].client: missing (expected a non-empty string); ' +
      'operations[1].invoke: expected a number of milliseconds, got "3"; ' +
      'operations[1].result: expected true, false, or null if the answer never came, got "yes"; ' +
      'operations[2]: expected an operation object, got 7.',
  );
});

test('summarises long lists of problems', (t) => {
  const error = errorOf({ operations: Array.from({ length: 15 }, () => ({ ...lockA, op: 'x' })) });
  t.true(error.endsWith('; and 5 more problems.'), error);
  t.false(error.includes('\n'));
});

test('a missing complete is an error, not an indeterminate operation', (t) => {
  const { complete: _complete, result: _result, ...unanswered } = lockA;
  t.is(
    errorOf({ operations: [unanswered] }),
    'operations[0].complete: missing (expected a number of milliseconds, or null if the answer never came); ' +
      'operations[0].result: missing (expected true, false, or null if the answer never came).',
  );
});

test('complete and result must be null together', (t) => {
  t.is(
    errorOf({ operations: [{ ...lockA, complete: null }] }),
    'operations[0]: complete is null but result is true; use null for both when the answer never came.',
  );
  t.is(
    errorOf({ operations: [{ ...lockA, result: null }] }),
    'operations[0]: result is null but complete is 4; use null for both when the answer never came.',
  );
});

test('rejects files that are not histories at all', (t) => {
  t.is(errorOf(5), 'history: expected an object with an "operations" array, got 5.');
  t.is(errorOf([]), 'history: expected an object with an "operations" array, got an array.');
  t.is(errorOf({}), 'operations: missing (expected an array of operations).');
  t.is(errorOf({ operations: {} }), 'operations: expected an array of operations, got an object.');
});

test('parseHistoryText reports broken JSON', (t) => {
  const parsed = parseHistoryText('{"operations": [');
  t.false(parsed.ok);
  if (!parsed.ok) t.regex(parsed.error, /^not valid JSON: /);
  t.true(parseHistoryText(JSON.stringify({ operations: [lockA] })).ok);
});
