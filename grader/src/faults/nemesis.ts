/**
 * The nemesis: a seeded schedule of faults over a time window, one fault at a time, each
 * undone after a while, and everything healed when the window ends (so that a test can then
 * ask every client to finish). A `crash` is fail-stop: its node stays down, it is never the
 * last target standing, and no later fault picks it. Pure: the same seed and nodes give the
 * same schedule.
 */
import type { NodeId } from '../runtime/protocol.ts';
import type { Rng } from '../sim/prng.ts';
import type { Nemesis } from './failure-model.ts';

export type FaultAction =
  | { kind: 'partition'; groups: NodeId[][] }
  | { kind: 'heal' }
  | { kind: 'crash'; node: NodeId }
  | { kind: 'restart'; node: NodeId }
  | { kind: 'pause'; node: NodeId }
  | { kind: 'resume'; node: NodeId }
  | { kind: 'slow'; node: NodeId; extraMs: number };

export interface PlannedFault {
  at: number;
  action: FaultAction;
}

/** A random split of the nodes in two non-empty groups (or one target cut off from the rest). */
function randomPartition(nodes: readonly NodeId[], targets: readonly NodeId[], rng: Rng): NodeId[][] {
  if (rng.chance(0.5)) {
    const alone = rng.pick(targets);
    return [[alone], nodes.filter((n) => n !== alone)];
  }
  const shuffled = [...nodes].sort(() => rng.next() - 0.5);
  const cut = rng.int(1, nodes.length - 1);
  return [shuffled.slice(0, cut).sort(), shuffled.slice(cut).sort()];
}

/** The start and end of each fault, in time order; the last event is at or before `toMs`. */
export function planNemesis(nemesis: Nemesis, nodes: readonly NodeId[], targets: readonly NodeId[], rng: Rng): PlannedFault[] {
  if (targets.length === 0 || nodes.length < 2) return [];
  const plan: PlannedFault[] = [];
  const crashed = new Set<NodeId>();
  let t = nemesis.fromMs + rng.int(nemesis.everyMs.min, nemesis.everyMs.max);
  while (t < nemesis.toMs) {
    const end = Math.min(nemesis.toMs, t + rng.int(nemesis.lastingMs.min, nemesis.lastingMs.max));
    const fault = rng.pick(nemesis.faults);
    const standing = crashed.size === 0 ? targets : targets.filter((n) => !crashed.has(n));
    const node = rng.pick(standing);
    switch (fault) {
      case 'partition':
        plan.push({ at: t, action: { kind: 'partition', groups: randomPartition(nodes, standing, rng) } }, { at: end, action: { kind: 'heal' } });
        break;
      case 'isolate':
        plan.push({ at: t, action: { kind: 'partition', groups: [[node], nodes.filter((n) => n !== node)] } }, { at: end, action: { kind: 'heal' } });
        break;
      case 'crash':
        if (standing.length < 2) break; // never the last one standing
        crashed.add(node);
        plan.push({ at: t, action: { kind: 'crash', node } });
        break;
      case 'crash-restart':
        plan.push({ at: t, action: { kind: 'crash', node } }, { at: end, action: { kind: 'restart', node } });
        break;
      case 'pause':
        plan.push({ at: t, action: { kind: 'pause', node } }, { at: end, action: { kind: 'resume', node } });
        break;
      case 'slow':
        plan.push({ at: t, action: { kind: 'slow', node, extraMs: rng.int(20, 200) } }, { at: end, action: { kind: 'slow', node, extraMs: 0 } });
        break;
    }
    t = end + rng.int(nemesis.everyMs.min, nemesis.everyMs.max);
  }
  return plan;
}

export function describeFault(action: FaultAction): string {
  switch (action.kind) {
    case 'partition': return `partition ${action.groups.map((g) => `{${g.join(', ')}}`).join(' | ')}`;
    case 'heal': return 'heal the network';
    case 'slow': return action.extraMs > 0 ? `slow ${action.node} by ${action.extraMs} ms` : `${action.node} at normal speed`;
    default: return `${action.kind} ${action.node}`;
  }
}
