// Reference solution of lab 1: the client library (Clerk).
import { call, me, random, sleep, type NodeId } from 'locklab/runtime';
import type { LockArgs, LockReply, Operation } from './common.ts';
import { CLERK_TIMEOUT_MS } from './common.ts';

export class Clerk {
  /** Unique per Clerk, so servers can tell clients' requests apart. */
  private readonly clientId = `${me()}-${Math.floor(random() * 1e9)}`;
  private seq = 0;
  /** Fail-stop: once the primary refused a connection, it has halted for good. */
  private primaryDead = false;

  constructor(
    private readonly primary: NodeId,
    private readonly backup: NodeId,
  ) {}

  /** Takes the lock: true if it was free, false if someone holds it. */
  lock(name: string): Promise<boolean> {
    return this.request('Lock', name);
  }

  /** Frees the lock: true if it was held, false if it was free. */
  unlock(name: string): Promise<boolean> {
    return this.request('Unlock', name);
  }

  private async request(op: Operation, name: string): Promise<boolean> {
    // One number per request; re-sending keeps it, so a server can recognize the copy.
    const args: LockArgs = { name, clientId: this.clientId, seq: ++this.seq };
    for (;;) {
      const server = this.primaryDead ? this.backup : this.primary;
      const result = await call<LockReply>(server, op, args, { timeoutMs: CLERK_TIMEOUT_MS });
      if (result.ok) return result.reply.ok;
      // A refused connection means the server has halted (fail-stop). A timeout means no answer
      // came: the server died after receiving the request, or (part C) a message was lost; either
      // way, ask the same server again, which then answers or refuses.
      if (result.error !== 'unreachable') continue;
      if (server === this.primary) this.primaryDead = true;
      // Both dead cannot happen under the single fail-stop model; if it does, wait and try again.
      else await sleep(CLERK_TIMEOUT_MS);
    }
  }
}
