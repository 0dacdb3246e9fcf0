/**
 * The cache workload's reads: each GET of a key written before it either found its value (a hit) or nothing (a miss:
 * evicted, or never stored). Kept per read by when it was sent, so a checker can tell a phase's hit ratio and draw it
 * over time; a failed read is neither (its error is the recorder's).
 */
export class CacheReads {
  private readonly sentMs: number[] = [];
  private readonly hit: boolean[] = [];

  record(sentAtMs: number, hit: boolean): void {
    this.sentMs.push(sentAtMs);
    this.hit.push(hit);
  }

  get size(): number {
    return this.sentMs.length;
  }

  *reads(): Generator<{ sentMs: number; hit: boolean }> {
    for (let i = 0; i < this.sentMs.length; i++) yield { sentMs: this.sentMs[i], hit: this.hit[i] };
  }

  /** Per second of the run clock from 0: reads that hit and reads that missed. */
  perSecond(): Array<{ second: number; hits: number; misses: number }> {
    const out: Array<{ second: number; hits: number; misses: number }> = [];
    for (let i = 0; i < this.sentMs.length; i++) {
      const s = Math.max(0, Math.floor(this.sentMs[i] / 1000));
      while (out.length <= s) out.push({ second: out.length, hits: 0, misses: 0 });
      if (this.hit[i]) out[s].hits++;
      else out[s].misses++;
    }
    return out;
  }
}
