// Every graded test bites, and only the wrong: each known-buggy variant of the reference loses
// at least the tests its bug breaks and passes those it cannot break; each harmless variant
// (a correct design that does things differently) loses nothing; and every graded test is lost
// by at least one buggy variant.
import test from 'ava';
import { loadLab } from '../../src/lab/load.ts';
import { MUTANTS, MUTANT_SEEDS, materialize, mustPass } from '../support/mutants.ts';
import { failedTests, gradeLab1, liveNodes } from '../support/grading.ts';

for (const mutant of MUTANTS) {
  const harmless = mutant.losesAtLeast.length === 0;
  test.serial(`${harmless ? 'harmless variant' : 'mutant'} ${mutant.name} (${mutant.bug}) loses ${harmless ? 'nothing' : 'its tests'}`, async (t) => {
    const lab = await loadLab('lab1');
    const names = lab.manifest.tests.map((x) => x.name);
    const mustKeep = mustPass(mutant, names);
    for (const name of [...mutant.losesAtLeast, ...mustKeep]) t.true(names.includes(name), `${name} is a graded test of lab 1`);
    // Only the listed tests are graded, and a test it must pass on one seed: a variant that loses
    // a test on seed 1 is wrong whatever it does on seed 2, and the reference and the designs
    // cover many seeds. (What the lists say nothing of costs time and proves nothing.)
    const implementation = materialize(mutant);
    const lost: string[] = [];
    for (const [tests, seeds] of [[mutant.losesAtLeast, MUTANT_SEEDS], [mustKeep, MUTANT_SEEDS.slice(0, 1)]] as const) {
      if (tests.length === 0) continue;
      const outcome = await gradeLab1(implementation, { seeds: [...seeds], tests: [...tests] });
      t.is(outcome.kind, 'graded');
      lost.push(...failedTests(outcome));
    }
    t.deepEqual(mutant.losesAtLeast.filter((name) => !lost.includes(name)), [], 'tests it must lose but passed');
    t.deepEqual(mustKeep.filter((name) => lost.includes(name)), [], 'tests it must pass but lost');
    t.log(`lost: ${lost.join(', ') || 'nothing'}`);
    t.is(liveNodes(), 0, 'no node process outlives its run');
  });
}

test('every graded test of lab 1 is lost by some mutant', async (t) => {
  const lab = await loadLab('lab1');
  const caught = new Set(MUTANTS.flatMap((m) => m.losesAtLeast));
  t.deepEqual(
    lab.manifest.tests.map((x) => x.name).filter((name) => !caught.has(name)),
    [],
  );
});
