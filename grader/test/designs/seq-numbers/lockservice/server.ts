// seq-numbers: the primary runs each request, then sends the same request to the backup's
// "Apply" handler and waits for its answer; requests run one at a time on a promise chain.
// Both servers filter by (client, seq): the same seq gets the stored answer, an older one
// is ignored.
import { call, handle, type NodeId } from 'locklab/runtime';
import { FORWARD_TIMEOUT_MS, type Answer, type Request } from './common.ts';

export type Role = 'primary' | 'backup';

interface LastRequest {
  seq: number;
  /** The answer (still a promise while the first copy runs, so a re-send waits for it). */
  answer: Promise<boolean>;
}

export class LockServer {
  private readonly held = new Set<string>();
  private readonly last = new Map<string, LastRequest>();
  private chain: Promise<unknown> = Promise.resolve();
  private backupAlive: boolean;

  constructor(role: Role, private readonly backup: NodeId | null) {
    this.backupAlive = role === 'primary' && backup !== null;
    handle('Request', (req: Request) => this.serve(req));
    // The backup's side of a forward: the same filter, and no forward of its own.
    handle('Apply', async (req: Request): Promise<Answer> => ({ ok: await this.once(req, async () => this.apply(req)) }));
  }

  private serve(req: Request): Promise<Answer> {
    return this.once(req, () => this.runAndForward(req)).then((ok) => ({ ok }));
  }

  /** Runs `run` for a new request only; a re-sent copy gets the first copy's answer. */
  private once(req: Request, run: () => Promise<boolean>): Promise<boolean> {
    const known = this.last.get(req.client);
    if (known && req.seq === known.seq) return known.answer;
    if (known && req.seq < known.seq) return Promise.resolve(false); // an old copy: nobody waits for it
    const answer = new Promise<boolean>((resolve) => {
      this.chain = this.chain.then(async () => resolve(await run()));
    });
    this.last.set(req.client, { seq: req.seq, answer });
    return answer;
  }

  private async runAndForward(req: Request): Promise<boolean> {
    const ok = this.apply(req);
    while (this.backupAlive) {
      const result = await call<Answer>(this.backup!, 'Apply', req, { timeoutMs: FORWARD_TIMEOUT_MS });
      if (result.ok) break;
      if (result.error === 'unreachable') this.backupAlive = false; // the backup halted: carry on alone
    }
    return ok;
  }

  private apply(req: Request): boolean {
    const wasHeld = this.held.has(req.name);
    if (req.op === 'lock') this.held.add(req.name);
    else this.held.delete(req.name);
    return req.op === 'lock' ? !wasHeld : wasHeld;
  }
}
