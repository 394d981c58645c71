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
    handle('Forward', (forward: ForwardArgs): ForwardReply => ({ ok: this.execute(forward.op, forward.args).ok }));
  }

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.turn.then(operation);
    this.turn = result.catch(() => undefined);
    return result;
  }

  /** A client request: run it here, then (on the primary) on the backup, then answer. */
  private async serve(op: Operation, args: LockArgs): Promise<LockReply> {
    const { ok, fresh } = this.execute(op, args);
    // A copy of a request already run needs no forward: its first copy's forward ended before
    // this copy's turn (operations run one at a time). Until the backup answers: a timeout may be a lost message (part C), so send the copy again;
    // only a refused connection means the backup has halted, and the primary goes on alone.
    while (fresh && this.backupAlive) {
      const forwarded = await call<ForwardReply>(this.backup!, 'Forward', { op, args }, { timeoutMs: FORWARD_TIMEOUT_MS });
      if (forwarded.ok) break;
      if (forwarded.error === 'unreachable') this.backupAlive = false;
    }
    return { ok };
  }

  /**
   * Runs an operation at most once per request: a re-sent request gets the answer it got the
   * first time. `fresh` says whether it ran now.
   */
  private execute(op: Operation, args: LockArgs): { ok: boolean; fresh: boolean } {
    const last = this.answered.get(args.clientId);
    if (last && args.seq === last.seq) return { ok: last.ok, fresh: false };
    // An old copy, delayed by the network: its Clerk has moved on and waits for no answer.
    if (last && args.seq < last.seq) return { ok: false, fresh: false };
    const ok = op === 'Lock' ? this.lock(args.name) : this.unlock(args.name);
    this.answered.set(args.clientId, { seq: args.seq, ok });
    return { ok, fresh: true };
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
