// The client library (the Clerk). The grader runs one Clerk per client host and calls
// lock() and unlock() on it, one operation at a time.
import { call, type NodeId } from 'locklab/runtime';
import type { LockArgs, LockReply } from './common.ts';
import { CLERK_TIMEOUT_MS } from './common.ts';

export class Clerk {
  constructor(
    private readonly primary: NodeId,
    private readonly backup: NodeId,
  ) {}

  /** Takes the lock: true if it was free, false if someone holds it. */
  async lock(name: string): Promise<boolean> {
    const args: LockArgs = { name };
    const result = await call<LockReply>(this.primary, 'Lock', args, { timeoutMs: CLERK_TIMEOUT_MS });
    // TODO (Part A): if the primary is down, send to the backup instead, now and for every later
    // request. `result.error === 'unreachable'` (a refused connection) means the server has halted.
    // 'timeout' means no answer came: the server may have died after receiving the request, so
    // ask it again (it will then refuse); in part C, a message may also just have been lost.
    return result.ok ? result.reply.ok : false;
  }

  /** Frees the lock: true if it was held, false if it was free. */
  async unlock(name: string): Promise<boolean> {
    // TODO (Part A): like lock().
    return false;
  }
}
