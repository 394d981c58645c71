// backup-decides: while the backup lives, the primary does not compute answers at all. It
// relays each request to the backup, which runs it and returns the answer and the lock's new
// state; the primary copies both and replies. Alone, the primary computes itself.

export type Action = 'lock' | 'unlock';

export interface Ask {
  action: Action;
  lockName: string;
  who: string;
  count: number;
}

export interface Told {
  ok: boolean;
}

/** The backup's verdict on a relayed request. */
export interface Decision {
  ok: boolean;
  /** Whether the lock is held after the operation. */
  heldAfter: boolean;
}

export const RELAY_TIMEOUT_MS = 150;
export const ASK_TIMEOUT_MS = 400;
