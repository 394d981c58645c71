// batching: Operation runs at once (JavaScript runs one handler at a time, so that alone
// orders them) and joins the open batch; one sender ships batches one after the other.
import { call, handle, type NodeId } from 'locklab/runtime';
import { BATCH_TIMEOUT_MS, type Batch, type Operation, type Verdict } from './common.ts';

export type Role = 'primary' | 'backup';

export class LockServer {
  private readonly held = new Set<string>();
  private readonly latest = new Map<string, { seq: number; verdict: Promise<boolean> }>();
  /** Operations run here but not yet shipped, each with the callback that releases its reply. */
  private open: { op: Operation; release: () => void }[] = [];
  private shipping = false;
  private backupAlive: boolean;

  constructor(role: Role, private readonly backup: NodeId | null) {
    this.backupAlive = role === 'primary' && backup !== null;
    handle('Operation', async (op: Operation): Promise<Verdict> => ({ ok: await this.dedup(op, () => this.runAndShip(op)) }));
    handle('Batch', (batch: Batch): Verdict => {
      for (const op of batch.ops) void this.dedup(op, async () => this.run(op));
      return { ok: true };
    });
  }

  private dedup(op: Operation, fresh: () => Promise<boolean>): Promise<boolean> {
    const seen = this.latest.get(op.client);
    if (seen && seen.seq === op.seq) return seen.verdict;
    if (seen && seen.seq > op.seq) return Promise.resolve(false);
    const verdict = fresh();
    this.latest.set(op.client, { seq: op.seq, verdict });
    return verdict;
  }

  private async runAndShip(op: Operation): Promise<boolean> {
    const ok = this.run(op);
    await new Promise<void>((release) => {
      this.open.push({ op, release });
      void this.ship();
    });
    return ok;
  }

  private async ship(): Promise<void> {
    if (this.shipping) return;
    this.shipping = true;
    while (this.open.length > 0) {
      const group = this.open;
      this.open = [];
      const batch: Batch = { ops: group.map((entry) => entry.op) };
      while (this.backupAlive) {
        const r = await call<Verdict>(this.backup!, 'Batch', batch, { timeoutMs: BATCH_TIMEOUT_MS });
        if (r.ok) break;
        if (r.error === 'unreachable') this.backupAlive = false;
      }
      for (const entry of group) entry.release();
    }
    this.shipping = false;
  }

  private run(op: Operation): boolean {
    const was = this.held.has(op.name);
    if (op.type === 'lock') this.held.add(op.name);
    else this.held.delete(op.name);
    return op.type === 'lock' ? !was : was;
  }
}
