// state-transfer: a Clerk with sequence numbers; retry on timeout, fail over on unreachable.
import { call, me, type NodeId } from 'locklab/runtime';
import { CLERK_TIMEOUT_MS, type Command, type Outcome } from './common.ts';

export class Clerk {
  private seq = 0;
  private failedOver = false;

  constructor(private readonly primary: NodeId, private readonly backup: NodeId) {}

  lock(lockName: string): Promise<boolean> {
    return this.issue({ what: 'lock', lockName, client: me(), seq: ++this.seq });
  }

  unlock(lockName: string): Promise<boolean> {
    return this.issue({ what: 'unlock', lockName, client: me(), seq: ++this.seq });
  }

  private async issue(cmd: Command): Promise<boolean> {
    for (;;) {
      const server = this.failedOver ? this.backup : this.primary;
      const r = await call<Outcome>(server, 'Command', cmd, { timeoutMs: CLERK_TIMEOUT_MS });
      if (r.ok) return r.reply.ok;
      if (r.error === 'unreachable') this.failedOver = true;
    }
  }
}
