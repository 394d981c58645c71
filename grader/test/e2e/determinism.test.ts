// The same seed gives the same run: byte-identical trace files; another seed, another run.
import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCKLAB_ROOT } from '../../src/cluster/prepare.ts';

const cli = path.join(LOCKLAB_ROOT, 'bin/locklab.js');

async function traceOf(test: string, seed: number): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-det-'));
  await execa(process.execPath, [cli, 'grade', 'lab1', '--impl', 'solutions', '--test', test, '--seed', String(seed), '--trace-dir', dir, '--no-typecheck'], {
    cwd: LOCKLAB_ROOT,
    env: { NO_COLOR: '1' },
  });
  return readFileSync(path.join(dir, `${test}-seed${seed}.json`), 'utf8');
}

for (const name of ['RandomKill', 'ConcurrentCounts']) {
  test(`${name}: the same seed twice gives byte-identical traces`, async (t) => {
    const [first, second] = [await traceOf(name, 7), await traceOf(name, 7)];
    t.is(first, second);
    const trace = JSON.parse(first);
    t.is(trace.format, 'locklab-trace');
    t.true(trace.events.some((e: { kind: string }) => e.kind === 'kill'), 'the run killed a server');
    t.not(await traceOf(name, 8), first, 'another seed gives another run');
  });
}
