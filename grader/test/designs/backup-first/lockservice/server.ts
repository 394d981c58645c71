// backup-first: Op (from a Clerk) is queued at the primary; the worker sends Prepare to the
// backup, waits for its confirmation, and only then applies the operation itself. The backup
// applies a Prepare at once (with the same duplicate filter) and confirms.
import { call, handle, type NodeId } from 'locklab/runtime';
import { PREPARE_TIMEOUT_MS, type ClientMsg, type Result } from './common.ts';

export type Role = 'primary' | 'backup';

interface Seen {
  n: number;
  granted: Promise<boolean>;
}

export class LockServer {
  private readonly taken = new Set<string>();
  private readonly seen = new Map<string, Seen>();
  private readonly queue: { msg: ClientMsg; done: (granted: boolean) => void }[] = [];
  private draining = false;
  private backupUp: boolean;

  constructor(role: Role, private readonly backup: NodeId | null) {
    this.backupUp = role === 'primary' && backup !== null;
    handle('Op', (msg: ClientMsg) => this.op(msg));
    handle('Prepare', async (msg: ClientMsg): Promise<Result> => ({ granted: await this.filtered(msg, () => this.applyNow(msg)) }));
  }

  private async op(msg: ClientMsg): Promise<Result> {
    const granted = await this.filtered(msg, () => new Promise<boolean>((done) => {
      this.queue.push({ msg, done });
      void this.drain();
    }));
    return { granted };
  }

  /** New request: run `start`; a copy of the last one: its answer; an older one: ignored. */
  private filtered(msg: ClientMsg, start: () => boolean | Promise<boolean>): Promise<boolean> {
    const last = this.seen.get(msg.origin);
    if (last && msg.n === last.n) return last.granted;
    if (last && msg.n < last.n) return Promise.resolve(false);
    const granted = Promise.resolve(start());
    this.seen.set(msg.origin, { n: msg.n, granted });
    return granted;
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    while (this.queue.length > 0) {
      const { msg, done } = this.queue.shift()!;
      // The backup first: if the primary dies now, the backup already has the operation.
      while (this.backupUp) {
        const r = await call<Result>(this.backup!, 'Prepare', msg, { timeoutMs: PREPARE_TIMEOUT_MS });
        if (r.ok) break;
        if (r.error === 'unreachable') this.backupUp = false;
      }
      done(this.applyNow(msg));
    }
    this.draining = false;
  }

  private applyNow(msg: ClientMsg): boolean {
    const was = this.taken.has(msg.lock);
    if (msg.verb === 'acquire') this.taken.add(msg.lock);
    else this.taken.delete(msg.lock);
    return msg.verb === 'acquire' ? !was : was;
  }
}
