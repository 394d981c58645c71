// same-rpc: numbered requests; retry on timeout, fail over on unreachable.
import { call, me, type NodeId } from 'locklab/runtime';
import { CLERK_TIMEOUT_MS, type LockArgs, type LockReply } from './common.ts';

export class Clerk {
  private n = 0;
  private primaryDown = false;

  constructor(private readonly primary: NodeId, private readonly backup: NodeId) {}

  lock(name: string): Promise<boolean> {
    return this.rpc('Lock', name);
  }

  unlock(name: string): Promise<boolean> {
    return this.rpc('Unlock', name);
  }

  private async rpc(method: 'Lock' | 'Unlock', name: string): Promise<boolean> {
    const args: LockArgs = { name, client: me(), n: ++this.n };
    for (;;) {
      const server = this.primaryDown ? this.backup : this.primary;
      const r = await call<LockReply>(server, method, args, { timeoutMs: CLERK_TIMEOUT_MS });
      if (r.ok) return r.reply.ok;
      if (r.error === 'unreachable' && server === this.primary) this.primaryDown = true;
    }
  }
}
