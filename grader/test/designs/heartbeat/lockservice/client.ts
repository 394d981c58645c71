// heartbeat: a plain Clerk (sequence numbers, retry on timeout, fail over on unreachable).
import { call, me, type NodeId } from 'locklab/runtime';
import { CLIENT_TIMEOUT_MS, type OpReply, type OpRequest } from './common.ts';

export class Clerk {
  private seq = 0;
  private server: NodeId;

  constructor(primary: NodeId, private readonly backup: NodeId) {
    this.server = primary;
  }

  lock(name: string): Promise<boolean> {
    return this.call({ kind: 'lock', name, client: me(), seq: ++this.seq });
  }

  unlock(name: string): Promise<boolean> {
    return this.call({ kind: 'unlock', name, client: me(), seq: ++this.seq });
  }

  private async call(req: OpRequest): Promise<boolean> {
    for (;;) {
      const result = await call<OpReply>(this.server, 'Op', req, { timeoutMs: CLIENT_TIMEOUT_MS });
      if (result.ok) return result.reply.ok;
      if (result.error === 'unreachable') this.server = this.backup;
    }
  }
}
