// The reference solution earns full marks on every graded test, on 20 seeds each.
import test from 'ava';
import { gradeLab1, liveNodes, runsOf } from '../support/grading.ts';

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

test('the reference passes every graded test on seeds 1..20', async (t) => {
  const outcome = await gradeLab1('solutions', { seeds: SEEDS, typecheck: true });
  const failures = runsOf(outcome)
    .filter((r) => !r.passed)
    .map((r) => `${r.test} seed ${r.seed}: ${r.message}`);
  t.deepEqual(failures, []);
  t.is(outcome.summary.points, outcome.summary.maxPoints);
  // The tests students get, and the hidden ones (labs/lab1/hidden/) on top.
  t.is(outcome.summary.tests.filter((x) => !x.hidden).reduce((a, x) => a + x.maxPoints, 0), 160);
  t.is(outcome.summary.maxPoints, 170);
  t.is(liveNodes(), 0);
});
