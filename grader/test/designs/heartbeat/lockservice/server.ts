// heartbeat: a Ping loop runs on the primary for as long as the backup lives, independent of
// the requests; the Mirror forwards of operations go out as usual, one operation at a time.
import { call, handle, sleep, type NodeId } from 'locklab/runtime';
import { MIRROR_TIMEOUT_MS, PING_EVERY_MS, PING_TIMEOUT_MS, type OpReply, type OpRequest, type Ping } from './common.ts';

export type Role = 'primary' | 'backup';

export class LockServer {
  private readonly held = new Set<string>();
  private readonly lastSeq = new Map<string, { seq: number; reply: Promise<OpReply> }>();
  private queue: Promise<unknown> = Promise.resolve();
  private backupAlive: boolean;
  private pingsHeard = 0;

  constructor(role: Role, private readonly backup: NodeId | null) {
    this.backupAlive = role === 'primary' && backup !== null;
    handle('Op', (req: OpRequest) => this.dedup(req, () => this.serialized(req)));
    handle('Mirror', (req: OpRequest) => this.dedup(req, async () => this.execute(req)));
    handle('Ping', (ping: Ping) => {
      this.pingsHeard++;
      return { beat: ping.beat, heard: this.pingsHeard };
    });
    if (this.backupAlive) void this.heartbeat();
  }

  private async heartbeat(): Promise<void> {
    for (let beat = 1; this.backupAlive; beat++) {
      void call(this.backup!, 'Ping', { beat } satisfies Ping, { timeoutMs: PING_TIMEOUT_MS }).then((r) => {
        if (!r.ok && r.error === 'unreachable') this.backupAlive = false;
      });
      await sleep(PING_EVERY_MS);
    }
  }

  private dedup(req: OpRequest, fresh: () => Promise<OpReply>): Promise<OpReply> {
    const last = this.lastSeq.get(req.client);
    if (last && last.seq === req.seq) return last.reply;
    if (last && last.seq > req.seq) return Promise.resolve({ ok: false });
    const reply = fresh();
    this.lastSeq.set(req.client, { seq: req.seq, reply });
    return reply;
  }

  private serialized(req: OpRequest): Promise<OpReply> {
    const reply = this.queue.then(async () => {
      const result = this.execute(req);
      while (this.backupAlive) {
        const r = await call<OpReply>(this.backup!, 'Mirror', req, { timeoutMs: MIRROR_TIMEOUT_MS });
        if (r.ok) break;
        if (r.error === 'unreachable') this.backupAlive = false;
      }
      return result;
    });
    this.queue = reply;
    return reply;
  }

  private execute(req: OpRequest): OpReply {
    const wasHeld = this.held.has(req.name);
    if (req.kind === 'lock') this.held.add(req.name);
    else this.held.delete(req.name);
    return { ok: req.kind === 'lock' ? !wasHeld : wasHeld };
  }
}
