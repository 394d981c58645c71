/**
 * The message trace: everything that happened in one run, in order, with virtual times.
 * It is the evidence behind every verdict, the input of the trace viewer, and a replay's
 * fingerprint: the same seed gives the same trace, byte for byte (no wall-clock time in it).
 */
import type { Body, NodeId } from '../runtime/protocol.ts';

export type TraceEvent =
  /** A node started (or restarted) and was sent `init`. */
  | { t: number; kind: 'start'; node: NodeId; role: string; incarnation?: number }
  /** A node sent a message; `id` names it in the events that follow. */
  | { t: number; kind: 'send'; id: number; from: NodeId; to: NodeId; body: Body }
  | { t: number; kind: 'deliver'; id: number; from: NodeId; to: NodeId }
  /** A message that never arrives: its destination died, or the network lost it. */
  | { t: number; kind: 'drop'; id: number; from: NodeId; to: NodeId; reason: string }
  /** The network delivers a second copy of message `id`. */
  | { t: number; kind: 'duplicate'; id: number; from: NodeId; to: NodeId }
  /**
   * A message refused: to a dead or unknown node, or one the lab's rule on who may call whom
   * forbids (`byRule`); if it was a request, the sender gets an `unreachable` error at once.
   * `reason` says why (traces written before it existed lack it).
   */
  | { t: number; kind: 'refuse'; id: number; from: NodeId; to: NodeId; reason?: string; byRule?: true }
  | { t: number; kind: 'timer'; node: NodeId; timer: number }
  /** A client operation the test started, and its completion. */
  | { t: number; kind: 'invoke'; op: number; client: NodeId; name: string; args: unknown[] }
  | { t: number; kind: 'complete'; op: number; client: NodeId; result: unknown }
  /** Faults: a node SIGKILLed by the test, or a node that crashed by itself. */
  | { t: number; kind: 'kill'; node: NodeId; why: string }
  | { t: number; kind: 'crash'; node: NodeId; text: string }
  /** Any other injected fault, or its end: partitions, link faults, pauses, restarts, slow nodes. */
  | { t: number; kind: 'fault'; fault: FaultKind; nodes: NodeId[]; text: string }
  | { t: number; kind: 'log'; node: NodeId; stream: 'stdout' | 'stderr'; text: string }
  /** A note from the test or the grader (e.g. a trigger that fired). */
  | { t: number; kind: 'note'; text: string };

export type TraceKind = TraceEvent['kind'];

export type FaultKind = 'partition' | 'cut' | 'heal' | 'links' | 'slow' | 'pause' | 'resume' | 'restart';

/** The file that `--trace-dir` writes for each run. */
export interface TraceFile {
  format: 'locklab-trace';
  version: 1;
  lab: string;
  test: string;
  seed: number;
  /** The run's nodes; `client`: a client host (one of the lab's `clientRoles`). */
  nodes: { id: NodeId; role: string; client?: true }[];
  events: TraceEvent[];
  outcome: { passed: boolean; message?: string };
}

/** Appends events; keeps a per-node cap on log lines so a chatty node cannot fill memory. */
export class TraceRecorder {
  readonly events: TraceEvent[] = [];
  private readonly logLines = new Map<NodeId, number>();

  constructor(private readonly maxLogLinesPerNode = 2000) {}

  add(event: TraceEvent): void {
    if (event.kind === 'log') {
      const n = (this.logLines.get(event.node) ?? 0) + 1;
      this.logLines.set(event.node, n);
      if (n > this.maxLogLinesPerNode) {
        if (n === this.maxLogLinesPerNode + 1) {
          this.events.push({ ...event, text: `(locklab: more than ${this.maxLogLinesPerNode} log lines; the rest are not kept)` });
        }
        return;
      }
    }
    this.events.push(event);
  }

  /** The last `n` log lines of a node, as `[t ms] text`. */
  tailOfLog(node: NodeId, n: number): string[] {
    const lines: string[] = [];
    for (let i = this.events.length - 1; i >= 0 && lines.length < n; i--) {
      const e = this.events[i]!;
      if ((e.kind === 'log' || e.kind === 'crash') && e.node === node) {
        const text = e.kind === 'log' ? e.text : `CRASH ${e.text}`;
        lines.unshift(...text.split('\n').map((l) => `[${e.t} ms] ${l}`));
      }
    }
    return lines.slice(-n);
  }
}
