/** Puts a failure model in force on a simulation: its link faults now, its nemesis on schedule. */
import type { NodeId } from '../runtime/protocol.ts';
import { createRng, deriveSeed } from '../sim/prng.ts';
import type { Simulation } from '../sim/simulation.ts';
import type { FailureModel, Nemesis } from './failure-model.ts';
import { describeFault, planNemesis, type FaultAction } from './nemesis.ts';

export async function applyFault(sim: Simulation, action: FaultAction): Promise<void> {
  switch (action.kind) {
    case 'partition': return sim.partition(action.groups);
    case 'heal': return sim.heal();
    case 'crash': return sim.kill(action.node, 'nemesis: crash');
    case 'restart': return sim.restart(action.node);
    case 'pause': return sim.pause(action.node);
    case 'resume': return sim.resume(action.node);
    case 'slow': return sim.setSlow(action.node, action.extraMs);
  }
}

/** The nodes of a run, and which of them are client hosts (the lab's `clientRoles`). */
export interface Cluster {
  nodes: readonly NodeId[];
  clients: readonly NodeId[];
}

/** The nodes a nemesis aims at, in the run's node order. */
export function nemesisTargets(nemesis: Nemesis, cluster: Cluster): NodeId[] {
  const { nodes, clients } = cluster;
  switch (nemesis.targets) {
    case 'all': return [...nodes];
    case 'clients': return nodes.filter((n) => clients.includes(n));
    case 'servers': return nodes.filter((n) => !clients.includes(n));
    default: return [...nemesis.targets];
  }
}

/**
 * Applies `model` from the simulation's current time on. Returns the virtual time at which
 * every nemesis fault is healed (the current time when there is no nemesis; a node crashed for
 * good stays down).
 */
export function applyFailureModel(sim: Simulation, model: FailureModel, cluster: Cluster, seed: number): number {
  for (const rule of model.links) sim.addLinkRule(rule);
  const nemesis = model.nemesis;
  if (!nemesis) return sim.now;
  const ids = [...cluster.nodes];
  const targets = nemesisTargets(nemesis, cluster);
  const unknown = targets.filter((t) => !ids.includes(t));
  if (unknown.length > 0) throw new Error(`the nemesis of failure model "${model.name}" targets unknown nodes: ${unknown.join(', ')} (nodes: ${ids.join(', ')})`);
  const start = sim.now;
  for (const { at, action } of planNemesis(nemesis, ids, targets, createRng(deriveSeed(seed, 'nemesis')))) {
    sim.at(start + at, `nemesis: ${describeFault(action)}`, () => applyFault(sim, action));
  }
  return start + nemesis.toMs;
}
