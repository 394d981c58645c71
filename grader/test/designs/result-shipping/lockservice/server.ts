// result-shipping: the primary runs Asks one at a time and ships each ShippedResult to the
// backup's Record handler before replying. Record applies a result once per (client, seq).
import { call, handle, type NodeId } from 'locklab/runtime';
import { SHIP_TIMEOUT_MS, type Ask, type Reply, type ShippedResult } from './common.ts';

export type Role = 'primary' | 'backup';

export class LockServer {
  private readonly held = new Set<string>();
  private readonly answers = new Map<string, { seq: number; ok: Promise<boolean> }>();
  private turn: Promise<unknown> = Promise.resolve();
  private shipTo: NodeId | null;
  /** On the backup: true once a client asked it directly, i.e. once the primary is dead. */
  private inCharge: boolean;

  constructor(role: Role, backup: NodeId | null) {
    this.shipTo = role === 'primary' ? backup : null;
    this.inCharge = role === 'primary';
    handle('Ask', async (a: Ask): Promise<Reply> => {
      this.inCharge = true;
      return { ok: await this.once(a.client, a.seq, () => this.runAndShip(a)) };
    });
    handle('Record', async (r: ShippedResult): Promise<Reply> => {
      if (!this.inCharge) {
        await this.once(r.client, r.seq, async () => {
          if (r.heldAfter) this.held.add(r.name);
          else this.held.delete(r.name);
          return r.ok;
        });
      }
      return { ok: true };
    });
  }

  private once(client: string, seq: number, first: () => Promise<boolean>): Promise<boolean> {
    const known = this.answers.get(client);
    if (known && known.seq === seq) return known.ok;
    if (known && known.seq > seq) return Promise.resolve(false);
    const ok = first();
    this.answers.set(client, { seq, ok });
    return ok;
  }

  private runAndShip(a: Ask): Promise<boolean> {
    const ok = this.turn.then(async () => {
      const was = this.held.has(a.name);
      if (a.op === 'lock') this.held.add(a.name);
      else this.held.delete(a.name);
      const result: ShippedResult = { client: a.client, seq: a.seq, name: a.name, ok: a.op === 'lock' ? !was : was, heldAfter: this.held.has(a.name) };
      while (this.shipTo !== null) {
        const r = await call<Reply>(this.shipTo, 'Record', result, { timeoutMs: SHIP_TIMEOUT_MS });
        if (r.ok) break;
        if (r.error === 'unreachable') this.shipTo = null;
      }
      return result.ok;
    });
    this.turn = ok;
    return ok;
  }
}
