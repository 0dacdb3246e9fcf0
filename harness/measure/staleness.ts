/**
 * Stale reads: each read asks for the latest write acknowledged before the read was sent; a read that does not find
 * it saw a state older than an acknowledged write. From a replica that is replication lag made visible; from the
 * primary it should never happen.
 */
export class StaleReads {
  reads = 0;
  stale = 0;
  /** The longest a read was behind: read sent minus the acknowledgement of the write it missed. */
  maxStalenessMs = 0;

  record(ackedAtMs: number, sentAtMs: number, found: boolean): void {
    this.reads++;
    if (found) return;
    this.stale++;
    this.maxStalenessMs = Math.max(this.maxStalenessMs, sentAtMs - ackedAtMs);
  }

  summary(from: "primary" | "replicas"): StalenessSummary {
    return {
      from,
      reads: this.reads,
      stale: this.stale,
      staleRate: this.reads ? this.stale / this.reads : 0,
      maxStalenessMs: Math.round(this.maxStalenessMs * 1000) / 1000,
    };
  }
}

export interface StalenessSummary {
  from: "primary" | "replicas";
  reads: number;
  stale: number;
  staleRate: number;
  maxStalenessMs: number;
}
