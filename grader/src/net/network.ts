/**
 * The network model: how long each message takes, and which links are held back.
 *
 * Lab 1's network is reliable and asynchronous: every message arrives, after a latency the
 * seed draws from [min, max], so messages on different links (and on one link) can
 * arrive out of order. A test can hold a link: its messages wait, undelivered, until the
 * link is released (an asynchronous network may delay any message for as long as it likes).
 * Whether the destination is alive is the scheduler's business, not the network's.
 */
import type { NodeId } from '../runtime/protocol.ts';
import type { Rng } from '../sim/prng.ts';

export interface NetworkConfig {
  /** One-way latency of a message, in virtual ms, drawn uniformly from [min, max]. */
  latencyMs: { min: number; max: number };
}

export const DEFAULT_NETWORK: NetworkConfig = { latencyMs: { min: 1, max: 10 } };

/** What happens to one message on its way. */
export type Routing =
  | { kind: 'deliver'; delayMs: number }
  | { kind: 'hold' };

const linkKey = (from: NodeId, to: NodeId) => `${from}\u0000${to}`;

export interface Latency {
  min: number;
  max: number;
}

export class Network {
  private readonly held = new Set<string>();
  /** Links whose latency a test set, e.g. a slow primary -> backup link. */
  private readonly linkLatency = new Map<string, Latency>();

  constructor(
    private readonly config: NetworkConfig,
    private readonly rng: Rng,
  ) {}

  route(from: NodeId, to: NodeId): Routing {
    if (this.held.has(linkKey(from, to))) return { kind: 'hold' };
    return { kind: 'deliver', delayMs: this.latency(from, to) };
  }

  /** A latency drawn for one message on the link. */
  latency(from: NodeId, to: NodeId): number {
    const { min, max } = this.linkLatency.get(linkKey(from, to)) ?? this.config.latencyMs;
    return this.rng.int(min, max);
  }

  setLatency(from: NodeId, to: NodeId, latency: Latency): void {
    this.linkLatency.set(linkKey(from, to), latency);
  }

  hold(from: NodeId, to: NodeId): void {
    this.held.add(linkKey(from, to));
  }

  release(from: NodeId, to: NodeId): void {
    this.held.delete(linkKey(from, to));
  }
}
