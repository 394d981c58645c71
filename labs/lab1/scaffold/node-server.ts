// The entry of a lock server node (trusted scaffold; students do not edit it).
// `startNode` comes first so that the student's modules load with the simulation in place.
import { startNode } from 'locklab/runtime/bootstrap';
import type { NodeId } from 'locklab/runtime';
import { LockServer, type Role } from './lockservice/server.ts';

const servers: LockServer[] = [];

startNode({
  init(config) {
    servers.push(new LockServer(config.role as Role, (config.backup ?? null) as NodeId | null));
  },
});
