#!/usr/bin/env node
// The `locklab` command: the grader is TypeScript, loaded through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../grader/src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
