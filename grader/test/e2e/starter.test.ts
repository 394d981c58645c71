// The starter compiles, scores 0, and fails fast: by wrong answers, never by waiting out a timeout.
import test from 'ava';
import { gradeLab1, runsOf } from '../support/grading.ts';

test('the starter type-checks and scores 0 on every test', async (t) => {
  const outcome = await gradeLab1('starter', { typecheck: true });
  t.is(outcome.kind, 'graded', 'the starter must compile');
  t.is(outcome.summary.points, 0);
  for (const run of runsOf(outcome)) {
    t.false(run.passed, `${run.test} must fail on the starter`);
    t.regex(run.message ?? '', /returned false, expected true|results are impossible/, `${run.test} fails by a wrong answer: ${run.message}`);
    // "Fast" in virtual time: no operation waited for the 10 s limit.
    t.true(run.virtualMs < 10_000, `${run.test} took ${run.virtualMs} virtual ms`);
  }
});
