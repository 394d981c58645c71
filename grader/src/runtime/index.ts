/**
 * locklab/runtime: everything a node needs to talk to other nodes.
 *
 * Your code runs inside a node (a process the grader starts). Nodes talk only by RPC:
 * `call()` sends a request and waits for the reply; `handle()` answers requests.
 * Time is virtual: the grader runs the clock, so `sleep(1000)` or a 1000 ms timeout
 * costs no real time, and every run can be replayed exactly from its seed.
 *
 * ```ts
 * import { call, handle } from 'locklab/runtime';
 *
 * handle('Echo', (args: { text: string }) => ({ text: args.text }));
 *
 * const result = await call<{ text: string }>('backup', 'Echo', { text: 'hi' }, { timeoutMs: 100 });
 * if (result.ok) console.log(result.reply.text);
 * else console.log('no reply:', result.error); // 'timeout' or 'unreachable'
 * ```
 */
import { currentRuntime } from './current.ts';
import { readValue, writeValue } from './storage.ts';
import { DEFAULT_CALL_TIMEOUT_MS, type CallResult } from './node.ts';
import type { NodeId } from './protocol.ts';

export type { CallResult } from './node.ts';
export type { NodeId } from './protocol.ts';

export interface CallOptions {
  /** How long to wait for the reply, in virtual milliseconds (default 1000). */
  timeoutMs?: number;
}

/**
 * Sends `args` to `dest`'s handler for `method` and waits for its reply.
 *
 * Resolves (never rejects) to one of:
 * - `{ ok: true, reply }`: the handler's return value;
 * - `{ ok: false, error: 'unreachable' }`: `dest` is down; you learn this at once, like a refused connection;
 * - `{ ok: false, error: 'timeout' }`: no reply within `timeoutMs`. The request may or may not have
 *   been executed: the destination may have died after receiving it, or a message was lost.
 * - `{ ok: false, error: 'no_handler' }`: `dest` has no handler for `method` (a bug).
 */
export function call<Reply = unknown>(
  dest: NodeId,
  method: string,
  args: unknown,
  options: CallOptions = {},
): Promise<CallResult<Reply>> {
  return currentRuntime().call<Reply>(dest, method, args, options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
}

/**
 * Registers the handler for requests named `method`. Its return value (or what its promise
 * resolves to) is the reply. Args and replies travel as JSON: use plain objects.
 * If a handler throws, the node crashes, as a real server would.
 */
export function handle<Args = any, Reply = unknown>(
  method: string,
  handler: (args: Args, from: NodeId) => Reply | Promise<Reply>,
): void {
  currentRuntime().handle(method, handler);
}

/** This node's address, e.g. "primary" or "c1". */
export function me(): NodeId {
  return currentRuntime().id;
}

/** Virtual milliseconds since the run started. `Date.now()` follows the same clock. */
export function now(): number {
  return currentRuntime().now;
}

/** Waits `ms` virtual milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => currentRuntime().setTimer(resolve, ms));
}

/** A number in [0, 1) from this node's seeded generator; `Math.random()` is the same one. */
export function random(): number {
  return currentRuntime().random();
}

/**
 * Durable storage, for runs in which a node may crash and restart: `writeState(key, value)`
 * saves a JSON value in this node's own folder, and it is on disk when the call returns;
 * after a restart, `readState(key)` gives it back (undefined if it was never written).
 * Memory (your variables) does not survive a crash; only what you wrote here does.
 */
export function writeState(key: string, value: unknown): void {
  writeValue(currentRuntime().stateDir, key, value);
}

export function readState<T = unknown>(key: string): T | undefined {
  return readValue(currentRuntime().stateDir, key) as T | undefined;
}
