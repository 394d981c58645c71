// Reference solution of lab 1: a lock server, primary or backup.
import { call, handle, type NodeId } from 'locklab/runtime';
import type { ForwardArgs, ForwardReply, LockArgs, LockReply, Operation } from './common.ts';
import { FORWARD_TIMEOUT_MS } from './common.ts';

export type Role = 'primary' | 'backup';

/** The answer a client got to its latest request, kept to answer a re-sent copy the same way. */
interface Remembered {
  seq: number;
  ok: boolean;
}

export class LockServer {
  /** Names of the locks that are held. */
  private readonly held = new Set<string>();
  /** At-most-once: each client's latest request and its answer (a Clerk has one request at a time). */
  private readonly answered = new Map<string, Remembered>();
  /** Operations run one at a time, so the backup sees them in the order the primary ran them. */
  private turn: Promise<unknown> = Promise.resolve();
  private backupAlive: boolean;

  constructor(
    private readonly role: Role,
    private readonly backup: NodeId | null,
  ) {
    this.backupAlive = role === 'primary' && backup !== null;
    handle('Lock', (args: LockArgs) => this.serialize(() => this.serve('Lock', args)));
    handle('Unlock', (args: LockArgs) => this.serialize(() => this.serve('Unlock', args)));
    handle('Forward', (forward: ForwardArgs): ForwardReply => ({ ok: this.execute(forward.op, forward.args) }));
  }

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.turn.then(operation);
    this.turn = result.catch(() => undefined);
    return result;
  }

  /** A client request: run it here, then (on the primary) on the backup, then answer. */
  private async serve(op: Operation, args: LockArgs): Promise<LockReply> {
    const ok = this.execute(op, args);
    if (this.backupAlive) {
      const forwarded = await call<ForwardReply>(this.backup!, 'Forward', { op, args }, { timeoutMs: FORWARD_TIMEOUT_MS });
      // Fail-stop: no answer means the backup has halted; from now on the primary is alone.
      if (!forwarded.ok) this.backupAlive = false;
    }
    return { ok };
  }

  /** Runs an operation at most once per request: a re-sent request gets the answer it got the first time. */
  private execute(op: Operation, args: LockArgs): boolean {
    const last = this.answered.get(args.clientId);
    if (last && last.seq === args.seq) return last.ok;
    const ok = op === 'Lock' ? this.lock(args.name) : this.unlock(args.name);
    this.answered.set(args.clientId, { seq: args.seq, ok });
    return ok;
  }

  private lock(name: string): boolean {
    if (this.held.has(name)) return false;
    this.held.add(name);
    return true;
  }

  private unlock(name: string): boolean {
    return this.held.delete(name);
  }
}
