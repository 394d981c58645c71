// backup-first: a counter per Clerk; a timeout re-asks the same server, `unreachable`
// from the primary moves the Clerk to the backup for good.
import { call, me, type NodeId } from 'locklab/runtime';
import { CLIENT_TIMEOUT_MS, type ClientMsg, type Result, type Verb } from './common.ts';

export class Clerk {
  private n = 0;
  private servers: NodeId[];

  constructor(primary: NodeId, backup: NodeId) {
    this.servers = [primary, backup];
  }

  async lock(name: string): Promise<boolean> {
    return this.ask('acquire', name);
  }

  async unlock(name: string): Promise<boolean> {
    return this.ask('release', name);
  }

  private async ask(verb: Verb, lock: string): Promise<boolean> {
    const msg: ClientMsg = { verb, lock, origin: me(), n: ++this.n };
    for (;;) {
      const result = await call<Result>(this.servers[0]!, 'Op', msg, { timeoutMs: CLIENT_TIMEOUT_MS });
      if (result.ok) return result.reply.granted;
      if (result.error === 'unreachable' && this.servers.length > 1) this.servers.shift();
    }
  }
}
