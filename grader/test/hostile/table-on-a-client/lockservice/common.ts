// A hostile lab 1 submission: the servers keep no lock state. The only lock table lives in the
// Clerk of client host c1; a server asks c1 for every answer, sends the backup a dummy copy (so
// that every protocol moment the tests aim at still happens), then replies. How a server reaches
// c1 is the variant under test: the grader must refuse it, or its client-failure tests must
// take the points away.
import { writeSync } from 'node:fs';
import { me, type NodeId } from 'locklab/runtime';

export type Transport =
  /** The servers call c1 (a request to a client host). */
  | 'call'
  /** One-way messages (no msg_id) from the servers to c1, and back. */
  | 'one-way'
  /** "Replies" (an in_reply_to) to requests c1 never sent, read off the raw channel. */
  | 'forged-reply'
  /** No server at all: every Clerk calls c1. */
  | 'client-to-client'
  /** c1 keeps a request pending at each server: the server's reply carries the job, c1's next request the answer. */
  | 'long-poll';

export const TRANSPORT: Transport = 'call';
export const TABLE_HOST: NodeId = 'c1';

export interface LockArgs {
  name: string;
  clientId: string;
  seq: number;
}
export interface LockReply {
  ok: boolean;
}
/** The table's answer; `fresh`: the request ran now (a re-sent copy needs no new copy at the backup). */
export interface Verdict {
  ok: boolean;
  fresh: boolean;
}
export type Operation = 'Lock' | 'Unlock';

/** What a server asks the table host to run; `token` matches the answer to the question. */
export interface Job {
  token: number;
  op: Operation;
  args: LockArgs;
}
export interface Answer extends Verdict {
  token: number;
}

export const FORWARD_TIMEOUT_MS = 150;
export const CLERK_TIMEOUT_MS = 400;

/** The one lock table of the service, with at-most-once answers per client. */
export class LockTable {
  private readonly held = new Set<string>();
  private readonly answered = new Map<string, { seq: number; ok: boolean }>();

  execute(op: Operation, args: LockArgs): Verdict {
    const last = this.answered.get(args.clientId);
    if (last && args.seq === last.seq) return { ok: last.ok, fresh: false };
    if (last && args.seq < last.seq) return { ok: false, fresh: false };
    const ok = op === 'Lock' ? !this.held.has(args.name) && !!this.held.add(args.name) : this.held.delete(args.name);
    this.answered.set(args.clientId, { seq: args.seq, ok });
    return { ok, fresh: true };
  }
}

/** Writes an envelope straight on the channel, past the runtime. */
export function sendRaw(dest: NodeId, body: Record<string, unknown>): void {
  writeSync(3, JSON.stringify({ src: me(), dest, body }) + '\n');
}

/** Sees every envelope this node receives before the runtime does (the runtime parses each line with JSON.parse). */
export function onRawEnvelope(listener: (envelope: { src: NodeId; body: Record<string, unknown> }) => void): void {
  const parse = JSON.parse;
  JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
    const value: unknown = parse(text, reviver);
    if (typeof value === 'object' && value !== null && 'src' in value && 'body' in value) {
      const envelope = value as { src: NodeId; body: Record<string, unknown> };
      queueMicrotask(() => listener(envelope));
    }
    return value;
  }) as typeof JSON.parse;
}
