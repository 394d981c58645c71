/**
 * Writes test histories in the same notation the checker prints, e.g.
 * `c1 lock("a") -> true [10, 14]` or `c2 unlock("a") -> ? [3, ...]`.
 */
import type { History, Operation } from '../../src/check/index.ts';

const NOTATION = /^(\S+) (lock|unlock)\("([^"]*)"\) -> (true|false|\?) \[([\d.]+), ([\d.]+|\.\.\.)\]$/;

/** Parses one operation written like `describeOperation` prints it. */
export function op(text: string): Operation {
  const match = NOTATION.exec(text.trim());
  if (!match) throw new Error(`not an operation: ${text}`);
  const [, client, kind, lock, result, invoke, complete] = match as unknown as [
    string,
    string,
    'lock' | 'unlock',
    string,
    string,
    string,
    string,
  ];
  const base = { client, op: kind, lock, invoke: Number(invoke) };
  if (result === '?' || complete === '...') {
    if (result !== '?' || complete !== '...') throw new Error(`half-indeterminate operation: ${text}`);
    return { ...base, complete: null, result: null };
  }
  return { ...base, complete: Number(complete), result: result === 'true' };
}

/** A history of the given operations, one per string. */
export function history(...lines: string[]): History {
  return { operations: lines.map(op) };
}
