/** `locklab view TRACE.json`: the trace viewer's page, written next to the trace. */
import { writeTraceHtml } from '../report/trace-viewer.ts';
import { EXIT, UsageError } from './common.ts';

/** `locklab view TRACE.json`: writes the trace's page next to it and prints the page's path. */
export function viewCommand(args: string[]): number {
  if (args.length !== 1) throw new UsageError('view takes one trace file: `locklab view traces/Basic-seed1.json`');
  console.log(writeTraceHtml(args[0]!));
  return EXIT.passed;
}

