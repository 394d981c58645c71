/**
 * Turns a minimal counterexample into a sentence a student can act on, by
 * recognising the common shapes of lock bugs; anything else is listed.
 */
import type { CompletedOperation, Operation } from './history.ts';
import { specifiedResult } from './lock-spec.ts';

/** One operation in one line, e.g. `c1 lock("a") -> true [10, 14]` or `c1 lock("a") -> ? [10, ...]`. */
export function describeOperation(op: Operation): string {
  const call = `${op.client} ${op.op}(${JSON.stringify(op.lock)})`;
  if (op.complete === null) return `${call} -> ? [${op.invoke}, ...]`;
  return `${call} -> ${op.result} [${op.invoke}, ${op.complete}]`;
}

/**
 * Explains why `counterexample` (sorted by invoke, all on `lock`) cannot be
 * linearized. `culprit` is the operation whose answer the others contradict;
 * `lockHistory`, all operations on the lock, keeps the wording true to the
 * whole run and not just to the counterexample.
 */
export function explainCounterexample(
  lock: string,
  counterexample: readonly Operation[],
  culprit: Operation,
  lockHistory: readonly Operation[] = counterexample,
): string {
  return (
    explainDoubleLock(lock, counterexample, lockHistory) ??
    explainDoubleUnlock(lock, counterexample, lockHistory) ??
    explainWrongAnswer(lock, counterexample, culprit, lockHistory) ??
    listOperations(lock, counterexample)
  );
}

/** Two successful locks and nothing else: both clients held the lock. */
function explainDoubleLock(
  lock: string,
  ops: readonly Operation[],
  lockHistory: readonly Operation[],
): string | undefined {
  if (ops.length !== 2) return undefined;
  const [first, second] = ops as [Operation, Operation];
  if (!isSuccessful(first, 'lock') || !isSuccessful(second, 'lock')) return undefined;
  const unlockBetween = lockHistory.some(
    (op) => isSuccessful(op, 'unlock') && op.complete >= first.invoke && op.invoke <= second.complete,
  );
  if (unlockBetween) return undefined;
  const name = JSON.stringify(lock);
  const noUnlock = `with no successful unlock(${name}) that could fall between them`;
  if (first.client === second.client) {
    return (
      `${first.client} got true from lock(${name}) twice (during ${interval(first)} ms and ${interval(second)} ms) ` +
      `${noUnlock}: lock ${name} was granted while it was already held.`
    );
  }
  return (
    `Clients ${first.client} and ${second.client} both got true from lock(${name}) ` +
    `(${first.client} during ${interval(first)} ms, ${second.client} during ${interval(second)} ms) ` +
    `${noUnlock}: two clients held lock ${name} at once.`
  );
}

/** One successful lock and two successful unlocks after it: released twice. */
function explainDoubleUnlock(
  lock: string,
  ops: readonly Operation[],
  lockHistory: readonly Operation[],
): string | undefined {
  const locks = ops.filter((op) => isSuccessful(op, 'lock'));
  const unlocks = ops.filter((op) => isSuccessful(op, 'unlock'));
  if (ops.length !== 3 || locks.length !== 1 || unlocks.length !== 2) return undefined;
  const [locked, [first, second]] = [locks[0]!, unlocks as [SuccessfulOperation, SuccessfulOperation]];
  if (locked.complete >= first.invoke || locked.complete >= second.invoke) return undefined;
  const lastEnd = Math.max(first.complete, second.complete);
  const otherLock = lockHistory.some(
    (op) => isSuccessful(op, 'lock') && op !== locked && op.complete >= locked.invoke && op.invoke <= lastEnd,
  );
  if (otherLock) return undefined;
  const name = JSON.stringify(lock);
  const who =
    first.client === second.client
      ? `${first.client} got true from unlock(${name}) twice (during ${interval(first)} ms and ${interval(second)} ms)`
      : `Clients ${first.client} and ${second.client} both got true from unlock(${name}) ` +
        `(${first.client} during ${interval(first)} ms, ${second.client} during ${interval(second)} ms)`;
  return (
    `${who} with no successful lock(${name}) that could fall between them: ` +
    `lock ${name} was released twice after ${locked.client} locked it at ${interval(locked)} ms.`
  );
}

