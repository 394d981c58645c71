/**
 * The history checker's speed: a 10,000-operation history over 10 locks and 10 clients
 * (goal: under 1 s), and 300 operations on one lock with 10 overlapping clients, both
 * linearizable; plus the same large history with one wrong answer (search + counterexample).
 */
import { checkHistory, type History } from '../src/check/index.ts';
import { simulateRun } from '../test/check/generators.ts';
import { formatMs, progress, sample, type Sample } from './stats.ts';
import type { Section } from './table.ts';

export interface CheckerFigures {
  large: { operations: number; locks: number; clients: number; ms: Sample };
  oneLock: { operations: number; clients: number; ms: Sample };
  largeWithAnomaly: { ms: Sample; counterexample: number };
}

function time(history: History, repeats: number, expect: boolean): Sample {
  const values: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const verdict = checkHistory(history);
    values.push(performance.now() - started);
    if ((verdict.ok === true) !== expect) throw new Error(`bench: the checker said ${JSON.stringify(verdict.ok)} where ${expect} was expected`);
  }
  return sample(values);
}

/** Flips the answer of the first completed operation of the history: a result no order explains. */
function withAnomaly(history: History): History {
  const operations = history.operations.map((op) => ({ ...op }));
  const victim = operations.findIndex((op) => op.complete !== null);
  const op = operations[victim]!;
  operations[victim] = { ...op, result: !op.result } as (typeof operations)[number];
  return { operations };
}

export function benchChecker(repeats: number): { figures: CheckerFigures; section: Section } {
  progress('history checker: 10,000 operations / 10 locks / 10 clients, and 300 operations on one lock');
  const large = simulateRun({ operations: 10_000, clients: 10, locks: 10, seed: 1, indeterminateRate: 0.01 });
  const oneLock = simulateRun({ operations: 300, clients: 10, locks: 1, seed: 2, indeterminateRate: 0.01 });
  const anomalous = withAnomaly(large);
  const figures: CheckerFigures = {
    large: { operations: 10_000, locks: 10, clients: 10, ms: time(large, repeats, true) },
    oneLock: { operations: 300, clients: 10, ms: time(oneLock, repeats, true) },
    largeWithAnomaly: { ms: time(anomalous, repeats, false), counterexample: 0 },
  };
  const verdict = checkHistory(anomalous);
  figures.largeWithAnomaly.counterexample = verdict.ok === false ? verdict.counterexample.length : 0;
  const row = (label: string, s: Sample, note: string) => ({ label, median: formatMs(s.median), min: formatMs(s.min), note });
  return {
    figures,
    section: {
      title: '4. History checker (linearizability against the lock specification, per lock)',
      rows: [
        row('10,000 ops, 10 locks, 10 clients: linearizable', figures.large.ms, `${repeats} runs; goal under 1 s; 1% of answers lost`),
        row('300 ops, 1 lock, 10 overlapping clients', figures.oneLock.ms, `${repeats} runs`),
        row('10,000 ops with one wrong answer: rejected', figures.largeWithAnomaly.ms, `search + minimal counterexample (${figures.largeWithAnomaly.counterexample} ops)`),
      ],
    },
  };
}
