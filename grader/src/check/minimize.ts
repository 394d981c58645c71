/**
 * Shrinks a non-linearizable history of one lock to a small counterexample
 * a student can reason about.
 *
 * Deleting operations from a history can create contradictions that were not
 * there (drop a successful lock and its unlock now frees a free lock), so
 * plain greedy deletion can end on a misleading counterexample. Instead:
 *  1. Find the *culprit*: the first answer, in order of arrival, that no
 *     linearization can explain. Cut the history there: later operations are
 *     dropped, and answers that arrived later are forgotten (those operations
 *     become indeterminate). The cut is still non-linearizable, since any
 *     linearization of the whole history would give one of the cut.
 *  2. Delete operations from the cut, keeping a deletion only if the rest is
 *     still non-linearizable *and* becomes linearizable once the culprit's
 *     answer is forgotten: the counterexample is then always "the culprit's
 *     answer contradicts these otherwise consistent operations". The distant
 *     past is summarized first (bisection), then operations go one block,
 *     one operation or one pair at a time. Operations that could directly
 *     explain the culprit's answer are never deleted.
 * The counterexample shows the operations as recorded (with their real
 * answers); knowing more answers cannot make it linearizable.
 */
import type { CompletedOperation, Operation } from './history.ts';
import { stateAfter, transitionOf } from './lock-spec.ts';
import { searchLinearization, type SearchProgress } from './search.ts';

export interface CutOperation {
  /** The operation as recorded. */
  recorded: Operation;
  /** The operation as it appears in the cut (possibly with its answer forgotten). */
  working: Operation;
}

export interface Culprit {
  /** The answered operation whose answer first cannot be explained. */
  culprit: CutOperation & { recorded: CompletedOperation };
  /** The history cut just after the culprit's answer, sorted by invoke. */
  cut: readonly CutOperation[];
}

export interface Counterexample {
  /** The operations as recorded, sorted by invoke time. */
  operations: Operation[];
  culprit: CompletedOperation;
}

/**
 * Finds the culprit of a history of one lock that is not linearizable.
 * `hint` is a guess of how many answers in a row can be explained (see
 * {@link SearchProgress}); a good guess saves most of the work. Returns
 * undefined if no cut could be refuted within the budget.
 */
export function findCulprit(ops: readonly Operation[], maxStates: number, hint = 0): Culprit | undefined {
  const completions = ops
    .map((op, index) => ({ op, index }))
    .filter((entry): entry is { op: CompletedOperation; index: number } => entry.op.complete !== null)
    .sort((a, b) => a.op.complete - b.op.complete || a.op.invoke - b.op.invoke || a.index - b.index);
  const completionRank = new Array<number>(ops.length).fill(Infinity);
  completions.forEach(({ index }, rank) => (completionRank[index] = rank));

  const cutAfter = (rank: number): Culprit => {
    const answered = completions[rank]!.op;
    const cut: CutOperation[] = [];
    let culprit: Culprit['culprit'] | undefined;
    ops.forEach((op, index) => {
      if (op.invoke > answered.complete) return;
      if (completionRank[index] === rank) {
        culprit = { recorded: answered, working: answered };
        cut.push(culprit);
      } else {
        cut.push({ recorded: op, working: completionRank[index]! < rank ? op : forgetAnswer(op) });
      }
    });
    return { culprit: culprit!, cut: sortByInvoke(cut) };
  };
  const isRefuted = (rank: number): boolean =>
    searchLinearization(
      cutAfter(rank).cut.map((entry) => entry.working),
      maxStates,
    ) === 'not-linearizable';

  // Refutation is monotone in the cut: find the first refuted one. The last
  // cut is the whole history (minus calls that never returned, which cannot
  // matter), so it is refuted by the precondition.
  let low = -1;
  let high = completions.length - 1;
  if (high < 0) return undefined;
  // Gallop up from the hint, then bisect.
  const start = Math.min(Math.max(hint, 0), high);
  if (start < high) {
    if (isRefuted(start)) {
      high = start;
    } else {
      low = start;
      for (let step = 1; low + step < high; step *= 2) {
        if (isRefuted(low + step)) {
          high = low + step;
          break;
        }
        low += step;
      }
    }
  }
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (isRefuted(middle)) high = middle;
    else low = middle;
  }
  return cutAfter(high);
}

/**
 * A fallback when no cut could be refuted within the budget: the whole
 * history, blaming the answer that arrived last. Shrinking will keep it whole.
 */
export function wholeHistory(ops: readonly Operation[]): Culprit {
  const cut = sortByInvoke(ops.map((op) => ({ recorded: op, working: op })));
  // Some operation is answered: without answers, everything is linearizable.
  const answered = cut.filter((entry): entry is Culprit['culprit'] => entry.recorded.complete !== null);
  const culprit = answered.reduce((latest, entry) =>
    entry.recorded.complete > latest.recorded.complete ? entry : latest,
  );
  return { culprit, cut };
}

