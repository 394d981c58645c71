/** `locklab check HISTORY.json`: is a saved history (or a trace's) linearizable? */
import { readFileSync } from 'node:fs';
import chalk from 'chalk';
import { checkHistory, describeOperation, parseHistory } from '../check/index.ts';
import { historyFromTrace } from '../check/from-run.ts';
import { inertLine, inertText } from '../text/untrusted.ts';
import { EXIT, UsageError } from './common.ts';

/** Exit 0 linearizable, 1 not (with the counterexample), 2 malformed file (with what is wrong). */
export function checkCommand(args: string[]): number {
  if (args.length !== 1) throw new UsageError('check takes one file: `locklab check HISTORY.json`');
  const file = args[0]!;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${file} as JSON: ${(err as Error).message}`);
  }
  const isTrace = typeof json === 'object' && json !== null && (json as { format?: unknown }).format === 'locklab-trace';
  const parsed = isTrace ? parseHistory(historyFromTrace(json as Parameters<typeof historyFromTrace>[0])) : parseHistory(json);
  if (!parsed.ok) throw new UsageError(`${file} is not a valid history: ${parsed.error}`);
  const verdict = checkHistory(parsed.history);
  if (verdict.ok === true) {
    console.log(chalk.green(`linearizable: ${verdict.operations} operations on ${verdict.locks} lock(s)`));
    return EXIT.passed;
  }
  if (verdict.ok === false) {
    // Lock names, clients and values come from the file, which anyone may have written: shown, never obeyed.
    console.log(chalk.red.bold(`NOT linearizable, lock "${inertLine(verdict.lock)}": `) + inertText(verdict.explanation));
    console.log(`smallest set of operations that cannot be ordered (${verdict.counterexample.length}):`);
    for (const op of verdict.counterexample) console.log(`  ${inertLine(describeOperation(op))}`);
    return EXIT.failed;
  }
  throw new UsageError(`could not decide for lock "${inertLine(verdict.lock)}": ${inertText(verdict.explanation)}`);
}

