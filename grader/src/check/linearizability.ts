/**
 * The verdict on a whole history: is there an order of its operations,
 * consistent with real time, in which every answer is what a single correct
 * lock would have answered?
 *
 * Locks are independent objects, so a history is linearizable iff the
 * operations on each lock name are (linearizability is compositional), and
 * each lock is checked separately.
 */
import { explainCounterexample } from './explain.ts';
import type { History, Operation } from './history.ts';
import { findCulprit, shrinkCounterexample, wholeHistory, type Culprit } from './minimize.ts';
import { searchLinearization, type SearchProgress } from './search.ts';

export type CheckResult =
  | { ok: true; locks: number; operations: number }
  | { ok: false; lock: string; counterexample: Operation[]; explanation: string }
  | { ok: 'unknown'; lock: string; explanation: string };

export interface CheckOptions {
  /**
   * How many search configurations to explore per lock before giving up
   * with `ok: 'unknown'`. Histories from real runs need a tiny fraction.
   */
  maxStatesPerLock?: number;
}

export const DEFAULT_MAX_STATES_PER_LOCK = 1_000_000;

/**
 * Checks `history` against the sequential lock specification. When it is not
 * linearizable, reports the lock whose contradiction shows up first, with a
 * minimal counterexample sorted by invoke time and a one-sentence explanation.
 */
export function checkHistory(history: History, options: CheckOptions = {}): CheckResult {
  const maxStates = options.maxStatesPerLock ?? DEFAULT_MAX_STATES_PER_LOCK;
  if (!(maxStates > 0)) throw new RangeError(`maxStatesPerLock must be positive, got ${maxStates}`);

  const byLock = groupByLock(history.operations);
  let firstFailure: { lock: string; ops: Operation[]; found: Culprit } | undefined;
  let undecided: { lock: string; operations: number } | undefined;

  for (const [lock, ops] of byLock) {
    const progress: SearchProgress = { answeredPrefix: 0 };
    const outcome = searchLinearization(ops, maxStates, progress);
    if (outcome === 'linearizable') continue;
    if (outcome === 'budget-exceeded') {
      undecided ??= { lock, operations: ops.length };
      continue;
    }
    // Pinning the culprit can itself run out of budget; then blame the last answer.
    const found = findCulprit(ops, maxStates, progress.answeredPrefix) ?? wholeHistory(ops);
    // Report the contradiction that happened first: it is the one to fix.
    if (!firstFailure || found.culprit.recorded.complete < firstFailure.found.culprit.recorded.complete) {
      firstFailure = { lock, ops, found };
    }
  }

  if (firstFailure) {
    const { lock, ops, found } = firstFailure;
    const { operations, culprit } = shrinkCounterexample(found, maxStates);
    const explanation = explainCounterexample(lock, operations, culprit, ops);
    return { ok: false, lock, counterexample: operations, explanation };
  }
  if (undecided) {
    const { lock, operations } = undecided;
    return {
      ok: 'unknown',
      lock,
      explanation:
        `Gave up on lock ${JSON.stringify(lock)} (${operations} operations) after exploring ` +
        `${maxStates.toLocaleString('en-US')} partial orderings: too many operations overlap ` +
        `to decide whether the history is linearizable.`,
    };
  }
  return { ok: true, locks: byLock.size, operations: history.operations.length };
}

/** Operations per lock name, in order of first appearance. */
function groupByLock(operations: readonly Operation[]): Map<string, Operation[]> {
  const byLock = new Map<string, Operation[]>();
  for (const op of operations) {
    const ops = byLock.get(op.lock);
    if (ops) ops.push(op);
    else byLock.set(op.lock, [op]);
  }
  return byLock;
}