/**
 * The culprit came strictly after the other operations, which lock and
 * unlock in turn, and its answer is wrong for the state they leave. The
 * sentence retells them, so it is only used when no successful operation
 * left out of the counterexample could have changed the state in between.
 */
function explainWrongAnswer(
  lock: string,
  ops: readonly Operation[],
  culprit: Operation,
  lockHistory: readonly Operation[],
): string | undefined {
  if (culprit.complete === null) return undefined;
  const story = ops.filter((op) => op !== culprit);
  if (!isAlternatingSequence(story) || (story.length > 0 && story.at(-1)!.complete >= culprit.invoke)) {
    return undefined;
  }
  const held = story.length % 2 === 1;
  if (specifiedResult(culprit.op, held) === culprit.result) return undefined;

  const name = JSON.stringify(lock);
  const leftOut = lockHistory.filter((op): op is SuccessfulOperation => isSuccess(op) && !ops.includes(op));
  let why: string;
  if (story.length === 0) {
    // The counterexample starts from the initial free lock; the run may not have.
    if (leftOut.every((op) => op.invoke > culprit.complete)) {
      why = 'nobody had locked it';
    } else if (leftOut.every((op) => !overlaps(op, culprit)) && isBalanced(leftOut, culprit)) {
      why = `every earlier successful lock(${name}) had been undone by a successful unlock(${name})`;
    } else {
      return undefined;
    }
  } else {
    const since = story.at(-1)!.invoke;
    if (leftOut.some((op) => op.complete >= since && op.invoke <= culprit.complete)) return undefined;
    const told = story.map((op) => `${op.client} ${op.op}ed it at ${interval(op)} ms`);
    if (story.length === 1) why = `${told[0]} and nobody unlocked it`;
    else if (story.length === 2) why = joinWithAnd(told);
    else why = `${joinWithAnd(told)}, and nobody ${held ? 'unlocked' : 'locked'} it since`;
  }
  return (
    `${culprit.client}'s ${culprit.op}(${name}) returned ${culprit.result} during ${interval(culprit)} ms, ` +
    `but lock ${name} was ${held ? 'held' : 'free'} then (${why}).`
  );
}

type SuccessfulOperation = CompletedOperation & { result: true };

/** Successful lock, unlock, lock, ... each finished before the next started. */
function isAlternatingSequence(ops: readonly Operation[]): ops is SuccessfulOperation[] {
  return ops.every(
    (op, index) =>
      isSuccess(op) &&
      op.op === (index % 2 === 0 ? 'lock' : 'unlock') &&
      (index === 0 || ops[index - 1]!.complete! < op.invoke),
  );
}

/** As many successful locks as unlocks finished before `culprit` started. */
function isBalanced(ops: readonly SuccessfulOperation[], culprit: CompletedOperation): boolean {
  const before = ops.filter((op) => op.complete < culprit.invoke);
  return before.filter((op) => op.op === 'lock').length === before.filter((op) => op.op === 'unlock').length;
}

function listOperations(lock: string, ops: readonly Operation[]): string {
  const name = JSON.stringify(lock);
  if (ops.length === 1) {
    return `${describeOperation(ops[0]!)} is not what a single lock ${name} could have answered.`;
  }
  const indeterminateNote = ops.some((op) => op.complete === null)
    ? ' (an operation shown with ? may or may not have taken effect, at any time after it was invoked)'
    : '';
  return (
    `These ${ops.length} operations on lock ${name} cannot be put in any order ` +
    `that the lock specification allows${indeterminateNote}: ${ops.map(describeOperation).join('; ')}.`
  );
}

function isSuccessful(op: Operation, kind: Operation['op']): op is SuccessfulOperation {
  return op.op === kind && op.result === true;
}

function isSuccess(op: Operation): op is SuccessfulOperation {
  return op.result === true;
}

function overlaps(op: CompletedOperation, other: CompletedOperation): boolean {
  return op.invoke <= other.complete && op.complete >= other.invoke;
}

function interval(op: CompletedOperation): string {
  return `[${op.invoke}, ${op.complete}]`;
}

/** `a`, `a and b`, `a, b and c`. */
function joinWithAnd(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}
