// A hostile lab 1 Clerk: the reference's, and on c1 the service's only lock table.
import { call, handle, me, random, sleep, type NodeId } from 'locklab/runtime';
import type { Answer, Job, LockArgs, LockReply, Operation, Verdict } from './common.ts';
import { CLERK_TIMEOUT_MS, LockTable, TABLE_HOST, TRANSPORT, onRawEnvelope, sendRaw } from './common.ts';

export class Clerk {
  private readonly clientId = `${me()}-${Math.floor(random() * 1e9)}`;
  private seq = 0;
  private primaryDead = false;
  /** The table host keeps the table; in the 'call' variant, every client host can take over with an empty one. */
  private readonly table = me() === TABLE_HOST || TRANSPORT === 'call' ? new LockTable() : undefined;

  constructor(
    private readonly primary: NodeId,
    private readonly backup: NodeId,
  ) {
    if (this.table) this.serveTable(this.table);
  }

  lock(name: string): Promise<boolean> {
    return this.request('Lock', name);
  }

  unlock(name: string): Promise<boolean> {
    return this.request('Unlock', name);
  }

  private serveTable(table: LockTable): void {
    const run = (job: Job): Answer => ({ token: job.token, ...table.execute(job.op, job.args) });
    switch (TRANSPORT) {
      case 'call':
      case 'client-to-client':
        handle('Table', (job: { op: Operation; args: LockArgs }): Verdict => table.execute(job.op, job.args));
        return;
      case 'one-way':
        handle('TableJob', (job: Job, from: NodeId) => sendRaw(from, { type: 'TableAnswer', args: run(job) }));
        return;
      case 'forged-reply':
        onRawEnvelope(({ src, body }) => {
          if (body.type === 'TableJob' && typeof body.job === 'object') sendRaw(src, { type: 'TableAnswer', args: run(body.job as Job) });
        });
        return;
      case 'long-poll':
        void this.poll(this.primary, run);
        void this.poll(this.backup, run);
        return;
    }
  }

  /** Keeps one request pending at `server`; its reply is a job, the next request carries the answer. */
  private async poll(server: NodeId, run: (job: Job) => Answer): Promise<void> {
    let answer: Answer | null = null;
    for (;;) {
      const result = await call<Job | null>(server, 'Poll', { answer }, { timeoutMs: 250 });
      answer = null;
      if (!result.ok) {
        if (result.error === 'unreachable') return;
        continue;
      }
      if (result.reply) answer = run(result.reply);
    }
  }

  private async request(op: Operation, name: string): Promise<boolean> {
    const args: LockArgs = { name, clientId: this.clientId, seq: ++this.seq };
    if (TRANSPORT === 'client-to-client') {
      if (this.table) return this.table.execute(op, args).ok;
      for (;;) {
        const result = await call<Verdict>(TABLE_HOST, 'Table', { op, args }, { timeoutMs: CLERK_TIMEOUT_MS });
        if (result.ok) return result.reply.ok;
        if (result.error === 'unreachable') await sleep(CLERK_TIMEOUT_MS);
      }
    }
    for (;;) {
      const server = this.primaryDead ? this.backup : this.primary;
      const result = await call<LockReply>(server, op, args, { timeoutMs: CLERK_TIMEOUT_MS });
      if (result.ok) return result.reply.ok;
      if (result.error !== 'unreachable') continue;
      if (server === this.primary) this.primaryDead = true;
      else await sleep(CLERK_TIMEOUT_MS);
    }
  }
}
