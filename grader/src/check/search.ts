/**
 * The linearizability search for the operations of ONE lock: Wing & Gong's
 * backtracking over the time-ordered call/return entries, with Lowe's
 * memoization of visited configurations (as in Porcupine), written as a loop
 * with an explicit stack so that long histories cannot overflow the call stack.
 *
 * Entries are sorted by time with calls before returns at equal times, so an
 * operation that completes at t and one invoked at t count as concurrent; an
 * operation only precedes another that is invoked strictly after it completes.
 *
 * Indeterminate operations (no answer) have no return entry: each may take
 * effect at any moment after its invoke, or never. Three reductions keep them
 * from multiplying the search space, each of which keeps at least one
 * linearization of every linearizable history:
 *  - only use one when it changes the state (otherwise it is as if it never
 *    happened);
 *  - never use two in a row (lock then unlock, or the reverse, cancels out);
 *  - of the indeterminate locks (resp. unlocks) available, use the earliest
 *    invoked first, so that only *how many* were used matters.
 * And one for contention: a completed operation that does not change the state
 * (lock -> false on a held lock, unlock -> false on a free one) can always be
 * linearized as soon as it is available, so that choice is never backtracked.
 */
import type { CompletedOperation, Operation } from './history.ts';
import { transitionOf } from './lock-spec.ts';
import { VisitedConfigurations } from './visited-configurations.ts';

export type SearchOutcome = 'linearizable' | 'not-linearizable' | 'budget-exceeded';

/** What a stack frame undoes. */
type Step = (typeof Step)[keyof typeof Step];
const Step = {
  /** A completed operation chosen among several; its siblings remain to try. */
  Chosen: 0,
  /** A completed no-op operation taken without alternatives. */
  Forced: 1,
  IndeterminateLock: 2,
  IndeterminateUnlock: 3,
} as const;

/** What the search loop does next. */
type Mode = (typeof Mode)[keyof typeof Mode];
const Mode = {
  /** Just arrived at a configuration: look for a forced step. */
  Arrive: 0,
  /** Trying the available operations from `cursor` on. */
  Scan: 1,
  Backtrack: 2,
} as const;

/** What a search found on the way, for callers that dig into a failure. */
export interface SearchProgress {
  /**
   * The largest n such that the n completed operations answered first (in
   * the search's time order) were all linearized together at some point.
   */
  answeredPrefix: number;
}

/**
 * Decides whether `ops` (all on the same lock, initially free) can be
 * linearized. Gives up with 'budget-exceeded' once more than `maxStates`
 * configurations have been visited. Fills in `progress` if given.
 */
