/**
 * What the scheduler needs from a node: deliver one event, get back everything the node
 * did until it was idle. A real child process (`cluster/process-node.ts`) and an
 * in-memory node for the grader's unit tests both implement it.
 */
import type { Envelope, NodeId, TimedEnvelope } from '../runtime/protocol.ts';

export type StepOutcome =
  /** The node handled the event and is waiting for the next one. */
  | { kind: 'idle'; outputs: Envelope[] }
  /** The node's code threw and nothing caught it. */
  | { kind: 'crashed'; outputs: Envelope[]; text: string }
  /** The process ended by itself (e.g. `process.exit()`), or could not start. */
  | { kind: 'exited'; outputs: Envelope[]; code: number | null; signal: string | null }
  /** The node did not become idle within the wall-clock guard: an infinite loop, most likely. */
  | { kind: 'stuck'; outputs: Envelope[]; wallMs: number }
  /** The node wrote a line that is not a valid envelope. */
  | { kind: 'malformed'; outputs: Envelope[]; line: string; problem: string }
  /**
   * The node broke one of its limits (memory, output, messages) or the sandbox refused it
   * something; `text` names the limit and its value ("ran out of memory (heap limit 256 MiB)").
   */
  | { kind: 'limit'; outputs: Envelope[]; text: string; hint: string };

export interface SimNode {
  readonly id: NodeId;
  /** The node's own folder that survives a restart (the runtime's storage), if it has one. */
  readonly stateDir?: string;
  /** Delivers one event and resolves once the node is idle again (or failed). Never rejects. */
  step(event: TimedEnvelope): Promise<StepOutcome>;
  /** SIGKILL (fail-stop). Resolves once the node is gone. */
  kill(): Promise<void>;
  /** Something the node did outside a step (output after idle, an exit), or undefined. */
  readonly misbehaviour: string | undefined;
  /** Raw stdout/stderr lines not sent through console (e.g. Node's own fatal errors), capped. */
  rawOutputTail(lines: number): string[];
}

/** Creates the node process (or object) for `id`, ready for its `init` event. */
export type NodeFactory = (id: NodeId, role: string) => SimNode;
