#!/usr/bin/env node
// The `locklab` command: the grader is TypeScript, loaded through tsx.
import { register } from 'tsx/esm/api';

register();
// `locklab grade ... | head` closes stdout early: stop quietly instead of crashing.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const { main } = await import('../grader/src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
