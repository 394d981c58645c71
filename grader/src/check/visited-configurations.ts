/**
 * The memo of the linearizability search (Lowe's / Porcupine's cache): the
 * configurations already explored, so that each is explored at most once.
 *
 * A configuration is (set of linearized completed operations, lock state,
 * how many indeterminate locks/unlocks were used, whether the last step used
 * one). Using fewer indeterminate operations never hurts, so a configuration
 * that differs from a visited one only by using more of them, or by the
 * "last step was indeterminate" restriction, is *dominated* and need not be
 * explored either.
 *
 * Storage is flat typed arrays because pathological histories can visit
 * millions of configurations. A set is stored compactly: linearization
 * proceeds roughly in time order, so its bitset is a run of all-ones words,
 * a short mixed window, then all-zero words; only the window is kept.
 */
export class VisitedConfigurations {
  private readonly words: number;
  /** Open-addressing table of entry numbers + 1 (0 = empty slot). */
  private table = new Int32Array(1 << 10);
  private entryCount = 0;
  private entryHash = new Int32Array(256);
  private entryHeld = new Uint8Array(256);
  private entryLastWasIndeterminate = new Uint8Array(256);
  private entryLocksUsed = new Int32Array(256);
  private entryUnlocksUsed = new Int32Array(256);
  private entryWindowStart = new Int32Array(256);
  private entryWindowLength = new Int32Array(256);
  private entryWindowOffset = new Int32Array(256);
  private windowPool = new Uint32Array(1024);
  private windowPoolUsed = 0;

  /** @param words length of the bitsets (Uint32 words) that will be passed in. */
  constructor(words: number) {
    this.words = words;
  }

  /** Number of configurations recorded so far. */
  get size(): number {
    return this.entryCount;
  }

  /**
   * Records a configuration about to be explored. Returns false if it, or a
   * configuration that dominates it, was recorded before.
   *
   * @param hash any 32-bit hash of `linearized` that is equal for equal sets.
   */
  visit(
    linearized: Uint32Array,
    hash: number,
    held: boolean,
    locksUsed: number,
    unlocksUsed: number,
    lastWasIndeterminate: boolean,
  ): boolean {
    const key = (hash ^ (held ? 0x5bd1e995 : 0)) | 0;
    const { start, end } = this.window(linearized);
    const mask = this.table.length - 1;
    let slot = mix(key) & mask;
    for (let found = this.table[slot]; found !== 0; found = this.table[slot]) {
      const entry = found - 1;
      if (
        this.entryHash[entry] === key &&
        this.entryHeld[entry] === (held ? 1 : 0) &&
        this.entryLocksUsed[entry] <= locksUsed &&
        this.entryUnlocksUsed[entry] <= unlocksUsed &&
        this.entryLastWasIndeterminate[entry] <= (lastWasIndeterminate ? 1 : 0) &&
        this.sameWindow(entry, linearized, start, end)
      ) {
        return false;
      }
      slot = (slot + 1) & mask;
    }

    const entry = this.entryCount++;
    this.ensureEntryCapacity(this.entryCount);
    this.entryHash[entry] = key;
    this.entryHeld[entry] = held ? 1 : 0;
    this.entryLastWasIndeterminate[entry] = lastWasIndeterminate ? 1 : 0;
    this.entryLocksUsed[entry] = locksUsed;
    this.entryUnlocksUsed[entry] = unlocksUsed;
    this.entryWindowStart[entry] = start;
    this.entryWindowLength[entry] = end - start;
    this.entryWindowOffset[entry] = this.windowPoolUsed;
    this.ensurePoolCapacity(this.windowPoolUsed + end - start);
    for (let word = start; word < end; word++) this.windowPool[this.windowPoolUsed++] = linearized[word];
    this.table[slot] = entry + 1;
    if (this.entryCount * 2 > this.table.length) this.growTable();
    return true;
  }

  /** The words that are neither all ones (a prefix) nor all zeros (a suffix). */
  private window(bits: Uint32Array): { start: number; end: number } {
    let start = 0;
    while (start < this.words && bits[start] === 0xffffffff) start++;
    let end = this.words;
    while (end > start && bits[end - 1] === 0) end--;
    return { start, end };
  }

  private sameWindow(entry: number, bits: Uint32Array, start: number, end: number): boolean {
    if (this.entryWindowStart[entry] !== start || this.entryWindowLength[entry] !== end - start) return false;
    const offset = this.entryWindowOffset[entry] - start;
    for (let word = start; word < end; word++) {
      if (this.windowPool[offset + word] !== bits[word]) return false;
    }
    return true;
  }

  private growTable(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    for (let entry = 0; entry < this.entryCount; entry++) {
      let slot = mix(this.entryHash[entry]) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = entry + 1;
    }
    this.table = table;
  }

  private ensureEntryCapacity(count: number): void {
    if (count <= this.entryHash.length) return;
    const capacity = this.entryHash.length * 2;
    this.entryHash = grow(this.entryHash, capacity);
    this.entryHeld = grow(this.entryHeld, capacity);
    this.entryLastWasIndeterminate = grow(this.entryLastWasIndeterminate, capacity);
    this.entryLocksUsed = grow(this.entryLocksUsed, capacity);
    this.entryUnlocksUsed = grow(this.entryUnlocksUsed, capacity);
    this.entryWindowStart = grow(this.entryWindowStart, capacity);
    this.entryWindowLength = grow(this.entryWindowLength, capacity);
    this.entryWindowOffset = grow(this.entryWindowOffset, capacity);
  }

  private ensurePoolCapacity(length: number): void {
    if (length <= this.windowPool.length) return;
    this.windowPool = grow(this.windowPool, Math.max(length, this.windowPool.length * 2));
  }
}

function grow<T extends Int32Array | Uint32Array | Uint8Array>(array: T, capacity: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(capacity);
  bigger.set(array);
  return bigger;
}

/** Spreads similar hashes across the table (murmur3 finalizer). */
function mix(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
