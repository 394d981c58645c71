// result-shipping: the backup never runs an operation for the primary. The primary runs it and
// ships the RESULT: the answer and the lock's state afterwards. The backup writes both down.
// A shipped result is only true of the primary's state, so once the backup serves clients
// itself (the primary is dead), it ignores results still in flight: their operations were
// never answered, and their clients will re-send them to the backup.

export interface Ask {
  op: 'lock' | 'unlock';
  name: string;
  client: string;
  seq: number;
}

export interface Reply {
  ok: boolean;
}

export interface ShippedResult {
  client: string;
  seq: number;
  name: string;
  ok: boolean;
  heldAfter: boolean;
}

export const SHIP_TIMEOUT_MS = 150;
export const CLERK_TIMEOUT_MS = 400;
