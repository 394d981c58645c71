// state-transfer: the primary never sends operations to the backup. After each operation it
// sends its WHOLE state: the held locks and the at-most-once table, under a version number
// that grows with each operation. The backup installs a snapshot only if it is newer than
// the one it has (a delayed old copy must not roll it back), and stops installing for good
// once it serves clients itself (the primary is then dead; only unanswered work is lost).

export interface Command {
  what: 'lock' | 'unlock';
  lockName: string;
  client: string;
  seq: number;
}

export interface Outcome {
  ok: boolean;
}

/** The answer a client's last operation got. */
export interface Last {
  seq: number;
  ok: boolean;
}

export interface Snapshot {
  version: number;
  held: string[];
  last: Record<string, Last>;
}

export const SNAPSHOT_TIMEOUT_MS = 150;
export const CLERK_TIMEOUT_MS = 400;
