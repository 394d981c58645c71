/**
 * An in-memory `SimNode` for the grader's unit tests: a real `NodeRuntime` running in the
 * test process, with no child process, no fd 3 and no virtual globals.
 *
 * `step()` hands the event to `runtime.receive()` and collects every envelope the runtime
 * sends until it sends `{type: 'idle'}` (the runtime answers `idle` from a `setImmediate`
 * after the dispatch, so everything a handler does up to its next real await is part of
 * the step). Both ways go through JSON, and every envelope the node sends is checked with
 * the grader's wire schema, as ProcessNode checks each line (a rejected one ends the step
 * as 'malformed').
 *
 * A `crash` body ends the step as 'crashed' and the node is gone afterwards, as a real node
 * process exits after reporting a crash; the runtime's `exit` hook without a crash body
 * ends it as 'exited', as ProcessNode reports a process that exited. `kill()` marks the
 * node dead.
 *
 * A node's behaviour is a setup function that gets the runtime (and who the node is) and
 * registers what the node does: `handle(...)`, `onInit(...)`, `serveClientApi(...)`; its
 * handlers use `runtime.call(...)`, `runtime.setTimer(...)`, `runtime.now`, ...
 */
import { NodeRuntime } from '../../src/runtime/node.ts';
import type { Envelope, NodeId, TimedEnvelope } from '../../src/runtime/protocol.ts';
import type { NodeFactory, SimNode, StepOutcome } from '../../src/sim/sim-node.ts';
import { parseNodeLine } from '../../src/net/wire-schema.ts';

/** Sets up one node: registers handlers, the init hook and (for client hosts) the client API. */
export type Behaviour = (runtime: NodeRuntime, node: { id: NodeId; role: string }) => void;

interface ActiveStep {
  outputs: Envelope[];
  resolve: (outcome: StepOutcome) => void;
}

export class MemoryNode implements SimNode {
  readonly runtime: NodeRuntime;
  misbehaviour: string | undefined;
  /** Every event this node was given, in order (for assertions). */
  readonly received: TimedEnvelope[] = [];
  /** The node was killed, or it crashed. */
  dead = false;
  /** Whether the node was killed with `kill()` (and not gone by crashing). */
  killed = false;
  private active: ActiveStep | undefined;
  private crashText: string | undefined;
  private exitCode: number | null = null;

  constructor(
    readonly id: NodeId,
    readonly role: string,
    behaviour: Behaviour,
  ) {
    this.runtime = new NodeRuntime({
      send: (envelope) => this.onSend(envelope),
      // After a crash the runtime "exits", as a real node process does: like the process
      // exit in ProcessNode, this ends the step (as 'crashed' if the crash was reported).
      exit: (code) => this.onExit(code),
    });
    behaviour(this.runtime, { id, role });
  }

  step(event: TimedEnvelope): Promise<StepOutcome> {
    if (this.dead) {
      const outcome: StepOutcome =
        this.crashText !== undefined
          ? { kind: 'crashed', outputs: [], text: this.crashText }
          : this.killed
            ? { kind: 'exited', outputs: [], code: null, signal: 'SIGKILL' }
            : { kind: 'exited', outputs: [], code: this.exitCode, signal: null };
      return Promise.resolve(outcome);
    }
    if (this.active) throw new Error(`memory node ${this.id}: step() while a step is active`);
    this.received.push(event);
    return new Promise((resolve) => {
      this.active = { outputs: [], resolve };
      this.runtime.receive(JSON.parse(JSON.stringify(event)) as TimedEnvelope);
    });
  }

  async kill(): Promise<void> {
    this.dead = true;
    this.killed = true;
  }

  rawOutputTail(_lines: number): string[] {
    return [];
  }

  private onSend(envelope: Envelope): void {
    if (this.dead && !this.active) return; // a dead node does nothing more
    const step = this.active;
    if (!step) {
      this.misbehaviour ??= `sent "${envelope.body.type}" while it was not handling an event`;
      return;
    }
    // Through the wire format and its schema, as ProcessNode does with every line.
    const line = JSON.stringify(envelope);
    const parsed = parseNodeLine(line);
    if (!parsed.ok) {
      this.dead = true;
      return this.finish({ kind: 'malformed', outputs: step.outputs, line: line.slice(0, 300), problem: parsed.problem });
    }
    const body = parsed.envelope.body;
    if (body.type === 'idle') return this.finish({ kind: 'idle', outputs: step.outputs });
    if (body.type === 'crash') {
      this.crashText = String(body.text);
      this.dead = true;
      return this.finish({ kind: 'crashed', outputs: step.outputs, text: this.crashText });
    }
    step.outputs.push(parsed.envelope);
  }

  private onExit(code: number): void {
    const wasDead = this.dead;
    this.dead = true;
    this.exitCode = code;
    const step = this.active;
    if (!step) {
      if (!wasDead) this.misbehaviour ??= `exited (code ${code}) while idle`;
      return;
    }
    this.finish(
      this.crashText !== undefined
        ? { kind: 'crashed', outputs: step.outputs, text: this.crashText }
        : { kind: 'exited', outputs: step.outputs, code, signal: null },
    );
  }

  private finish(outcome: StepOutcome): void {
    const step = this.active;
    this.active = undefined;
    step?.resolve(outcome);
  }
}

/** A `NodeFactory` that also remembers the nodes it made, by id. */
export type MemoryCluster = NodeFactory & { readonly nodes: Map<NodeId, MemoryNode> };

/** A factory of memory nodes: each role's behaviour is a setup function. */
export function memoryCluster(behaviours: Record<string, Behaviour>): MemoryCluster {
  const nodes = new Map<NodeId, MemoryNode>();
  const factory = (id: NodeId, role: string): SimNode => {
    const behaviour = behaviours[role];
    if (!behaviour) throw new Error(`memoryCluster: no behaviour for role "${role}" (roles: ${Object.keys(behaviours).join(', ')})`);
    const node = new MemoryNode(id, role, behaviour);
    nodes.set(id, node);
    return node;
  };
  return Object.assign(factory, { nodes });
}
