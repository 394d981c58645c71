// batching: sequence-numbered requests; retry on timeout, fail over on unreachable.
import { call, me, type NodeId } from 'locklab/runtime';
import { CLERK_TIMEOUT_MS, type Operation, type Verdict } from './common.ts';

export class Clerk {
  private seq = 0;
  private target: NodeId;

  constructor(primary: NodeId, private readonly backup: NodeId) {
    this.target = primary;
  }

  lock(name: string): Promise<boolean> {
    return this.go({ type: 'lock', name, client: me(), seq: ++this.seq });
  }

  unlock(name: string): Promise<boolean> {
    return this.go({ type: 'unlock', name, client: me(), seq: ++this.seq });
  }

  private async go(op: Operation): Promise<boolean> {
    for (;;) {
      const r = await call<Verdict>(this.target, 'Operation', op, { timeoutMs: CLERK_TIMEOUT_MS });
      if (r.ok) return r.reply.ok;
      if (r.error === 'unreachable') this.target = this.backup;
    }
  }
}
