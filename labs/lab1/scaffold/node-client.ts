// The entry of a client host (trusted scaffold; students do not edit it): it runs the
// student's Clerk, one operation at a time, when the grader asks for one.
import { startNode } from 'locklab/runtime/bootstrap';
import { Clerk } from './lockservice/client.ts';

let clerk: Clerk | undefined;

function theClerk(): Clerk {
  if (!clerk) throw new Error('the Clerk was used before init');
  return clerk;
}

startNode({
  init(config) {
    clerk = new Clerk(config.primary as string, config.backup as string);
  },
  clientApi: {
    lock: (name: string) => theClerk().lock(name),
    unlock: (name: string) => theClerk().unlock(name),
  },
});
