#!/usr/bin/env node
// The `locklab` command: the grader is TypeScript, loaded through tsx.
import { register } from 'tsx/esm/api';

// Loading the grader takes a moment (seconds on a first run or a busy machine): on a terminal,
// say so at once. The line is cleared before the command prints anything. Not in CI, where
// output stays plain (the same test as `isCI` in grader/src/report/live-status.ts, which cannot
// be loaded yet).
const { CI, GITHUB_ACTIONS, TERM } = process.env;
const ci = (CI !== undefined && CI !== '' && CI !== 'false' && CI !== '0') || GITHUB_ACTIONS === 'true';
const starting = process.stdout.isTTY && !ci && TERM !== 'dumb' ? 'locklab: starting…' : '';
if (starting) process.stdout.write(starting);
register();
// `locklab grade ... | head` closes stdout early: stop quietly instead of crashing.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const { main } = await import('../grader/src/cli.ts');
if (starting) process.stdout.write(`\r${' '.repeat(starting.length)}\r`);
process.exitCode = await main(process.argv.slice(2));
