// random-ids: every operation gets a random 64-bit id (no sequence, no client name); both
// servers keep the answer of every id they ever ran, in a table that only grows. A re-sent
// copy, or an old copy delayed past the client's next operation, finds its id there.

export interface LockCall {
  id: string;
  name: string;
}

export interface LockAnswer {
  ok: boolean;
}

/** The primary's copy for the backup: the operation and the id it runs under. */
export interface Copy {
  kind: 'Lock' | 'Unlock';
  call: LockCall;
}

export const FORWARD_TIMEOUT_MS = 120;
export const CLERK_TIMEOUT_MS = 500;
