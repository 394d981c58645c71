// A hostile lab 1 server: no lock state; it asks the table host (c1) for each answer.
import { call, handle, sleep, type NodeId } from 'locklab/runtime';
import type { Answer, Job, LockArgs, LockReply, Operation, Verdict } from './common.ts';
import { FORWARD_TIMEOUT_MS, TABLE_HOST, TRANSPORT, sendRaw } from './common.ts';

export type Role = 'primary' | 'backup';

export class LockServer {
  private turn: Promise<unknown> = Promise.resolve();
  private backupAlive: boolean;
  private nextToken = 1;
  /** Questions to the table host that wait for their answer, by token. */
  private readonly waiting = new Map<number, (verdict: Verdict) => void>();
  /** long-poll: jobs no pending Poll has taken yet, and the pending Polls. */
  private readonly jobs: Job[] = [];
  private readonly polls: ((job: Job | null) => void)[] = [];
  private readonly inFlight = new Map<string, Promise<LockReply>>();
  private tableHost = TABLE_HOST;

  constructor(
    private readonly role: Role,
    private readonly backup: NodeId | null,
  ) {
    this.backupAlive = role === 'primary' && backup !== null;
    handle('Lock', (args: LockArgs) => this.once('Lock', args));
    handle('Unlock', (args: LockArgs) => this.once('Unlock', args));
    handle('Forward', () => ({ ok: true })); // the dummy copy: the backup keeps nothing
    handle('TableAnswer', (answer: Answer) => this.answered(answer));
    if (TRANSPORT === 'long-poll') handle('Poll', (args: { answer: Answer | null }) => this.poll(args.answer));
  }

  /** Copies of a request that arrive while it is being served wait for its answer (no lock state: a queue). */
  private once(op: Operation, args: LockArgs): Promise<LockReply> {
    const key = `${args.clientId}#${args.seq}`;
    let reply = this.inFlight.get(key);
    if (!reply) {
      reply = this.serialize(() => this.serve(op, args));
      this.inFlight.set(key, reply);
      void reply.then(() => this.inFlight.delete(key));
    }
    return reply;
  }

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.turn.then(operation);
    this.turn = result.catch(() => undefined);
    return result;
  }

  private async serve(op: Operation, args: LockArgs): Promise<LockReply> {
    const { ok, fresh } = await this.ask(op, args);
    while (fresh && this.backupAlive) {
      const copied = await call(this.backup!, 'Forward', { op, args }, { timeoutMs: FORWARD_TIMEOUT_MS });
      if (copied.ok) break;
      if (copied.error === 'unreachable') this.backupAlive = false;
    }
    return { ok };
  }

  /** The table host's answer to `op(args)`, asked again until it comes. */
  private async ask(op: Operation, args: LockArgs): Promise<Verdict> {
    for (;;) {
      if (TRANSPORT === 'call') {
        const result = await call<Verdict>(this.tableHost, 'Table', { op, args }, { timeoutMs: FORWARD_TIMEOUT_MS });
        if (result.ok) return result.reply;
        // The table host is dead: carry on with the next client host's (empty) table.
        if (result.error === 'unreachable') this.tableHost = nextHost(this.tableHost);
        if (this.tableHost === TABLE_HOST) await sleep(100);
        continue;
      }
      const job: Job = { token: this.nextToken++, op, args };
      const answer = new Promise<Verdict>((resolve) => this.waiting.set(job.token, resolve));
      if (TRANSPORT === 'one-way') sendRaw(TABLE_HOST, { type: 'TableJob', args: job });
      if (TRANSPORT === 'forged-reply') sendRaw(TABLE_HOST, { type: 'TableJob', in_reply_to: 1_000_000 + job.token, job });
      if (TRANSPORT === 'long-poll') this.dispatch(job);
      const verdict = await Promise.race([answer, sleep(3 * FORWARD_TIMEOUT_MS).then(() => undefined)]);
      this.waiting.delete(job.token);
      if (verdict !== undefined) return verdict;
    }
  }

  private answered(answer: Answer): void {
    this.waiting.get(answer.token)?.({ ok: answer.ok, fresh: answer.fresh });
  }

  private dispatch(job: Job): void {
    const poll = this.polls.shift();
    if (poll) poll(job);
    else this.jobs.push(job);
  }

  /** A Poll from the table host: it brings the last answer, and waits for the next job (or 100 ms). */
  private poll(answer: Answer | null): Job | null | Promise<Job | null> {
    if (answer) this.answered(answer);
    const job = this.jobs.shift();
    if (job) return job;
    return new Promise((resolve) => {
      const take = (next: Job | null) => {
        const i = this.polls.indexOf(take);
        if (i >= 0) this.polls.splice(i, 1);
        resolve(next);
      };
      this.polls.push(take);
      void sleep(100).then(() => take(null));
    });
  }
}

/** c1 -> c2 -> ... -> c5 -> c1. */
function nextHost(host: NodeId): NodeId {
  const n = Number(host.slice(1));
  return `c${n >= 5 ? 1 : n + 1}`;
}
