// seq-numbers: the textbook design. Each Clerk numbers its requests 1, 2, 3, ...; both servers
// keep, per client, only the last sequence number and its answer (one entry per client,
// since a Clerk has one operation at a time). The primary forwards the client's request as is.

export type Op = 'lock' | 'unlock';

/** A client's request, and also the primary's copy of it to the backup. */
export interface Request {
  op: Op;
  name: string;
  /** Who asked: the Clerk's host (the forwarder is not the asker). */
  client: string;
  /** Grows by one with each new operation of this client; a re-send keeps it. */
  seq: number;
}

export interface Answer {
  ok: boolean;
}

export const FORWARD_TIMEOUT_MS = 150;
export const CLERK_TIMEOUT_MS = 400;
