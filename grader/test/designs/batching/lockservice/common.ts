// batching: the primary runs each operation as soon as it arrives, but forwards them in
// groups: while one Batch is on its way to the backup, new operations collect, and all of
// them leave together in the next Batch. Each reply waits for the backup's ack of the batch
// that carried its operation. Batches go one at a time, so the backup sees the primary's order.

export interface Operation {
  type: 'lock' | 'unlock';
  name: string;
  client: string;
  seq: number;
}

export interface Verdict {
  ok: boolean;
}

export interface Batch {
  ops: Operation[];
}

export const BATCH_TIMEOUT_MS = 150;
export const CLERK_TIMEOUT_MS = 400;
