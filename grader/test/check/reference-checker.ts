/**
 * A deliberately naive linearizability checker for tiny histories: tries
 * every order (and, for indeterminate operations, every choice of taking
 * effect or not), remembering only which (remaining operations, state) pairs
 * already failed. The real checker is tested against it.
 */
import type { Operation } from '../../src/check/index.ts';

export function isLinearizableByBruteForce(operations: readonly Operation[]): boolean {
  const locks = new Set(operations.map((op) => op.lock));
  return [...locks].every((lock) => isLockLinearizable(operations.filter((op) => op.lock === lock)));
}

function isLockLinearizable(ops: readonly Operation[]): boolean {
  if (ops.length > 20) throw new Error('too many operations for brute force');
  const failed = new Set<string>();
  const search = (remaining: number, held: boolean): boolean => {
    const pending = ops.filter((_, index) => remaining & (1 << index));
    if (pending.every((op) => op.complete === null)) return true;
    const key = `${remaining}/${held}`;
    if (failed.has(key)) return false;
    const found = ops.some((candidate, index) => {
      if (!(remaining & (1 << index))) return false;
      // Nothing still remaining may have finished strictly before `candidate` started.
      const blocked = pending.some(
        (other) => other !== candidate && other.complete !== null && other.complete < candidate.invoke,
      );
      if (blocked) return false;
      const rest = remaining & ~(1 << index);
      const heldAfter = candidate.op === 'lock';
      if (candidate.complete === null) return search(rest, heldAfter) || search(rest, held);
      const expected = candidate.op === 'lock' ? !held : held;
      return candidate.result === expected && search(rest, heldAfter);
    });
    if (!found) failed.add(key);
    return found;
  };
  return search((1 << ops.length) - 1, false);
}
