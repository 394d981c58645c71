// Reference solution of lab 1: what the Clerk and the servers say to each other.

/** Arguments of Lock and Unlock, from a Clerk to a server. */
export interface LockArgs {
  /** The lock's name. */
  name: string;
  /** Who is asking: unique per Clerk. */
  clientId: string;
  /** The Clerk's request number: a re-sent request keeps its number, a new one gets the next. */
  seq: number;
}

export interface LockReply {
  /** Lock: true if the lock was free (and is now held). Unlock: true if it was held (and is now free). */
  ok: boolean;
}

export type Operation = 'Lock' | 'Unlock';

/** The primary's copy of a client request, sent to the backup before the primary replies. */
export interface ForwardArgs {
  op: Operation;
  args: LockArgs;
}

export interface ForwardReply {
  ok: boolean;
}

/**
 * How long to wait for an answer before asking again, in virtual ms. Longer than a round
 * trip (a slow link may take 60 ms one way), so that most retries are for messages really lost.
 */
export const FORWARD_TIMEOUT_MS = 150;
export const CLERK_TIMEOUT_MS = 400;
