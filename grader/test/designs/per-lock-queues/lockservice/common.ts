// per-lock-queues: the primary serializes operations per lock name, not globally: an
// operation waits only for earlier operations on the SAME lock, so forwards for different
// locks are in flight together. Locks are independent, so the backup may apply operations on
// different locks in any order; on one lock, it sees them in the primary's order.

export interface Req {
  op: 'lock' | 'unlock';
  name: string;
  cid: string;
  seq: number;
}

export interface Rep {
  ok: boolean;
}

export const SYNC_TIMEOUT_MS = 150;
export const CLERK_TIMEOUT_MS = 400;
