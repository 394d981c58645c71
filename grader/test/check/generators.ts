/**
 * Histories that are correct by construction: operations take effect one at
 * a time at known linearization points on a sequential lock, then each is
 * widened into an interval around its point.
 */
import fc from 'fast-check';
import type { History, Operation } from '../../src/check/index.ts';

/** What became of an operation. */
export type Fate = 'answered' | 'answer-lost' | 'never-happened';

export interface PlannedOperation {
  client: number;
  lock: number;
  kind: 'lock' | 'unlock';
  /** How long before its linearization point the operation was invoked. */
  before: number;
  /** How long after its linearization point the answer arrived. */
  after: number;
  fate: Fate;
}

/** Linearization points are this far apart; widths up to 4x this overlap a lot. */
const SPACING = 10;

export const plannedOperation: fc.Arbitrary<PlannedOperation> = fc.record({
  client: fc.integer({ min: 0, max: 5 }),
  lock: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom('lock' as const, 'unlock' as const),
  before: fc.integer({ min: 0, max: 4 * SPACING }),
  after: fc.integer({ min: 0, max: 4 * SPACING }),
  fate: fc.oneof(
    { weight: 10, arbitrary: fc.constant<Fate>('answered') },
    { weight: 1, arbitrary: fc.constant<Fate>('answer-lost') },
    { weight: 1, arbitrary: fc.constant<Fate>('never-happened') },
  ),
});

/** A correct run: operations in linearization order. */
export const plannedRun: fc.Arbitrary<PlannedOperation[]> = fc.array(plannedOperation, { minLength: 1, maxLength: 80 });

/**
 * Builds the history of a planned run. With `isolate`, that operation (which
 * must be answered) is squeezed to its linearization point and every other
 * operation on its lock is kept clear of it, so its answer is forced.
 */
export function buildHistory(plan: readonly PlannedOperation[], isolate?: number): History {
  const held = new Map<number, boolean>();
  const isolated = isolate === undefined ? undefined : { lock: plan[isolate]!.lock, point: pointOf(isolate) };
  const operations = plan.map((planned, index): Operation => {
    const point = pointOf(index);
    let invoke = Math.max(0, point - planned.before);
    let complete = point + planned.after;
    if (isolated && planned.lock === isolated.lock) {
      if (index === isolate) [invoke, complete] = [point, point];
      else if (point < isolated.point) complete = Math.min(complete, isolated.point - 1);
      else invoke = Math.max(invoke, isolated.point + 1);
    }
    const base = { client: `c${planned.client}`, op: planned.kind, lock: `l${planned.lock}`, invoke };
    if (planned.fate === 'never-happened') return { ...base, complete: null, result: null };

    const wasHeld = held.get(planned.lock) ?? false;
    const result = planned.kind === 'lock' ? !wasHeld : wasHeld;
    held.set(planned.lock, planned.kind === 'lock');
    if (planned.fate === 'answer-lost') return { ...base, complete: null, result: null };
    return { ...base, complete, result };
  });
  return { operations };
}

/**
 * Indexes of answered operations whose answer is forced once isolated: no
 * indeterminate operation on the same lock comes before them (it could take
 * effect at any later time and explain any answer).
 */
export function isolatable(plan: readonly PlannedOperation[]): number[] {
  const lockWithIndeterminate = new Set<number>();
  const indexes: number[] = [];
  plan.forEach((planned, index) => {
    if (planned.fate !== 'answered') lockWithIndeterminate.add(planned.lock);
    else if (!lockWithIndeterminate.has(planned.lock)) indexes.push(index);
  });
  return indexes;
}

function pointOf(index: number): number {
  return SPACING * (index + 1);
}

/**
 * Arbitrary (mostly wrong) small histories, for comparison with the
 * brute-force checker: short time spans, so operations overlap a lot.
 */
export function smallHistory(options: {
  maxOperations: number;
  locks: string[];
  indeterminateWeight: number;
}): fc.Arbitrary<History> {
  const row = fc.record({
    client: fc.constantFrom('c1', 'c2', 'c3'),
    lock: fc.constantFrom(...options.locks),
    kind: fc.constantFrom('lock' as const, 'unlock' as const),
    invoke: fc.integer({ min: 0, max: 2 * options.maxOperations }),
    duration: fc.integer({ min: 0, max: 6 }),
    result: fc.oneof(
      { weight: 4, arbitrary: fc.boolean() },
      { weight: options.indeterminateWeight, arbitrary: fc.constant(null) },
    ),
  });
  return fc.array(row, { maxLength: options.maxOperations }).map((rows) => ({
    operations: rows.map(({ client, lock, kind, invoke, duration, result }): Operation => {
      const base = { client, op: kind, lock, invoke };
      if (result === null) return { ...base, complete: null, result: null };
      return { ...base, complete: invoke + duration, result };
    }),
  }));
}

export interface SimulatedRunOptions {
  operations: number;
  clients: number;
  locks: number;
  seed: number;
  /** Fraction of operations whose answer is lost (half of those took effect). */
  indeterminateRate?: number;
  /** Longest time between an operation's invoke and its answer. */
  maxLatency?: number;
}

/**
 * A correct run of sequential clients against a correct lock service with
 * random latencies: every client always has one operation outstanding, so
 * with N clients about N operations overlap at any time.
 */
export function simulateRun(options: SimulatedRunOptions): History {
  const { operations: count, clients, locks, seed, indeterminateRate = 0, maxLatency = 20 } = options;
  const random = mulberry32(seed);
  const randomInt = (max: number): number => Math.floor(random() * (max + 1));

  const nextInvoke = Array.from({ length: clients }, () => randomInt(5));
  type Planned = { op: Operation; point: number; complete: number; takesEffect: boolean; answered: boolean };
  const planned: Planned[] = [];
  for (let index = 0; index < count; index++) {
    const client = index % clients;
    const invoke = nextInvoke[client]!;
    const latency = 1 + randomInt(maxLatency - 1);
    const lost = random() < indeterminateRate;
    const op: Operation = {
      client: `c${client}`,
      op: random() < 0.5 ? 'lock' : 'unlock',
      lock: `l${randomInt(locks - 1)}`,
      invoke,
      complete: null,
      result: null,
    };
    const takesEffect = !lost || random() < 0.5;
    planned.push({ op, point: invoke + randomInt(latency), complete: invoke + latency, takesEffect, answered: !lost });
    nextInvoke[client] = invoke + latency + randomInt(3);
  }

  const held = new Map<string, boolean>();
  const byPoint = planned
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.point - b.entry.point || a.index - b.index);
  const operations: Operation[] = new Array(count);
  for (const { entry, index } of byPoint) {
    const { op } = entry;
    const wasHeld = held.get(op.lock) ?? false;
    if (entry.takesEffect) held.set(op.lock, op.op === 'lock');
    operations[index] = entry.answered
      ? { ...op, complete: entry.complete, result: op.op === 'lock' ? !wasHeld : wasHeld }
      : op;
  }
  return { operations };
}

function mulberry32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
