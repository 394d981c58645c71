// same-rpc: there is no forward message of its own kind. The primary forwards a client's Lock
// to the backup as a Lock, with the very same arguments, and the backup runs it through the
// very same handler; only the primary (which has a backup) forwards. The two servers' code
// paths are one.

export interface LockArgs {
  name: string;
  /** The Clerk that asked, and its operation number: the duplicate filter's key. */
  client: string;
  n: number;
}

export interface LockReply {
  ok: boolean;
}

export const FORWARD_TIMEOUT_MS = 150;
export const CLERK_TIMEOUT_MS = 400;
