/** Keeps the last bytes a node wrote to stdout/stderr, and counts what it had to drop. */
export class OutputTail {
  private chunks: string[] = [];
  private size = 0;
  dropped = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: string): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.maxBytes && this.chunks.length > 1) {
      const first = this.chunks.shift()!;
      this.size -= first.length;
      this.dropped += first.length;
    }
  }

  lines(n: number): string[] {
    const all = this.chunks.join('').split('\n').filter((l) => l.length > 0);
    const tail = all.slice(-n);
    if (this.dropped > 0) tail.unshift(`(locklab: ${this.dropped} earlier characters of output were not kept)`);
    return tail;
  }
}
