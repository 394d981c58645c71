// seq-numbers: the Clerk numbers its requests; a re-send keeps the number. A timeout means
// "ask the same server again"; only `unreachable` from the primary means it halted.
import { call, me, sleep, type NodeId } from 'locklab/runtime';
import { CLERK_TIMEOUT_MS, type Answer, type Op, type Request } from './common.ts';

export class Clerk {
  private seq = 0;
  private primaryDead = false;

  constructor(private readonly primary: NodeId, private readonly backup: NodeId) {}

  lock(name: string): Promise<boolean> {
    return this.run('lock', name);
  }

  unlock(name: string): Promise<boolean> {
    return this.run('unlock', name);
  }

  private async run(op: Op, name: string): Promise<boolean> {
    const req: Request = { op, name, client: me(), seq: ++this.seq };
    for (;;) {
      const server = this.primaryDead ? this.backup : this.primary;
      const result = await call<Answer>(server, 'Request', req, { timeoutMs: CLERK_TIMEOUT_MS });
      if (result.ok) return result.reply.ok;
      if (result.error === 'unreachable' && server === this.primary) this.primaryDead = true;
      else if (result.error !== 'timeout') await sleep(50); // cannot happen under single fail-stop
    }
  }
}