/** Shrinks the cut around its culprit; see the module comment. */
export function shrinkCounterexample(found: Culprit, maxStates: number): Counterexample {
  const { culprit } = found;
  const isCounterexample = (others: readonly CutOperation[]): boolean => {
    const working = others.map((entry) => entry.working);
    return (
      searchLinearization([...working, culprit.working], maxStates) === 'not-linearizable' &&
      searchLinearization([...working, forgetAnswer(culprit.working)], maxStates) === 'linearizable'
    );
  };

  const others = found.cut.filter((entry) => entry !== culprit);
  const kept = others.filter((entry) => couldExplain(entry.recorded, culprit.recorded));
  const candidates = others.filter((entry) => !kept.includes(entry));
  const withKept = (some: readonly CutOperation[]): boolean => isCounterexample([...kept, ...some]);
  const shrunk = deleteGreedily(trimPast(candidates, culprit.recorded.invoke, withKept), withKept);
  const operations = sortByInvoke([...kept, ...shrunk, culprit]).map((entry) => entry.recorded);
  return { operations, culprit: culprit.recorded };
}

/**
 * Operations that could be ordered right before the culprit and change what
 * it should have answered: successful operations concurrent with it, and
 * unanswered ones that could have taken effect just before it and left the
 * lock as its answer needs. Even where the contradiction lies elsewhere, a
 * counterexample without them invites "but that one explains it!", so they
 * are never deleted.
 */
function couldExplain(op: Operation, culprit: CompletedOperation): boolean {
  if (op.complete === null) {
    return op.invoke <= culprit.complete && stateAfter(op.op) === transitionOf(culprit).requiresHeld;
  }
  return op.result && op.complete >= culprit.invoke && op.invoke <= culprit.complete;
}

type Predicate = (others: readonly CutOperation[]) => boolean;

/**
 * Drops the distant past in O(log n) checks, so that the greedy deletions
 * that follow work on a short history. Everything answered by some time is
 * replaced by the one successful lock that explains the lock being held at
 * that time (or by nothing if it was free); the latest such time that still
 * gives a counterexample is found by bisection.
 */
function trimPast(
  others: readonly CutOperation[],
  culpritInvoke: number,
  isCounterexample: Predicate,
): readonly CutOperation[] {
  // Only operations over before the culprit started are summarized.
  const answerTimes = others.map((entry) => entry.working.complete).filter((time) => time !== null);
  const times = [...new Set(answerTimes)].filter((time) => time < culpritInvoke).sort((a, b) => a - b);
  if (times.length === 0) return others;
  const trimmedAfter = (index: number): CutOperation[] =>
    index < 0 ? [...others] : summarizeUntil(others, times[index]!);

  // Invariant: trimming up to times[low] works (low = -1: trimming nothing),
  // trimming up to times[high] does not.
  let low = -1;
  let high = times.length - 1;
  if (isCounterexample(trimmedAfter(high))) return trimmedAfter(high);
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (isCounterexample(trimmedAfter(middle))) low = middle;
    else high = middle;
  }
  return trimmedAfter(low);
}

/** The operations, with those answered by `time` summarized as described in {@link trimPast}. */
function summarizeUntil(others: readonly CutOperation[], time: number): CutOperation[] {
  let balance = 0;
  let latestLock: CutOperation | undefined;
  const kept: CutOperation[] = [];
  for (const entry of others) {
    const op = entry.working;
    if (op.complete === null) {
      // Unanswered operations from the past are dropped with it.
      if (op.invoke > time) kept.push(entry);
    } else if (op.complete > time) {
      kept.push(entry);
    } else if (op.result && op.op === 'lock') {
      balance++;
      if (!latestLock || op.invoke >= latestLock.working.invoke) latestLock = entry;
    } else if (op.result) {
      balance--;
    }
  }
  return balance > 0 && latestLock ? sortByInvoke([latestLock, ...kept]) : kept;
}

/** Above this many operations, trying to delete every pair costs too much. */
const MAX_OPERATIONS_FOR_PAIRS = 40;

/**
 * Deletes operations while a counterexample remains: large contiguous blocks
 * first, then single operations, then pairs (a lock and the unlock that
 * released it can only go together).
 */
function deleteGreedily(initial: readonly CutOperation[], isCounterexample: Predicate): CutOperation[] {
  let others = [...initial];
  const tryWithout = (...indexes: number[]): boolean => {
    const candidate = others.filter((_, index) => !indexes.includes(index));
    if (!isCounterexample(candidate)) return false;
    others = candidate;
    return true;
  };
  const range = (start: number, length: number): number[] =>
    Array.from({ length: Math.min(length, others.length - start) }, (_, offset) => start + offset);

  for (let size = highestPowerOfTwoAtMost(others.length >>> 1); size >= 2; size >>>= 1) {
    for (let start = 0; start < others.length; ) if (!tryWithout(...range(start, size))) start += size;
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (let index = 0; index < others.length; ) {
      if (tryWithout(index)) changed = true;
      else index++;
    }
    const allPairs = others.length <= MAX_OPERATIONS_FOR_PAIRS;
    for (let first = 0; first < others.length; first++) {
      const last = allPairs ? others.length - 1 : first + 1;
      for (let second = first + 1; second <= last && second < others.length; second++) {
        if (tryWithout(first, second)) {
          changed = true;
          second = first; // restart the inner loop on the shorter list
        }
      }
    }
  }
  return others;
}

/** The same operation as if its answer had never arrived. */
export function forgetAnswer(op: Operation): Operation {
  return { ...op, complete: null, result: null };
}

function sortByInvoke(cut: readonly CutOperation[]): CutOperation[] {
  return cut
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.recorded.invoke - b.entry.recorded.invoke || a.index - b.index)
    .map(({ entry }) => entry);
}

function highestPowerOfTwoAtMost(n: number): number {
  let power = 1;
  while (power * 2 <= n) power *= 2;
  return n < 1 ? 0 : power;
}
