/** Small helpers for the bench: timing, medians, units. */

export interface Sample {
  /** Every measurement, in the order taken. */
  values: number[];
  median: number;
  min: number;
  max: number;
}

export function sample(values: number[]): Sample {
  if (values.length === 0) throw new Error('bench: no measurements');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { values, median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** Milliseconds, shown as ms below 10 s and as s above. */
export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** A rate such as 12 345 /s, with thousands separated. */
export function formatRate(perSecond: number, unit: string): string {
  const rounded = perSecond >= 100 ? Math.round(perSecond) : Number(perSecond.toFixed(1));
  return `${rounded.toLocaleString('en-US')} ${unit}/s`;
}

/** Microseconds per operation from a rate. */
export function formatPerOp(perSecond: number): string {
  const us = 1e6 / perSecond;
  return us >= 1000 ? `${(us / 1000).toFixed(2)} ms/op` : `${us.toFixed(us >= 10 ? 0 : 1)} µs/op`;
}

/** Progress, on stderr, so that stdout holds only the report. */
export function progress(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}
