/**
 * Small helpers for unit tests of the scheduler with memory nodes.
 */
import type { NodeRuntime } from '../../src/runtime/node.ts';
import type { NodeId } from '../../src/runtime/protocol.ts';
import type { NetworkConfig } from '../../src/net/network.ts';
import type { TraceEvent } from '../../src/net/trace.ts';
import type { CallRule } from '../../src/sim/call-rule.ts';
import { Simulation, type NodeSpec } from '../../src/sim/simulation.ts';
import { memoryCluster, type Behaviour, type MemoryCluster } from './memory-node.ts';

export interface SimSetup {
  seed?: number;
  /** Nodes in start order: `[id, role]` or full specs. */
  nodes: (readonly [NodeId, string] | NodeSpec)[];
  behaviours: Record<string, Behaviour>;
  latencyMs?: NetworkConfig['latencyMs'];
  maxEvents?: number;
  /** Who may call whom, by role; absent: anyone may call anyone. */
  calls?: CallRule;
}

export interface SimHandle {
  sim: Simulation;
  cluster: MemoryCluster;
}

/** A simulation of memory nodes, not yet started. */
export function memorySimulation(setup: SimSetup): SimHandle {
  const cluster = memoryCluster(setup.behaviours);
  const nodes: NodeSpec[] = setup.nodes.map((n) => (Array.isArray(n) ? { id: n[0], role: n[1], config: {} } : (n as NodeSpec)));
  const sim = new Simulation({
    seed: setup.seed ?? 1,
    nodes,
    factory: cluster,
    network: { latencyMs: setup.latencyMs ?? { min: 1, max: 10 } },
    limits: { maxEvents: setup.maxEvents ?? 10_000 },
    ...(setup.calls ? { calls: setup.calls } : {}),
  });
  return { sim, cluster };
}

/** A simulation of memory nodes, started (every node got its `init`). */
export async function startedSimulation(setup: SimSetup): Promise<SimHandle> {
  const handle = memorySimulation(setup);
  await handle.sim.start();
  return handle;
}

/** `sleep()` on a runtime: resolves when the virtual timer fires. */
export function sleep(runtime: NodeRuntime, ms: number): Promise<void> {
  return new Promise((resolve) => runtime.setTimer(resolve, ms));
}

/** A promise that never settles: a handler awaiting it waits forever. */
export function never<T = never>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

/** The trace without its bodies and texts: kind, time and who, for compact assertions. */
export function outline(events: readonly TraceEvent[]): string[] {
  return events.map((e) => {
    switch (e.kind) {
      case 'start': return `${e.t} start ${e.node}`;
      case 'send': return `${e.t} send #${e.id} ${e.from}->${e.to} ${e.body.type}`;
      case 'deliver': return `${e.t} deliver #${e.id} ${e.from}->${e.to}`;
      case 'drop': return `${e.t} drop #${e.id} ${e.from}->${e.to}`;
      case 'refuse': return `${e.t} refuse #${e.id} ${e.from}->${e.to}${e.byRule ? ' (rule)' : ''}`;
      case 'timer': return `${e.t} timer ${e.node}#${e.timer}`;
      case 'invoke': return `${e.t} invoke op${e.op} ${e.client} ${e.name}`;
      case 'complete': return `${e.t} complete op${e.op} ${e.client}`;
      case 'kill': return `${e.t} kill ${e.node}`;
      case 'crash': return `${e.t} crash ${e.node}`;
      case 'log': return `${e.t} log ${e.node}`;
      case 'note': return `${e.t} note ${e.text}`;
      case 'duplicate': return `${e.t} duplicate #${e.id} ${e.from}->${e.to}`;
      case 'fault': return `${e.t} fault ${e.fault} ${e.nodes.join(',')}`;
    }
  });
}
