// backup-first: the primary has the backup apply an operation BEFORE it applies it itself;
// only when the backup confirmed does the primary change its own copy and reply. The
// primary's queue is an explicit array drained by one worker loop.

export type Verb = 'acquire' | 'release';

export interface ClientMsg {
  verb: Verb;
  lock: string;
  /** The asking host and its operation counter: together, the request's identity. */
  origin: string;
  n: number;
}

export interface Result {
  granted: boolean;
}

export const PREPARE_TIMEOUT_MS = 200;
export const CLIENT_TIMEOUT_MS = 450;
