/**
 * docs/protocol.md's worked example says it shows the real lines of a run: run it (the reference,
 * seed 1, c1 locks "a", the primary is killed, c1 unlocks "a") and compare, line for line, what
 * the grader wrote to each node and what each node wrote back.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { LOCKLAB_ROOT, prepareImplementation } from '../../src/cluster/prepare.ts';
import { ProcessNode, nodeLimits } from '../../src/cluster/process-node.ts';
import { loadLab } from '../../src/lab/load.ts';
import { Scenario } from '../../src/lab/scenario.ts';
import type { SimNode } from '../../src/sim/sim-node.ts';
import { Simulation } from '../../src/sim/simulation.ts';

const MARKER = '<!-- checked by grader/test/docs/protocol-example.test.ts -->\n```\n';

/** The example's channel lines (`->` and `<-`), without its comments. */
function documented(): string[] {
  const text = readFileSync(path.join(LOCKLAB_ROOT, 'docs/protocol.md'), 'utf8');
  const start = text.indexOf(MARKER);
  if (start < 0) throw new Error('docs/protocol.md has no checked worked example');
  const body = text.slice(start + MARKER.length, text.indexOf('\n```', start + MARKER.length));
  return body.split('\n').filter((l) => l.startsWith('-> ') || l.startsWith('<- '));
}

test("docs/protocol.md's worked example is what the reference writes and reads", async (t) => {
  const lab = await loadLab('lab1');
  const manifest = lab.manifest;
  const prepared = await prepareImplementation(manifest, lab.dir, path.join(LOCKLAB_ROOT, 'solutions'), { typecheck: false });
  t.teardown(() => prepared.dispose());
  const lines: string[] = [];
  // Each node as a real process, its steps written down as the example shows them (init steps left out).
  const factory = (id: string, role: string): SimNode => {
    const node = new ProcessNode(id, { bundle: prepared.bundles[role]!, ...nodeLimits(manifest.limits), cwd: prepared.workDir });
    const show = (arrow: string, value: unknown) => lines.push(`${arrow} ${id.padEnd(8)} ${JSON.stringify(value)}`);
    return {
      id,
      get misbehaviour() {
        return node.misbehaviour;
      },
      rawOutputTail: (n) => node.rawOutputTail(n),
      kill: () => node.kill(),
      async step(event) {
        const outcome = await node.step(event);
        if (event.body.type !== 'init') {
          show('->', event);
          for (const output of outcome.outputs) show('<-', output);
          if (outcome.kind === 'idle') show('<-', { src: id, dest: 'grader', body: { type: 'idle' } });
        }
        return outcome;
      },
    };
  };
  const sim = new Simulation({ seed: 1, nodes: manifest.topology(1), factory, network: manifest.network, limits: { maxEvents: manifest.limits.maxEvents } });
  const scenario = new Scenario(sim, 1, ['c1'], manifest.limits.opTimeoutMs);
  try {
    await sim.start();
    t.is(await scenario.run('c1', 'lock', 'a'), true);
    await scenario.kill('primary');
    t.is(await scenario.run('c1', 'unlock', 'a'), true);
  } finally {
    await sim.shutdown();
  }
  t.deepEqual(lines, documented());
});
