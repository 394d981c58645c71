/**
 * The simulation's agenda: events ordered by virtual time. Events at the same time are
 * ordered by a tie-break key drawn from the run's seed, so that the seed, not insertion
 * order, decides which of two simultaneous events goes first; the insertion counter only
 * breaks the (vanishingly rare) tie of two equal keys, keeping the order total.
 */

export interface Scheduled<T> {
  readonly time: number;
  readonly tieBreak: number;
  readonly seq: number;
  readonly item: T;
  cancelled: boolean;
  /** Taken off the queue by pop(): cancelling it then is a no-op. */
  popped: boolean;
}

function before(a: Scheduled<unknown>, b: Scheduled<unknown>): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.tieBreak !== b.tieBreak) return a.tieBreak < b.tieBreak;
  return a.seq < b.seq;
}

/** A binary min-heap with lazy cancellation. */
export class EventQueue<T> {
  private heap: Scheduled<T>[] = [];
  private seq = 0;
  private live = 0;

  push(time: number, tieBreak: number, item: T): Scheduled<T> {
    const entry: Scheduled<T> = { time, tieBreak, seq: this.seq++, item, cancelled: false, popped: false };
    this.heap.push(entry);
    this.live++;
    this.siftUp(this.heap.length - 1);
    return entry;
  }

  cancel(entry: Scheduled<T>): void {
    if (entry.cancelled || entry.popped) return;
    entry.cancelled = true;
    this.live--;
  }

  /** The next live event, without removing it. */
  peek(): Scheduled<T> | undefined {
    this.dropCancelled();
    return this.heap[0];
  }

  pop(): Scheduled<T> | undefined {
    this.dropCancelled();
    const top = this.heap[0];
    if (!top) return undefined;
    this.removeTop();
    this.live--;
    top.popped = true;
    return top;
  }

  get size(): number {
    return this.live;
  }

  /** Live events, in no particular order. */
  *entries(): Iterable<Scheduled<T>> {
    for (const entry of this.heap) if (!entry.cancelled) yield entry;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.removeTop();
  }

  private removeTop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < h.length && before(h[l]!, h[smallest]!)) smallest = l;
      if (r < h.length && before(h[r]!, h[smallest]!)) smallest = r;
      if (smallest === i) return;
      [h[i], h[smallest]] = [h[smallest]!, h[i]!];
      i = smallest;
    }
  }
}