export function searchLinearization(
  ops: readonly Operation[],
  maxStates: number,
  progress?: SearchProgress,
): SearchOutcome {
  const completed: CompletedOperation[] = [];
  const indeterminateLockInvokes: number[] = [];
  const indeterminateUnlockInvokes: number[] = [];
  for (const op of ops) {
    if (op.complete !== null) completed.push(op);
    else if (op.op === 'lock') indeterminateLockInvokes.push(op.invoke);
    else indeterminateUnlockInvokes.push(op.invoke);
  }
  indeterminateLockInvokes.sort((a, b) => a - b);
  indeterminateUnlockInvokes.sort((a, b) => a - b);

  const total = completed.length;
  if (progress) progress.answeredPrefix = 0;
  if (total === 0) return 'linearizable';

  const entries = EntryList.of(completed);
  const { next, head } = entries;
  const requiresHeld = new Uint8Array(total);
  const leavesHeld = new Uint8Array(total);
  completed.forEach((op, index) => {
    const transition = transitionOf(op);
    requiresHeld[index] = transition.requiresHeld ? 1 : 0;
    leavesHeld[index] = transition.leavesHeld ? 1 : 0;
  });

  // The configuration being explored.
  const linearized = new Uint32Array(Math.ceil(total / 32));
  const zobrist = zobristKeys(total);
  let hash = 0;
  let linearizedCount = 0;
  // Bits are ranks by answer time, so the first unset bit is how many of the
  // earliest answers are all linearized.
  let firstUnset = 0;
  let answeredPrefix = 0;
  let held = 0;
  let locksUsed = 0;
  let unlocksUsed = 0;
  let lastWasIndeterminate = 0;

  const visited = new VisitedConfigurations(linearized.length);
  const visit = (): boolean =>
    visited.visit(linearized, hash, held === 1, locksUsed, unlocksUsed, lastWasIndeterminate === 1);

  // Each frame: what was done and the state to restore.
  const maxDepth = 2 * total + 2;
  const frameStep = new Uint8Array(maxDepth);
  const frameEntry = new Int32Array(maxDepth);
  const frameHeld = new Uint8Array(maxDepth);
  const frameLastWasIndeterminate = new Uint8Array(maxDepth);
  let depth = 0;
  const push = (step: Step, entry: number, previousHeld: number, previousLast: number): void => {
    frameStep[depth] = step;
    frameEntry[depth] = entry;
    frameHeld[depth] = previousHeld;
    frameLastWasIndeterminate[depth] = previousLast;
    depth++;
  };

  /** Linearizes the operation of call entry `entry` if that configuration is new. */
  const tryCompleted = (entry: number, step: Step): boolean => {
    const op = entries.operation[entry];
    const bit = entries.bit[op];
    linearized[bit >>> 5] ^= 1 << (bit & 31);
    hash ^= zobrist[bit];
    const previousHeld = held;
    const previousLast = lastWasIndeterminate;
    held = leavesHeld[op];
    lastWasIndeterminate = 0;
    if (visit()) {
      push(step, entry, previousHeld, previousLast);
      entries.lift(entry);
      linearizedCount++;
      if (bit === firstUnset) {
        while (firstUnset < total && (linearized[firstUnset >>> 5] & (1 << (firstUnset & 31))) !== 0) firstUnset++;
        if (firstUnset > answeredPrefix) answeredPrefix = firstUnset;
      }
      return true;
    }
    held = previousHeld;
    lastWasIndeterminate = previousLast;
    linearized[bit >>> 5] ^= 1 << (bit & 31);
    hash ^= zobrist[bit];
    return false;
  };

  /** Lets the earliest unused indeterminate operation flip the state, if allowed and new. */
  const tryIndeterminate = (firstReturnTime: number): boolean => {
    if (lastWasIndeterminate === 1) return false;
    const invokes = held === 0 ? indeterminateLockInvokes : indeterminateUnlockInvokes;
    const used = held === 0 ? locksUsed : unlocksUsed;
    // It must be invoked before every remaining completed operation returns.
    if (used >= invokes.length || invokes[used] > firstReturnTime) return false;
    const step = held === 0 ? Step.IndeterminateLock : Step.IndeterminateUnlock;
    const previousHeld = held;
    held ^= 1;
    lastWasIndeterminate = 1;
    if (step === Step.IndeterminateLock) locksUsed++;
    else unlocksUsed++;
    if (visit()) {
      push(step, -1, previousHeld, 0);
      return true;
    }
    held = previousHeld;
    lastWasIndeterminate = 0;
    if (step === Step.IndeterminateLock) locksUsed--;
    else unlocksUsed--;
    return false;
  };

  const finish = (outcome: SearchOutcome): SearchOutcome => {
    if (progress) progress.answeredPrefix = answeredPrefix;
    return outcome;
  };

  let mode: Mode = Mode.Arrive;
  let cursor = head;
  for (;;) {
    if (visited.size > maxStates) return finish('budget-exceeded');

    if (mode === Mode.Arrive) {
      if (linearizedCount === total) return finish('linearizable');
      mode = Mode.Scan;
      cursor = next[head];
      for (let entry = cursor; !entries.isReturn[entry]; entry = next[entry]) {
        const op = entries.operation[entry];
        if (requiresHeld[op] === held && leavesHeld[op] === held) {
          // A forced step: if its configuration was seen, this one is dead too.
          mode = tryCompleted(entry, Step.Forced) ? Mode.Arrive : Mode.Backtrack;
          break;
        }
      }
      continue;
    }

    if (mode === Mode.Scan) {
      let entry = cursor;
      while (!entries.isReturn[entry]) {
        const op = entries.operation[entry];
        if (requiresHeld[op] === held && tryCompleted(entry, Step.Chosen)) break;
        entry = next[entry];
      }
      if (!entries.isReturn[entry]) {
        mode = Mode.Arrive;
      } else {
        mode = tryIndeterminate(entries.time[entry]) ? Mode.Arrive : Mode.Backtrack;
      }
      continue;
    }

    // Backtrack: undo the last step; resume scanning after it if it had siblings.
    if (depth === 0) return finish('not-linearizable');
    depth--;
    held = frameHeld[depth];
    lastWasIndeterminate = frameLastWasIndeterminate[depth];
    const step = frameStep[depth];
    if (step === Step.IndeterminateLock) {
      locksUsed--;
    } else if (step === Step.IndeterminateUnlock) {
      unlocksUsed--;
    } else {
      const entry = frameEntry[depth];
      const bit = entries.bit[entries.operation[entry]];
      entries.unlift(entry);
      linearized[bit >>> 5] ^= 1 << (bit & 31);
      hash ^= zobrist[bit];
      linearizedCount--;
      if (bit < firstUnset) firstUnset = bit;
      if (step === Step.Chosen) {
        mode = Mode.Scan;
        cursor = next[entry];
      }
    }
  }
}

