import { defineTest } from '../../../grader/src/lab/manifest.ts';
import { lock, unlock } from './lock-steps.ts';

const SEMANTICS = 'Lock returns true iff the lock was free (and takes it); Unlock returns true iff it was held (and frees it)';

export const basic = defineTest({
  name: 'Basic',
  part: 'A',
  points: 8,
  description: 'lock/unlock semantics with no failures: double lock, unlock of a free lock, two clients',
  clients: 2,
  async run(t) {
    await lock(t, 'c1', 'a', true, SEMANTICS);
    await lock(t, 'c1', 'a', false, `a second Lock of a held lock must fail. ${SEMANTICS}`);
    await unlock(t, 'c1', 'a', true, SEMANTICS);
    await unlock(t, 'c1', 'a', false, `Unlock of a free lock must fail. ${SEMANTICS}`);
    await lock(t, 'c1', 'b', true, 'locks are independent of each other');
    await lock(t, 'c1', 'a', true, SEMANTICS);
    await lock(t, 'c2', 'a', false, 'another client holds "a"');
    await unlock(t, 'c2', 'a', true, 'any client may unlock a held lock');
    await lock(t, 'c2', 'a', true, SEMANTICS);
    await unlock(t, 'c1', 'b', true, SEMANTICS);
    await lock(t, 'c2', 'b', true, SEMANTICS);
  },
});
