/**
 * 2. Start-up cost of one node: from `new ProcessNode(...)` to the resolution of its first
 *    step (an `init` event), i.e. spawn + load the bundle + handle init + `idle`, on the real
 *    lab-1 server bundle; against a bare `node -e 0` spawn-to-exit on the same machine,
 *    spawned twice over: as ProcessNode spawns (clean environment, fd 3 pipe), the fair
 *    baseline, and with execa's defaults (the parent's environment, which may hold settings
 *    that slow every Node start, e.g. NODE_EXTRA_CA_CERTS loads a CA bundle).
 */
import { execa, type Options } from 'execa';
import { ProcessNode } from '../src/cluster/process-node.ts';
import type { PreparedImplementation } from '../src/cluster/prepare.ts';
import type { LabManifest } from '../src/lab/manifest.ts';
import { GRADER, type TimedEnvelope } from '../src/runtime/protocol.ts';
import { progress, sample, type Sample } from './stats.ts';

export interface SpawnFigures {
  runs: number;
  /** Construction of a ProcessNode to its first idle after init. */
  initMs: Sample;
  /** SIGKILL of that node to its exit being seen. */
  killMs: Sample;
  /** `node -e 0` spawned with execa as ProcessNode spawns (clean env, fd 3 pipe), to exit. */
  bareNodeMs: Sample;
  /** `node -e 0` spawned with execa's defaults (inherited environment), to exit. */
  bareNodeInheritedEnvMs: Sample;
  /** Variables of the parent's environment known to slow a Node start, if set. */
  slowEnv: string[];
  bundleBytes: number;
}

function initEvent(): TimedEnvelope {
  return {
    src: GRADER,
    dest: 'primary',
    now: 0,
    body: { type: 'init', msg_id: 1, node_id: 'primary', node_ids: ['primary', 'backup'], config: { role: 'primary', backup: 'backup' }, seed: 1 },
  };
}

export async function benchSpawn(lab: LabManifest, prepared: PreparedImplementation, runs: number, bundleBytes: number): Promise<SpawnFigures> {
  const bundle = prepared.bundles['server'];
  if (!bundle) throw new Error('bench: lab 1 has no "server" bundle');
  const init: number[] = [];
  const kill: number[] = [];
  const bare: number[] = [];
  const bareInherited: number[] = [];
  const timeBare = async (options: Options): Promise<number> => {
    const started = performance.now();
    const result = await execa(process.execPath, ['-e', '0'], { ...options, reject: false });
    const ms = performance.now() - started;
    if (result.exitCode !== 0) throw new Error(`bench: node -e 0 exited with ${result.exitCode}`);
    return ms;
  };
  // One warm-up of each (file cache, execa's first load), then the two alternate so drift hits both.
  for (let i = -1; i < runs; i++) {
    const started = performance.now();
    const node = new ProcessNode('primary', {
      bundle,
      stepWallMs: lab.limits.stepWallMs,
      startWallMs: lab.limits.startWallMs,
      heapMiB: lab.limits.heapMiB,
      outputBytes: lab.limits.outputBytes,
      cwd: prepared.workDir,
    });
    const outcome = await node.step(initEvent());
    const ready = performance.now();
    await node.kill();
    const gone = performance.now();
    if (outcome.kind !== 'idle') throw new Error(`bench: the lab-1 server did not start: ${JSON.stringify(outcome).slice(0, 300)}`);
    if (!outcome.outputs.some((e) => e.body.type === 'init_ok')) throw new Error('bench: the lab-1 server went idle without init_ok');

    // The same options as ProcessNode's spawnNode().
    const bareMs = await timeBare({
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      buffer: false,
      extendEnv: false,
      env: { LOCKLAB_NODE: 'bench', NODE_ENV: 'test' },
      cleanup: true,
    });
    const bareInheritedMs = await timeBare({});

    if (i < 0) continue;
    init.push(ready - started);
    kill.push(gone - ready);
    bare.push(bareMs);
    bareInherited.push(bareInheritedMs);
  }
  const slowEnv = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'NODE_V8_COVERAGE', 'NODE_DEBUG'].filter((v) => process.env[v]);
  progress(`node start-up: ${runs} runs each of the lab-1 server and of node -e 0 (two ways)`);
  return {
    runs,
    initMs: sample(init),
    killMs: sample(kill),
    bareNodeMs: sample(bare),
    bareNodeInheritedEnvMs: sample(bareInherited),
    slowEnv,
    bundleBytes,
  };
}
