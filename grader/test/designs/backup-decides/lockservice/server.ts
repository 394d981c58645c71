// backup-decides: the primary relays each Ask to the backup's Decide handler; the backup runs
// it (filtering duplicates) and returns its Decision, which the primary copies into its own
// state and answer table. A mutex keeps one relay at a time, so the two copies stay in step.
import { call, handle, type NodeId } from 'locklab/runtime';
import { RELAY_TIMEOUT_MS, type Ask, type Decision, type Told } from './common.ts';

export type Role = 'primary' | 'backup';

/** One holder at a time; the others wait in line. */
class Mutex {
  private line: Promise<void> = Promise.resolve();
  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.line.then(task);
    this.line = result.then(() => undefined);
    return result;
  }
}

export class LockServer {
  private readonly heldLocks = new Set<string>();
  /** Per client: its last count and the answer that operation got. */
  private readonly answered = new Map<string, { count: number; ok: Promise<boolean> }>();
  private readonly mutex = new Mutex();
  private partner: NodeId | null;

  constructor(role: Role, backup: NodeId | null) {
    this.partner = role === 'primary' ? backup : null;
    handle('Ask', async (ask: Ask): Promise<Told> => ({ ok: await this.once(ask, () => this.mutex.run(() => this.decideHereOrThere(ask))) }));
    handle('Decide', async (ask: Ask): Promise<Decision> => {
      const ok = await this.once(ask, () => this.decide(ask).ok);
      return { ok, heldAfter: this.heldLocks.has(ask.lockName) };
    });
  }

  private once(ask: Ask, first: () => boolean | Promise<boolean>): Promise<boolean> {
    const prev = this.answered.get(ask.who);
    if (prev && prev.count === ask.count) return prev.ok;
    if (prev && prev.count > ask.count) return Promise.resolve(false); // stale copy, nobody waits
    const ok = Promise.resolve(first());
    this.answered.set(ask.who, { count: ask.count, ok });
    return ok;
  }

  private async decideHereOrThere(ask: Ask): Promise<boolean> {
    while (this.partner !== null) {
      const r = await call<Decision>(this.partner, 'Decide', ask, { timeoutMs: RELAY_TIMEOUT_MS });
      if (r.ok) {
        // The backup decided: adopt its verdict instead of computing one.
        if (r.reply.heldAfter) this.heldLocks.add(ask.lockName);
        else this.heldLocks.delete(ask.lockName);
        return r.reply.ok;
      }
      if (r.error === 'unreachable') this.partner = null; // alone from now on
    }
    return this.decide(ask).ok;
  }

  private decide(ask: Ask): Decision {
    const before = this.heldLocks.has(ask.lockName);
    if (ask.action === 'lock') this.heldLocks.add(ask.lockName);
    else this.heldLocks.delete(ask.lockName);
    return { ok: ask.action === 'lock' ? !before : before, heldAfter: this.heldLocks.has(ask.lockName) };
  }
}
