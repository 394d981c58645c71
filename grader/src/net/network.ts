/**
 * The network model: what happens to each message between two nodes.
 *
 * By default (lab 1's fail-stop model) the network is reliable and asynchronous: every
 * message arrives after a latency the seed draws from [min, max], so messages can arrive out
 * of order. On top of that, per directed link and all decided by the seed:
 * - loss (a message never arrives), duplication (it arrives twice), and a delay distribution
 *   (constant, uniform, exponential) that reorders messages;
 * - partitions: links cut in one or both directions (messages on them are lost) until healed;
 * - held links: messages wait, undelivered, until the link is released (a test's precise delay);
 * - slow nodes: extra delay on every message to or from a node.
 * Whether the destination is alive is the scheduler's business, not the network's.
 */
import type { NodeId } from '../runtime/protocol.ts';
import type { Rng } from '../sim/prng.ts';

export interface NetworkConfig {
  /** One-way latency of a message, in virtual ms, drawn uniformly from [min, max]. */
  latencyMs: { min: number; max: number };
}

export const DEFAULT_NETWORK: NetworkConfig = { latencyMs: { min: 1, max: 10 } };

/** A distribution of one-way delays, in virtual ms. */
export type Delay =
  | { kind: 'constant'; ms: number }
  | { kind: 'uniform'; min: number; max: number }
  /** Mean `meanMs`, cut at `maxMs` so that a message is late, not lost. */
  | { kind: 'exponential'; meanMs: number; maxMs: number };

/** How one directed link treats its messages. */
export interface LinkFaults {
  /** Probability that a message is lost. */
  loss: number;
  /** Probability that a message is delivered twice (each copy with its own delay). */
  duplicate: number;
  /** Delay of each copy; the network's base latency when absent. */
  delay?: Delay;
}

/** A rule for the links it matches; `'*'` matches any node. Later rules override earlier ones. */
export interface LinkRule {
  from: NodeId | '*';
  to: NodeId | '*';
  faults: Partial<LinkFaults>;
}

/** What happens to one message on its way. */
export type Routing =
  /** One delay per copy that arrives (two for a duplicated message). */
  | { kind: 'deliver'; delays: number[] }
  | { kind: 'drop'; reason: 'lost' | 'partitioned' }
  | { kind: 'hold' };

export interface Latency {
  min: number;
  max: number;
}

const linkKey = (from: NodeId, to: NodeId) => `${from}\u0000${to}`;

export function drawDelay(delay: Delay, rng: Rng): number {
  switch (delay.kind) {
    case 'constant':
      return delay.ms;
    case 'uniform':
      return rng.int(delay.min, delay.max);
    case 'exponential':
      return Math.min(delay.maxMs, Math.round(-delay.meanMs * Math.log(1 - rng.next())));
  }
}

export class Network {
  private readonly held = new Set<string>();
  private readonly cut = new Set<string>();
  private rules: LinkRule[] = [];
  private readonly slow = new Map<NodeId, number>();

  constructor(
    private readonly config: NetworkConfig,
    private readonly rng: Rng,
  ) {}

  route(from: NodeId, to: NodeId): Routing {
    if (this.held.has(linkKey(from, to))) return { kind: 'hold' };
    if (this.cut.has(linkKey(from, to))) return { kind: 'drop', reason: 'partitioned' };
    const faults = this.faultsOf(from, to);
    if (faults.loss > 0 && this.rng.chance(faults.loss)) return { kind: 'drop', reason: 'lost' };
    const copies = faults.duplicate > 0 && this.rng.chance(faults.duplicate) ? 2 : 1;
    return { kind: 'deliver', delays: Array.from({ length: copies }, () => this.latency(from, to)) };
  }

  /** A latency drawn for one message on the link (faults aside). */
  latency(from: NodeId, to: NodeId): number {
    const delay = this.faultsOf(from, to).delay;
    const base = delay ? drawDelay(delay, this.rng) : this.rng.int(this.config.latencyMs.min, this.config.latencyMs.max);
    return base + (this.slow.get(from) ?? 0) + (this.slow.get(to) ?? 0);
  }

  /** The faults in force on a link: the base (none) overridden by every matching rule, in order. */
  faultsOf(from: NodeId, to: NodeId): LinkFaults {
    const faults: LinkFaults = { loss: 0, duplicate: 0 };
    for (const rule of this.rules) {
      if ((rule.from === '*' || rule.from === from) && (rule.to === '*' || rule.to === to)) Object.assign(faults, rule.faults);
    }
    return faults;
  }

  addRule(rule: LinkRule): void {
    this.rules.push(rule);
  }

  clearRules(): void {
    this.rules = [];
  }

  setLatency(from: NodeId, to: NodeId, latency: Latency): void {
    this.addRule({ from, to, faults: { delay: { kind: 'uniform', min: latency.min, max: latency.max } } });
  }

  /** Cuts the links between nodes of different groups, both ways. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const [i, group] of groups.entries()) {
      for (const [j, other] of groups.entries()) {
        if (i === j) continue;
        for (const from of group) for (const to of other) this.cut.add(linkKey(from, to));
      }
    }
  }

  /** Cuts one direction of one link. */
  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(linkKey(from, to));
  }

  /** Restores every cut link. */
  heal(): void {
    this.cut.clear();
  }

  /** Every message to or from `node` takes `extraMs` longer (0: back to normal). */
  setSlow(node: NodeId, extraMs: number): void {
    if (extraMs > 0) this.slow.set(node, extraMs);
    else this.slow.delete(node);
  }

  hold(from: NodeId, to: NodeId): void {
    this.held.add(linkKey(from, to));
  }

  release(from: NodeId, to: NodeId): void {
    this.held.delete(linkKey(from, to));
  }
}
