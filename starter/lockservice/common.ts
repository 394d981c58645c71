// What the Clerk and the servers say to each other. You may change these types freely:
// they travel as JSON, so use plain objects, strings, numbers and booleans.

/** Arguments of Lock and Unlock, from a Clerk to a server. */
export interface LockArgs {
  /** The lock's name. */
  name: string;
  // TODO (Part B): what must a request carry so that a server can recognize a re-sent copy?
}

export interface LockReply {
  /** Lock: true if the lock was free (and is now held). Unlock: true if it was held (and is now free). */
  ok: boolean;
}

/**
 * How long to wait for an answer before asking again, in virtual ms. A message takes 1 to 10 ms
 * one way (up to 60 ms on a slow link, 40 ms on part C's flaky links), so wait longer than a round
 * trip. Virtual time is free: a long timeout costs no real time, only a slower retry.
 */
export const FORWARD_TIMEOUT_MS = 150;
export const CLERK_TIMEOUT_MS = 400;
