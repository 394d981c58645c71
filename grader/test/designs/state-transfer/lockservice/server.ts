// state-transfer: operations run one at a time at the primary; after each, a Snapshot of the
// whole state goes to the backup, and the reply waits until the backup has installed it.
import { call, handle, type NodeId } from 'locklab/runtime';
import { SNAPSHOT_TIMEOUT_MS, type Command, type Last, type Outcome, type Snapshot } from './common.ts';

export type Role = 'primary' | 'backup';

export class LockServer {
  private held = new Set<string>();
  /** Plain answers, shipped in snapshots. */
  private last = new Map<string, Last>();
  /** Answers in progress at this server, so that a re-send waits for the first copy. */
  private readonly inProgress = new Map<string, { seq: number; ok: Promise<boolean> }>();
  private version = 0;
  private servingClients: boolean;
  private work: Promise<unknown> = Promise.resolve();
  private backupAlive: boolean;

  constructor(role: Role, private readonly backup: NodeId | null) {
    this.backupAlive = role === 'primary' && backup !== null;
    this.servingClients = role === 'primary';
    handle('Command', (cmd: Command) => this.command(cmd));
    handle('Snapshot', (snap: Snapshot): Outcome => {
      if (!this.servingClients && snap.version > this.version) this.install(snap);
      return { ok: true };
    });
  }

  private async command(cmd: Command): Promise<Outcome> {
    // A Command at the backup means the primary is dead: from now on this state is the truth.
    this.servingClients = true;
    const running = this.inProgress.get(cmd.client);
    if (running && running.seq === cmd.seq) return { ok: await running.ok };
    if (running && running.seq > cmd.seq) return { ok: false }; // an old copy: nobody waits for it
    const done = this.last.get(cmd.client);
    if (done && done.seq === cmd.seq) return { ok: done.ok };
    if (done && done.seq > cmd.seq) return { ok: false }; // an old copy: nobody waits for it
    const ok = this.work.then(() => this.runAndShip(cmd));
    this.work = ok;
    this.inProgress.set(cmd.client, { seq: cmd.seq, ok });
    return { ok: await ok };
  }

  private async runAndShip(cmd: Command): Promise<boolean> {
    const wasHeld = this.held.has(cmd.lockName);
    if (cmd.what === 'lock') this.held.add(cmd.lockName);
    else this.held.delete(cmd.lockName);
    const ok = cmd.what === 'lock' ? !wasHeld : wasHeld;
    this.last.set(cmd.client, { seq: cmd.seq, ok });
    this.version++;
    const snap: Snapshot = { version: this.version, held: [...this.held], last: Object.fromEntries(this.last) };
    while (this.backupAlive) {
      const r = await call<Outcome>(this.backup!, 'Snapshot', snap, { timeoutMs: SNAPSHOT_TIMEOUT_MS });
      if (r.ok) break;
      if (r.error === 'unreachable') this.backupAlive = false;
    }
    return ok;
  }

  private install(snap: Snapshot): void {
    this.version = snap.version;
    this.held = new Set(snap.held);
    this.last = new Map(Object.entries(snap.last));
  }
}
