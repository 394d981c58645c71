/** The runtime of the node this process is, set by the bootstrap before student code loads. */
import type { NodeRuntime } from './node.ts';

let current: NodeRuntime | undefined;

export function setCurrentRuntime(runtime: NodeRuntime | undefined): void {
  current = runtime;
}

export function currentRuntime(): NodeRuntime {
  if (!current) {
    throw new Error('locklab/runtime is only available inside a node that the grader started (run `npx locklab grade ...`).');
  }
  return current;
}
