// per-lock-queues: one promise chain per lock name (dropped when it empties); the duplicate
// filter is per client, as a Clerk runs one operation at a time whatever the lock.
import { call, handle, type NodeId } from 'locklab/runtime';
import { SYNC_TIMEOUT_MS, type Rep, type Req } from './common.ts';

export type Role = 'primary' | 'backup';

export class LockServer {
  private readonly held = new Set<string>();
  private readonly byClient = new Map<string, { seq: number; ok: Promise<boolean> }>();
  /** The last queued operation of each lock that still has one in progress. */
  private readonly queues = new Map<string, Promise<boolean>>();
  private backupUp: boolean;

  constructor(role: Role, private readonly backup: NodeId | null) {
    this.backupUp = role === 'primary' && backup !== null;
    handle('Do', async (req: Req): Promise<Rep> => ({ ok: await this.atMostOnce(req, () => this.enqueue(req)) }));
    handle('Sync', async (req: Req): Promise<Rep> => ({ ok: await this.atMostOnce(req, () => Promise.resolve(this.apply(req))) }));
  }

  private atMostOnce(req: Req, first: () => Promise<boolean>): Promise<boolean> {
    const seen = this.byClient.get(req.cid);
    if (seen && seen.seq === req.seq) return seen.ok;
    if (seen && seen.seq > req.seq) return Promise.resolve(false);
    const ok = first();
    this.byClient.set(req.cid, { seq: req.seq, ok });
    return ok;
  }

  private enqueue(req: Req): Promise<boolean> {
    const before = this.queues.get(req.name) ?? Promise.resolve(true);
    const mine = before.then(() => this.applyAndSync(req));
    this.queues.set(req.name, mine);
    void mine.then(() => {
      if (this.queues.get(req.name) === mine) this.queues.delete(req.name);
    });
    return mine;
  }

  private async applyAndSync(req: Req): Promise<boolean> {
    const ok = this.apply(req);
    while (this.backupUp) {
      const r = await call<Rep>(this.backup!, 'Sync', req, { timeoutMs: SYNC_TIMEOUT_MS });
      if (r.ok) break;
      if (r.error === 'unreachable') this.backupUp = false;
    }
    return ok;
  }

  private apply(req: Req): boolean {
    const was = this.held.has(req.name);
    if (req.op === 'lock') this.held.add(req.name);
    else this.held.delete(req.name);
    return req.op === 'lock' ? !was : was;
  }
}
