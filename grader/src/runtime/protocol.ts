/**
 * The wire protocol between the grader and a node, as plain types.
 *
 * Every line on a node's channel (fd 3) is one JSON envelope, as in Maelstrom:
 * `{ src, dest, body: { type, msg_id?, in_reply_to?, ... } }`. Messages between nodes
 * travel through the grader, which delivers them one at a time. Lines addressed to or
 * from `"grader"` control the simulation (init, timers, client operations, idle).
 * `docs/protocol.md` is the full contract; the grader validates every line with the
 * zod schemas in `grader/src/net/wire-schema.ts`, which are checked against these types.
 */

/** A node's address, e.g. "primary", "backup", "c1". */
export type NodeId = string;

/** The grader's own address in envelopes. */
export const GRADER: NodeId = 'grader';

export interface Envelope<B extends Body = Body> {
  src: NodeId;
  dest: NodeId;
  body: B;
}

/** Envelopes that the grader sends also carry the virtual time of the event, in ms. */
export interface TimedEnvelope<B extends Body = Body> extends Envelope<B> {
  now: number;
}

export interface Body {
  type: string;
  msg_id?: number;
  in_reply_to?: number;
  [field: string]: unknown;
}

// ---- grader -> node -------------------------------------------------------------

/** First line a node receives: who it is and how it is configured. */
export interface InitBody extends Body {
  type: 'init';
  msg_id: number;
  node_id: NodeId;
  node_ids: NodeId[];
  /** The role's configuration, e.g. `{ role: "primary", primary: "primary", backup: "backup" }`. */
  config: Record<string, unknown>;
  /** Seed of this node's `random()` and `Math.random()`. */
  seed: number;
  /** The node's own folder that survives a restart, in runs that may restart nodes. */
  state_dir?: string;
}

/** A timer that the node set has come due. */
export interface TimerBody extends Body {
  type: 'timer';
  timer_id: number;
}

/** The grader asks a client host to run one operation on its client library. */
export interface ClientOpBody extends Body {
  type: 'client_op';
  msg_id: number;
  op: string;
  args: unknown[];
}

/** The grader's answer to a request whose destination is dead: a refused connection. */
export interface ErrorBody extends Body {
  type: 'error';
  in_reply_to: number;
  code: RpcErrorCode;
  text: string;
}

/** Why a call failed. `unreachable`: the destination is down (refused connection). */
export type RpcErrorCode = 'unreachable' | 'no_handler';

// ---- node -> grader -------------------------------------------------------------

/** The node finished handling the last event and waits for the next one. */
export interface IdleBody extends Body {
  type: 'idle';
}
export interface SetTimerBody extends Body {
  type: 'set_timer';
  timer_id: number;
  delay_ms: number;
}
export interface ClearTimerBody extends Body {
  type: 'clear_timer';
  timer_id: number;
}
export interface LogBody extends Body {
  type: 'log';
  stream: 'stdout' | 'stderr';
  text: string;
}
/** The node's code threw and nothing caught it: the node stops. */
export interface CrashBody extends Body {
  type: 'crash';
  text: string;
}
export interface ClientOpOkBody extends Body {
  type: 'client_op_ok';
  in_reply_to: number;
  result: unknown;
}

/** An RPC request between nodes: `{type: method, msg_id, args}`. */
export interface RequestBody extends Body {
  msg_id: number;
  args?: unknown;
}
/** An RPC reply: `{type: method + "_ok", in_reply_to, reply}`. */
export interface ReplyBody extends Body {
  in_reply_to: number;
  reply?: unknown;
}

/** Body types reserved for the simulation; no RPC method may use them. */
export const CONTROL_TYPES = [
  'init',
  'init_ok',
  'timer',
  'client_op',
  'client_op_ok',
  'idle',
  'set_timer',
  'clear_timer',
  'log',
  'crash',
  'error',
] as const;
