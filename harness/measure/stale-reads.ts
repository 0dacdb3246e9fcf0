/** Reads a driver judged, as it sends them back (plain numbers: JSON carries them as they are). */
export interface StaleReadChunk {
  sentMs: number[];
  behindMs: number[];
}

/**
 * The reads of the ledger workload: each asks for the latest write acknowledged before it was sent, and either finds it
 * or saw a state older than an acknowledged write (from a replica: replication lag made visible; from the primary it
 * should never happen). Kept per read, so a checker can count them per phase.
 */
export class StaleReadLog {
  private sentMs: number[] = [];
  /** How far behind each read was (read sent minus the acknowledgement it missed), or -1 when it found the write. */
  private behindMs: number[] = [];
  /** A driver's: reads up to here have been drained. */
  private drained = 0;

  record(ackedAtMs: number, sentAtMs: number, found: boolean): void {
    this.sentMs.push(sentAtMs);
    this.behindMs.push(found ? -1 : Math.max(0, sentAtMs - ackedAtMs));
  }

  /** A driver's: its reads since the last drain, as the run's log adopts them. */
  drain(): StaleReadChunk {
    const c = { sentMs: this.sentMs.slice(this.drained), behindMs: this.behindMs.slice(this.drained) };
    this.drained = this.sentMs.length;
    return c;
  }

  /** The run's: a driver's reads, judged there against its own writes. */
  adopt(c: StaleReadChunk): void {
    for (let i = 0; i < c.sentMs.length; i++) {
      this.sentMs.push(c.sentMs[i]);
      this.behindMs.push(c.behindMs[i]);
    }
  }

  get size(): number {
    return this.sentMs.length;
  }

  *reads(): Generator<{ sentMs: number; stale: boolean; behindMs: number }> {
    for (let i = 0; i < this.sentMs.length; i++) yield { sentMs: this.sentMs[i], stale: this.behindMs[i] >= 0, behindMs: Math.max(0, this.behindMs[i]) };
  }
}
