// backup-decides: the Clerk counts its operations; re-sends keep the count.
import { call, me, type NodeId } from 'locklab/runtime';
import { ASK_TIMEOUT_MS, type Action, type Ask, type Told } from './common.ts';

export class Clerk {
  private count = 0;
  private usePrimary = true;

  constructor(private readonly primary: NodeId, private readonly backup: NodeId) {}

  lock(name: string): Promise<boolean> {
    return this.perform('lock', name);
  }

  unlock(name: string): Promise<boolean> {
    return this.perform('unlock', name);
  }

  private async perform(action: Action, lockName: string): Promise<boolean> {
    const ask: Ask = { action, lockName, who: me(), count: ++this.count };
    for (;;) {
      const server = this.usePrimary ? this.primary : this.backup;
      const result = await call<Told>(server, 'Ask', ask, { timeoutMs: ASK_TIMEOUT_MS });
      if (result.ok) return result.reply.ok;
      if (result.error === 'unreachable') this.usePrimary = false;
    }
  }
}
