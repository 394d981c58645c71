/**
 * The node processes of one run, or of one grading. Closing the set kills every node in it and
 * resolves once each has exited; no node starts in a closed set. A run closes its set before
 * its folder is removed, so no node outlives the folder it runs from, even a node that a
 * scenario still running after its time was up tried to start (a restart, say).
 */
import type { SimNode } from '../sim/sim-node.ts';

type Member = Pick<SimNode, 'kill'>;

export class NodeSet {
  private readonly members = new Set<Member>();
  private closed = false;

  /** `parent`: the grading's set, which can stop every run's nodes at once. */
  constructor(private readonly parent?: NodeSet) {}

  /** Starts a node with `create`, unless the set (or its parent) is closed. */
  start<T extends Member>(create: () => T): T {
    if (this.isClosed()) throw new Error('locklab: this run is over; no node may start');
    const node = create();
    this.members.add(node);
    this.parent?.members.add(node);
    return node;
  }

  isClosed(): boolean {
    return this.closed || (this.parent?.isClosed() ?? false);
  }

  /** Kills every node of the set; resolves once all have exited. */
  async close(): Promise<void> {
    this.closed = true;
    const members = [...this.members];
    await Promise.all(members.map((m) => m.kill()));
    for (const m of members) this.parent?.members.delete(m);
    this.members.clear();
  }
}
