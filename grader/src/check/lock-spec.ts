/**
 * The sequential specification of one lock: the behaviour a correct service
 * must be indistinguishable from. The state is just "held or free".
 */
import type { CompletedOperation, OperationKind } from './history.ts';

/**
 * A completed operation is legal only in one state, and leaves the lock in
 * one state: `lock` -> true needs a free lock and leaves it held, `lock` ->
 * false needs (and keeps) a held lock, and symmetrically for `unlock`.
 */
export interface Transition {
  requiresHeld: boolean;
  leavesHeld: boolean;
}

export function transitionOf(op: Pick<CompletedOperation, 'op' | 'result'>): Transition {
  const succeeded = op.result;
  if (op.op === 'lock') return { requiresHeld: !succeeded, leavesHeld: true };
  return { requiresHeld: succeeded, leavesHeld: false };
}

/** What the specification answers for `kind` on a lock in the given state. */
export function specifiedResult(kind: OperationKind, held: boolean): boolean {
  return kind === 'lock' ? !held : held;
}

/** The state after `kind` is applied (whatever it returned). */
export function stateAfter(kind: OperationKind): boolean {
  return kind === 'lock';
}
