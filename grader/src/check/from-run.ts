/**
 * Histories from what the grader recorded: a run's client operations (lab 1's lock and
 * unlock on a named lock), or the invoke/complete events of a saved trace.
 */
import type { TraceEvent, TraceFile } from '../net/trace.ts';
import type { OpRecord } from '../sim/simulation.ts';
import type { History, Operation } from './history.ts';

/** Operations the checker understands; anything else is left out. */
function toOperation(client: string, name: string, args: unknown[], invoke: number, complete: number | undefined, result: unknown): Operation | undefined {
  if ((name !== 'lock' && name !== 'unlock') || typeof args[0] !== 'string') return undefined;
  // An operation that never completed, or returned a non-boolean, may or may not have taken effect.
  if (complete === undefined || typeof result !== 'boolean') return { client, op: name, lock: args[0], invoke, complete: null, result: null };
  return { client, op: name, lock: args[0], invoke, complete, result };
}

export function historyFromOps(ops: readonly OpRecord[]): History {
  const operations = ops
    .map((op) => toOperation(op.client, op.name, op.args, op.invoke, op.complete, op.result))
    .filter((op): op is Operation => op !== undefined);
  return { operations };
}

export function historyFromTrace(trace: Pick<TraceFile, 'events'>): History {
  const completions = new Map<number, Extract<TraceEvent, { kind: 'complete' }>>();
  for (const e of trace.events) if (e.kind === 'complete') completions.set(e.op, e);
  const operations: Operation[] = [];
  for (const e of trace.events) {
    if (e.kind !== 'invoke') continue;
    const done = completions.get(e.op);
    const op = toOperation(e.client, e.name, e.args, e.t, done?.t, done?.result);
    if (op) operations.push(op);
  }
  return { operations };
}
