/**
 * Checks a lab's manifest names, applied to every run's history after the test's own
 * expectations held: the checker (linearizability against the lock specification),
 * invariants (never two holders of a lock at once), and a liveness goal (every operation
 * returns within T virtual ms of the last fault before it).
 */
import { z } from 'zod';
import type { OpRecord } from '../sim/simulation.ts';
import { describeOp } from '../lab/scenario.ts';
import { historyFromOps } from './from-run.ts';
import { checkHistory } from './linearizability.ts';

export const HistoryChecksSchema = z.object({
  /** The history checker every run must satisfy. */
  checker: z.enum(['lock-linearizability']).optional(),
  /** Invariants over the history. */
  invariants: z.array(z.enum(['never-two-holders'])).default([]),
  /** Every operation returns within this many virtual ms of its invoke, or of the last fault (kill, crash) after it; but one whose client host died. */
  livenessMs: z.number().int().positive().optional(),
});
export type HistoryChecks = z.infer<typeof HistoryChecksSchema>;

export interface CheckFailure {
  message: string;
  hint: string;
}

export interface RunFacts {
  ops: readonly OpRecord[];
  /** Virtual times of the faults of the run (kills, crashes). */
  faults: readonly number[];
  /** Virtual time the run ended at. */
  end: number;
}

export function checkRun(checks: HistoryChecks, run: RunFacts): CheckFailure | undefined {
  if (checks.checker === 'lock-linearizability') {
    const failure = lockLinearizability(run.ops);
    if (failure) return failure;
  }
  if (checks.invariants.includes('never-two-holders')) {
    const failure = neverTwoHolders(run.ops);
    if (failure) return failure;
  }
  if (checks.livenessMs !== undefined) return liveness(run, checks.livenessMs);
  return undefined;
}

function lockLinearizability(ops: readonly OpRecord[]): CheckFailure | undefined {
  const lockOps = ops.filter((op) => op.name === 'lock' || op.name === 'unlock');
  const odd = lockOps.find((op) => op.complete !== undefined && typeof op.result !== 'boolean');
  if (odd) return { message: `${describeOp(odd)} returned ${JSON.stringify(odd.result)}, expected true or false`, hint: 'lock() and unlock() resolve to a boolean' };
  const verdict = checkHistory(historyFromOps(lockOps));
  if (verdict.ok === true) return undefined;
  if (verdict.ok === false) {
    return {
      message: `the clients' results are impossible for one lock service: ${verdict.explanation}`,
      hint: 'every operation must take effect exactly once, at one server that all clients agree on',
    };
  }
  return { message: `the history checker gave up on lock "${verdict.lock}": ${verdict.explanation}`, hint: 'this is a limit of the grader; please report it' };
}

/**
 * Two successful Locks of one lock, one after the other in real time, with no Unlock that
 * could have freed the lock between them (a successful one, or one whose answer never came).
 * Conservative: it reports only certain violations.
 */
function neverTwoHolders(ops: readonly OpRecord[]): CheckFailure | undefined {
  const byLock = new Map<string, OpRecord[]>();
  for (const op of ops) {
    if (op.name !== 'lock' && op.name !== 'unlock') continue;
    const name = String(op.args[0]);
    byLock.set(name, [...(byLock.get(name) ?? []), op]);
  }
  for (const [name, mine] of byLock) {
    const locks = mine.filter((op) => op.name === 'lock' && op.result === true && op.complete !== undefined);
    const unlocks = mine.filter((op) => op.name === 'unlock' && (op.result === true || op.complete === undefined));
    for (const a of locks) {
      for (const b of locks) {
        if (a === b || a.complete! >= b.invoke) continue;
        const freed = unlocks.some((u) => u.invoke < b.complete! && (u.complete ?? Infinity) > a.invoke);
        if (!freed) {
          return {
            message:
              `${a.client} and ${b.client} both held lock "${name}": ${a.client}'s lock returned true during [${a.invoke}, ${a.complete}] ms, ` +
              `${b.client}'s during [${b.invoke}, ${b.complete}] ms, and no Unlock could have freed it in between`,
            hint: 'a lock has one holder at a time: after a fail-over, the backup must know every lock the primary granted',
          };
        }
      }
    }
  }
  return undefined;
}

function liveness(run: RunFacts, withinMs: number): CheckFailure | undefined {
  for (const op of run.ops) {
    if (op.clientDiedAt !== undefined) continue; // its client host died: no answer is owed
    const end = op.complete ?? run.end;
    const lastFault = Math.max(-Infinity, ...run.faults.filter((t) => t < end));
    const from = Math.max(op.invoke, lastFault);
    const took = end - from;
    if (took > withinMs || (op.complete === undefined && took >= withinMs)) {
      const since = from === op.invoke ? 'its start' : `the last fault (at ${from} ms)`;
      return {
        message: `${describeOp(op)} ${op.complete === undefined ? 'had not returned' : 'returned only'} ${took} virtual ms after ${since}; the goal is ${withinMs} ms`,
        hint: 'once a failure is over, every operation must finish promptly: retry, and fail over to the server that is alive',
      };
    }
  }
  return undefined;
}
