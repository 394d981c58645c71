// random-ids: a fresh random id per operation, kept by every re-send.
import { call, random, type NodeId } from 'locklab/runtime';
import { CLERK_TIMEOUT_MS, type LockAnswer, type LockCall } from './common.ts';

function freshId(): string {
  const half = () => Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0');
  return half() + half();
}

export class Clerk {
  private target: NodeId;

  constructor(primary: NodeId, private readonly backup: NodeId) {
    this.target = primary;
  }

  lock(name: string): Promise<boolean> {
    return this.send('Lock', { id: freshId(), name });
  }

  unlock(name: string): Promise<boolean> {
    return this.send('Unlock', { id: freshId(), name });
  }

  private async send(kind: 'Lock' | 'Unlock', args: LockCall): Promise<boolean> {
    for (;;) {
      const result = await call<LockAnswer>(this.target, kind, args, { timeoutMs: CLERK_TIMEOUT_MS });
      if (result.ok) return result.reply.ok;
      // Only the primary can be found dead (at most one server halts): from then on, the backup.
      if (result.error === 'unreachable') this.target = this.backup;
    }
  }
}
