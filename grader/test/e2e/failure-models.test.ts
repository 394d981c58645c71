// Failure models end to end, on real processes: the reference under each model it is built
// for, verdicts (not grader errors) under those it is not, replay by seed under every model,
// and durable storage across a crash and restart.
import test from 'ava';
import { loadLab } from '../../src/lab/load.ts';
import { defineTest } from '../../src/lab/manifest.ts';
import { NAMED_MODELS, resolveFailureModel } from '../../src/faults/failure-model.ts';
import type { TraceEvent } from '../../src/net/trace.ts';
import { grade } from '../../src/score/grade.ts';
import { gradeLab1, liveNodes, orphanNodes, referenceWith, runsOf } from '../support/grading.ts';

const PART_C = ['LossyNetwork', 'LossyPrimaryFail', 'LossyBackupFail'];

async function underModel(name: string, seeds: number[], impl = 'solutions') {
  const lab = await loadLab('lab1');
  return grade({
    lab,
    impl,
    tests: lab.manifest.tests.filter((t) => PART_C.includes(t.name)),
    seeds,
    jobs: 2,
    typecheck: false,
    faults: resolveFailureModel(name),
  });
}

for (const name of ['lossy', 'flaky', 'partitions', 'pauses', 'client-failures']) {
  test.serial(`the reference passes part C under "${name}" on seeds 1..3`, async (t) => {
    const runs = runsOf(await underModel(name, [1, 2, 3]));
    t.deepEqual(runs.filter((r) => !r.passed).map((r) => `${r.test} seed ${r.seed}: ${r.message}`), []);
    const kinds = new Set(runs.flatMap((r) => r.trace.events.map((e) => (e.kind === 'fault' ? e.fault : e.kind))));
    if (name === 'partitions') t.true(kinds.has('partition') && kinds.has('heal'));
    if (name === 'pauses') t.true(kinds.has('pause') && kinds.has('resume'));
    if (name === 'flaky') t.true(kinds.has('duplicate') && kinds.has('drop'));
    if (name === 'client-failures') {
      const isClient = (id: string | undefined) => /^c\d$/.test(id ?? '');
      const hitClient = (e: TraceEvent) => (e.kind === 'kill' && isClient(e.node)) || (e.kind === 'fault' && e.fault === 'pause' && isClient(e.nodes[0]));
      t.true(runs.some((r) => r.trace.events.some(hitClient)), 'the nemesis killed or paused a client host');
    }
    t.is(liveNodes(), 0);
  });
}

test.serial('under "chaos" and "crash-restart" (lab 1 keeps no durable state) runs end in verdicts, not errors', async (t) => {
  for (const name of ['chaos', 'crash-restart']) {
    const runs = runsOf(await underModel(name, [1, 2]));
    for (const run of runs) {
      if (!run.passed) t.notRegex(run.message ?? '', /internal error/, `${name}: ${run.message}`);
    }
    // A short run may end before the nemesis' first fault; most do not.
    t.true(runs.some((run) => run.trace.events.some((e) => e.kind === 'fault' && e.fault === 'restart')), `${name} restarted a node`);
  }
  t.deepEqual(orphanNodes(), []);
});

test.serial('every named model replays exactly from its seed', async (t) => {
  for (const name of Object.keys(NAMED_MODELS)) {
    const [first, second] = [runsOf(await underModel(name, [5])), runsOf(await underModel(name, [5]))];
    t.deepEqual(
      second.map((r) => JSON.stringify(r.trace)),
      first.map((r) => JSON.stringify(r.trace)),
      name,
    );
  }
});

test.serial("durable storage survives a crash and restart; memory does not", async (t) => {
  const impl = referenceWith('durable', 'lockservice/server.ts', (s) =>
    s
      .replace("import { call, handle, type NodeId } from 'locklab/runtime';", "import { call, handle, readState, writeState, type NodeId } from 'locklab/runtime';")
      .replace(
        "this.backupAlive = role === 'primary' && backup !== null;",
        "this.backupAlive = role === 'primary' && backup !== null;\n    const boots = (readState<number>('boots') ?? 0) + 1;\n    writeState('boots', boots);\n    console.log(`boot ${boots}, held ${this.held.size}`);",
      ),
  );
  const restartBackup = defineTest({
    name: 'RestartBackup',
    part: 'A',
    points: 1,
    description: 'the backup crashes and restarts twice',
    clients: 1,
    async run(t) {
      await t.run('c1', 'lock', 'a');
      await t.restart('backup');
      await t.restart('backup');
    },
  });
  const lab = await loadLab('lab1');
  const outcome = await grade({ lab, impl, tests: [restartBackup], seeds: [1], jobs: 1, typecheck: false });
  const [run] = runsOf(outcome);
  const boots = run!.trace.events.filter((e) => e.kind === 'log' && e.node === 'backup').map((e) => (e.kind === 'log' ? e.text : ''));
  t.deepEqual(boots, ['boot 1, held 0', 'boot 2, held 0', 'boot 3, held 0']);
  t.deepEqual(
    run!.trace.events.filter((e) => e.kind === 'start' && e.node === 'backup').map((e) => (e.kind === 'start' ? (e.incarnation ?? 0) : -1)),
    [0, 1, 2],
  );
  t.is(liveNodes(), 0);
});

test.serial('a test that names a failure model runs under it; --faults replaces it', async (t) => {
  const flaky = runsOf(await gradeLab1('solutions', { tests: ['LossyNetwork'] }));
  t.true(flaky[0]!.trace.events.some((e) => e.kind === 'fault' && e.fault === 'links'));
  const replaced = runsOf(await underModel('fail-stop', [1]));
  t.false(replaced[0]!.trace.events.some((e) => e.kind === 'drop' || e.kind === 'duplicate'));
});
