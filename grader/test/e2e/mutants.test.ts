// Every graded test bites: each known-buggy implementation loses exactly the tests it
// should, and every graded test is lost by at least one of them.
import test from 'ava';
import { loadLab } from '../../src/lab/load.ts';
import { MUTANTS, MUTANT_SEEDS, materialize } from '../support/mutants.ts';
import { failedTests, gradeLab1, liveNodes } from '../support/grading.ts';

for (const mutant of MUTANTS) {
  test.serial(`mutant ${mutant.name} (${mutant.bug}) loses exactly its tests`, async (t) => {
    const outcome = await gradeLab1(materialize(mutant), { seeds: MUTANT_SEEDS });
    t.is(outcome.kind, 'graded');
    t.deepEqual(failedTests(outcome), mutant.loses);
    t.is(liveNodes(), 0, 'no node process outlives its run');
  });
}

test('every graded test of lab 1 is lost by some mutant', async (t) => {
  const lab = await loadLab('lab1');
  const caught = new Set(MUTANTS.flatMap((m) => m.loses));
  t.deepEqual(
    lab.manifest.tests.map((x) => x.name).filter((name) => !caught.has(name)),
    [],
  );
});