/**
 * The completed operations' call and return entries in time order, as a
 * doubly linked list from which an operation's pair of entries can be
 * removed and restored in O(1) (dancing links).
 */
class EntryList {
  /** Index of the sentinel; the list is circular through it. */
  readonly head: number;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly time: Float64Array;
  /** 1 for the sentinel too, so that scans for calls stop there. */
  readonly isReturn: Uint8Array;
  /** Operation index of each entry. */
  readonly operation: Int32Array;
  /** Return entry of each operation. */
  readonly returnEntry: Int32Array;
  /** Bit of each operation in the linearized set: its rank by return time. */
  readonly bit: Int32Array;

  private constructor(size: number, operations: number) {
    this.head = size;
    this.next = new Int32Array(size + 1);
    this.prev = new Int32Array(size + 1);
    this.time = new Float64Array(size + 1);
    this.isReturn = new Uint8Array(size + 1);
    this.operation = new Int32Array(size + 1);
    this.returnEntry = new Int32Array(operations);
    this.bit = new Int32Array(operations);
  }

  static of(ops: readonly CompletedOperation[]): EntryList {
    const order: { time: number; isReturn: number; op: number }[] = [];
    ops.forEach((op, index) => {
      order.push({ time: op.invoke, isReturn: 0, op: index });
      order.push({ time: op.complete, isReturn: 1, op: index });
    });
    // Calls before returns at equal times: touching intervals are concurrent.
    order.sort((a, b) => a.time - b.time || a.isReturn - b.isReturn || a.op - b.op);

    const list = new EntryList(order.length, ops.length);
    let returnsSoFar = 0;
    order.forEach((entry, index) => {
      list.time[index] = entry.time;
      list.isReturn[index] = entry.isReturn;
      list.operation[index] = entry.op;
      list.next[index] = index + 1;
      list.prev[index] = index - 1;
      if (entry.isReturn) {
        list.returnEntry[entry.op] = index;
        list.bit[entry.op] = returnsSoFar++;
      }
    });
    list.prev[0] = list.head;
    list.next[list.head] = 0;
    list.prev[list.head] = order.length - 1;
    list.isReturn[list.head] = 1;
    list.time[list.head] = Infinity;
    return list;
  }

  /** Removes call entry `call` and its operation's return entry. */
  lift(call: number): void {
    this.remove(call);
    this.remove(this.returnEntry[this.operation[call]]);
  }

  /** Undoes {@link lift}; must be called in the reverse order of the lifts. */
  unlift(call: number): void {
    this.restore(this.returnEntry[this.operation[call]]);
    this.restore(call);
  }

  private remove(entry: number): void {
    this.next[this.prev[entry]] = this.next[entry];
    this.prev[this.next[entry]] = this.prev[entry];
  }

  private restore(entry: number): void {
    this.next[this.prev[entry]] = entry;
    this.prev[this.next[entry]] = entry;
  }
}

/** Deterministic random 32-bit keys, one per operation, for an incremental set hash. */
function zobristKeys(count: number): Int32Array {
  const keys = new Int32Array(count);
  let state = 0x9e3779b9;
  for (let index = 0; index < count; index++) {
    // mulberry32
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    keys[index] = t ^ (t >>> 14);
  }
  return keys;
}
