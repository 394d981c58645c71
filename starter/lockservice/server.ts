// The lock server. The grader starts two: a primary and a backup.
import { call, handle, type NodeId } from 'locklab/runtime';
import type { LockArgs, LockReply } from './common.ts';
import { FORWARD_TIMEOUT_MS } from './common.ts';

export type Role = 'primary' | 'backup';

export class LockServer {
  /** Names of the locks that are held (a lock not in the set is free). */
  private readonly held = new Set<string>();

  /**
   * @param role    whether this server is the primary or the backup
   * @param backup  the backup's address, on the primary; null on the backup
   */
  constructor(
    private readonly role: Role,
    private readonly backup: NodeId | null,
  ) {
    // Each handler's return value is the reply the caller gets.
    handle('Lock', (args: LockArgs) => this.lock(args));
    handle('Unlock', (args: LockArgs) => this.unlock(args));
  }

  /** Lock(name): true if the lock was free (take it), false if it was already held. */
  private async lock(args: LockArgs): Promise<LockReply> {
    // TODO (Part A): take the lock if it is free, then, on the primary, forward the operation
    // to the backup and wait for its answer before replying. See the handout.
    return { ok: false };
  }

  /** Unlock(name): true if the lock was held (free it), false if it was already free. */
  private async unlock(args: LockArgs): Promise<LockReply> {
    // TODO (Part A): like lock().
    // TODO (Part B): a re-sent request must get the answer the first copy got, without running again.
    return { ok: false };
  }
}

