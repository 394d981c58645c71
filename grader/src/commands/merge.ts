/**
 * `locklab merge <gradebook.json>... --out DIR`: one gradebook from the shards' (same lab,
 * tests and seeds; no student twice), with every student's folder copied next to it.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mergeGradebooks } from '../batch/merge.ts';
import { EXIT, UsageError } from './common.ts';

export function mergeCommand(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' } } });
  if (!values.out) throw new UsageError('--out is required: `locklab merge shard-*/gradebook.json --out grades/`');
  if (positionals.length === 0) throw new UsageError('which gradebooks? `locklab merge shard-*/gradebook.json --out grades/`');
  const report = mergeGradebooks(positionals, values.out);
  const book = report.gradebook;
  console.log(`merged ${positionals.length} gradebook(s) of ${book.lab}: ${book.students.length} student(s)`);
  if (report.missingShards.length > 0) console.error(`locklab: warning: no gradebook of shard ${report.missingShards.join(', ')}`);
  console.log(`gradebook: ${path.normalize(report.files.csv)} and ${path.normalize(report.files.json)}`);
  return EXIT.passed;
}
