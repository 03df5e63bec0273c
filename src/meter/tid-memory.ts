/**
 * The meter's TID memory (reference §8.2): the TIDs of recently accepted tokens.
 *
 * Old = below the smallest stored TID; Used = stored. An accepted TID replaces the SMALLEST entry
 * (not the longest-stored one). With that rule no accepted token can ever be accepted again: an
 * evicted TID is below every TID still stored (the minimum only grows), so it is Old from then on.
 * Replacing the longest-stored entry instead lets a TID accepted out of order be evicted while a
 * smaller one stays, and then be replayed. Pre-filled with the manufacture time's TID; cleared to
 * zeros by a rollover key change.
 */
export class TidMemory {
  readonly depth: number;
  private readonly slots: Int32Array;
  private minIndex = 0;

  constructor(depth: number, fill = 0) {
    this.depth = depth;
    this.slots = new Int32Array(depth).fill(fill);
  }

  /** Load stored TIDs (same depth). */
  load(tids: readonly number[]): void {
    this.slots.set(tids);
    this.findMin();
  }

  /** The smallest stored TID: anything below is Old. */
  get oldest(): number {
    return this.slots[this.minIndex]!;
  }

  isOld(tid: number): boolean {
    return tid < this.slots[this.minIndex]!;
  }

  has(tid: number): boolean {
    const s = this.slots;
    for (let i = 0; i < s.length; i++) if (s[i] === tid) return true;
    return false;
  }

  /** Store an accepted TID in place of the smallest one. */
  insert(tid: number): void {
    this.slots[this.minIndex] = tid;
    this.findMin();
  }

  fill(tid: number): void {
    this.slots.fill(tid);
    this.minIndex = 0;
  }

  /** The stored TIDs, newest-first order not implied (a copy). */
  toArray(): number[] {
    return Array.from(this.slots);
  }

  /** The largest stored TID. */
  get newest(): number {
    let m = this.slots[0]!;
    for (let i = 1; i < this.slots.length; i++) if (this.slots[i]! > m) m = this.slots[i]!;
    return m;
  }

  private findMin(): void {
    const s = this.slots;
    let mi = 0;
    for (let i = 1; i < s.length; i++) if (s[i]! < s[mi]!) mi = i;
    this.minIndex = mi;
  }
}
