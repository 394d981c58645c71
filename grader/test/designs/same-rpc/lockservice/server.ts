// same-rpc: one handler per operation, the same on both servers: filter duplicates, run,
// and, if this server has a live backup, call the backup's same handler with the same args.
import { call, handle, type NodeId } from 'locklab/runtime';
import { FORWARD_TIMEOUT_MS, type LockArgs, type LockReply } from './common.ts';

export type Role = 'primary' | 'backup';
type Method = 'Lock' | 'Unlock';

export class LockServer {
  private readonly held = new Set<string>();
  private readonly done = new Map<string, { n: number; ok: Promise<boolean> }>();
  private serial: Promise<unknown> = Promise.resolve();
  private next: NodeId | null;

  constructor(role: Role, backup: NodeId | null) {
    this.next = role === 'primary' ? backup : null;
    for (const method of ['Lock', 'Unlock'] as const) {
      handle(method, async (args: LockArgs): Promise<LockReply> => ({ ok: await this.serve(method, args) }));
    }
  }

  private serve(method: Method, args: LockArgs): Promise<boolean> {
    const prior = this.done.get(args.client);
    if (prior && prior.n === args.n) return prior.ok;
    if (prior && prior.n > args.n) return Promise.resolve(false);
    const ok = this.serial.then(async () => {
      const result = this.execute(method, args.name);
      while (this.next !== null) {
        const r = await call<LockReply>(this.next, method, args, { timeoutMs: FORWARD_TIMEOUT_MS });
        if (r.ok) break;
        if (r.error === 'unreachable') this.next = null;
      }
      return result;
    });
    this.serial = ok;
    this.done.set(args.client, { n: args.n, ok });
    return ok;
  }

  private execute(method: Method, name: string): boolean {
    const was = this.held.has(name);
    if (method === 'Lock') this.held.add(name);
    else this.held.delete(name);
    return method === 'Lock' ? !was : was;
  }
}
