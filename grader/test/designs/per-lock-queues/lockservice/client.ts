// per-lock-queues: sequence-numbered requests; retry on timeout, fail over on unreachable.
import { call, me, type NodeId } from 'locklab/runtime';
import { CLERK_TIMEOUT_MS, type Rep, type Req } from './common.ts';

export class Clerk {
  private seq = 0;
  private primaryGone = false;

  constructor(private readonly primary: NodeId, private readonly backup: NodeId) {}

  lock(name: string): Promise<boolean> {
    return this.submit({ op: 'lock', name, cid: me(), seq: ++this.seq });
  }

  unlock(name: string): Promise<boolean> {
    return this.submit({ op: 'unlock', name, cid: me(), seq: ++this.seq });
  }

  private async submit(req: Req): Promise<boolean> {
    for (;;) {
      const to = this.primaryGone ? this.backup : this.primary;
      const r = await call<Rep>(to, 'Do', req, { timeoutMs: CLERK_TIMEOUT_MS });
      if (r.ok) return r.reply.ok;
      if (r.error === 'unreachable' && to === this.primary) this.primaryGone = true;
    }
  }
}
