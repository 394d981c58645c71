// random-ids: answers by id, forever. The primary runs the operation, sends a Copy to the
// backup and waits for it; operations run one at a time (a promise chain).
import { call, handle, type NodeId } from 'locklab/runtime';
import { FORWARD_TIMEOUT_MS, type Copy, type LockAnswer, type LockCall } from './common.ts';

export type Role = 'primary' | 'backup';

export class LockServer {
  private readonly locked = new Map<string, boolean>();
  /** Every id ever run, with its answer (a promise while it runs). Never trimmed. */
  private readonly answers = new Map<string, Promise<boolean>>();
  private tail: Promise<void> = Promise.resolve();
  private peer: NodeId | null;

  constructor(role: Role, backup: NodeId | null) {
    this.peer = role === 'primary' ? backup : null;
    handle('Lock', (args: LockCall) => this.request('Lock', args));
    handle('Unlock', (args: LockCall) => this.request('Unlock', args));
    handle('Copy', async (copy: Copy): Promise<LockAnswer> => ({ ok: await this.idempotent(copy.call.id, () => this.run(copy.kind, copy.call.name)) }));
  }

  private async request(kind: 'Lock' | 'Unlock', args: LockCall): Promise<LockAnswer> {
    const ok = await this.idempotent(args.id, async () => {
      const ok = this.run(kind, args.name);
      await this.copyToBackup({ kind, call: args });
      return ok;
    });
    return { ok };
  }

  /** The first time an id is seen, queues `work`; every copy of that id gets its answer. */
  private idempotent(id: string, work: () => boolean | Promise<boolean>): Promise<boolean> {
    let answer = this.answers.get(id);
    if (!answer) {
      const next = this.tail.then(work);
      this.tail = next.then(() => {});
      answer = next;
      this.answers.set(id, answer);
    }
    return answer;
  }

  private async copyToBackup(copy: Copy): Promise<void> {
    while (this.peer !== null) {
      const result = await call<LockAnswer>(this.peer, 'Copy', copy, { timeoutMs: FORWARD_TIMEOUT_MS });
      if (result.ok) return;
      if (result.error === 'unreachable') this.peer = null; // the backup halted
    }
  }

  private run(kind: 'Lock' | 'Unlock', name: string): boolean {
    const before = this.locked.get(name) === true;
    this.locked.set(name, kind === 'Lock');
    return kind === 'Lock' ? !before : before;
  }
}
