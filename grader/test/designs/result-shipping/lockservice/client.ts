// result-shipping: sequence-numbered requests; retry on timeout, fail over on unreachable.
import { call, me, type NodeId } from 'locklab/runtime';
import { CLERK_TIMEOUT_MS, type Ask, type Reply } from './common.ts';

export class Clerk {
  private seq = 0;
  private onBackup = false;

  constructor(private readonly primary: NodeId, private readonly backup: NodeId) {}

  lock(name: string): Promise<boolean> {
    return this.ask({ op: 'lock', name, client: me(), seq: ++this.seq });
  }

  unlock(name: string): Promise<boolean> {
    return this.ask({ op: 'unlock', name, client: me(), seq: ++this.seq });
  }

  private async ask(a: Ask): Promise<boolean> {
    for (;;) {
      const r = await call<Reply>(this.onBackup ? this.backup : this.primary, 'Ask', a, { timeoutMs: CLERK_TIMEOUT_MS });
      if (r.ok) return r.reply.ok;
      if (r.error === 'unreachable') this.onBackup = true;
    }
  }
}
