/**
 * Lab 1: a primary/backup lock service under the single fail-stop failure model.
 * The manifest is validated when the grader loads it (grader/src/lab/manifest.ts).
 */
import { defineLab } from '../../grader/src/lab/manifest.ts';
import type { NodeSpec } from '../../grader/src/sim/simulation.ts';
import { primaryFail2, primaryFail3, primaryFail4, primaryFail5, primaryFail6, primaryFail7, primaryFail8, primaryFail9 } from './tests/at-most-once.ts';
import { basic } from './tests/basic.ts';
import { clientFail, clientFailMidOp, randomClientFail } from './tests/client-failure.ts';
import { backupFail, primaryFail1, primaryFailAfterReply } from './tests/failover.ts';
import { concurrentCounts, many } from './tests/many.ts';
import { duplicateDuringForward } from './tests/duplicate-during-forward.ts';
import { lossyBackupFail, lossyNoFailure, lossyPrimaryFail } from './tests/lossy-network.ts';
import { manyClients } from './tests/many-clients.ts';
import { randomKill } from './tests/random-kill.ts';

/** Two servers and `clients` client hosts, c1..cN, each running one Clerk. */
function topology(clients: number): NodeSpec[] {
  const servers: NodeSpec[] = [
    { id: 'primary', role: 'server', config: { role: 'primary', backup: 'backup' } },
    { id: 'backup', role: 'server', config: { role: 'backup', backup: null } },
  ];
  const hosts = Array.from({ length: clients }, (_, i): NodeSpec => ({
    id: `c${i + 1}`,
    role: 'client',
    config: { primary: 'primary', backup: 'backup' },
  }));
  return [...servers, ...hosts];
}

export default defineLab({
  id: 'lab1',
  title: 'Primary/backup lock service',
  parts: [
    { id: 'A', title: 'Replication and fail-over under fail-stop' },
    { id: 'B', title: 'At-most-once under failure midway through an operation' },
    { id: 'C', title: 'Challenge: links that lose, duplicate and reorder messages' },
  ],
  studentFiles: ['lockservice/server.ts', 'lockservice/client.ts', 'lockservice/common.ts'],
  scaffold: 'scaffold',
  roles: { server: 'node-server.ts', client: 'node-client.ts' },
  // Clients call servers, servers call servers; a server never calls a client host. Answers
  // to requests are always allowed; anything else to a client host is refused as unreachable.
  calls: { client: ['server'], server: ['server'] },
  clientRoles: ['client'],
  topology,
  failureModel: 'single fail-stop: one server halts (SIGKILL); no network failures, no restarts (part C: flaky links)',
  seeds: 1,
  network: { latencyMs: { min: 1, max: 10 } },
  // A lab 1 run takes a few hundred events; tens of thousands mean a livelock.
  limits: { maxEvents: 20_000 },
  // Every run, whatever its script, must be linearizable, never give a lock two holders,
  // and finish each operation within 10 virtual seconds of the last failure.
  checks: { checker: 'lock-linearizability', invariants: ['never-two-holders'], livenessMs: 10_000 },
  tests: [
    basic,
    primaryFail1,
    primaryFailAfterReply,
    backupFail,
    many,
    concurrentCounts,
    clientFail,
    primaryFail2,
    primaryFail3,
    primaryFail4,
    primaryFail5,
    primaryFail6,
    primaryFail7,
    primaryFail8,
    primaryFail9,
    manyClients,
    duplicateDuringForward,
    randomKill,
    clientFailMidOp,
    randomClientFail,
    lossyNoFailure,
    lossyPrimaryFail,
    lossyBackupFail,
  ],
});
