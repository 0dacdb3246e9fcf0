import { SpilledColumns } from "./spilled-columns.js";

/** Reads a driver judged, as it sends them back (plain numbers: JSON carries them as they are). */
export interface StaleReadChunk {
  sentMs: number[];
  behindMs: number[];
}

/**
 * The reads of the ledger workload: each asks for the latest write acknowledged before it was sent, and either finds it
 * or saw a state older than an acknowledged write (from a replica: replication lag made visible; from the primary it
 * should never happen). Kept per read, so a checker can count them per phase; in segments as the op log is
 * (measure/spilled-columns.ts), so a soak's reads stay on disk, not in the harness. A driver lets go of what it sent.
 */
export class StaleReadLog {
  /** When each read was sent, and how far behind it was (read sent minus the acknowledgement it missed), -1 when it found the write. */
  private readonly rows: SpilledColumns<"sentMs" | "behindMs">;
  /** A driver's: reads up to here have been drained. */
  private drained = 0;

  constructor(segmentReads = 1 << 16) {
    this.rows = new SpilledColumns({ sentMs: Float64Array, behindMs: Float64Array }, segmentReads, 4, "reads");
  }

  record(ackedAtMs: number, sentAtMs: number, found: boolean): void {
    const j = this.rows.append();
    this.rows.tail.sentMs[j] = sentAtMs;
    this.rows.tail.behindMs[j] = found ? -1 : Math.max(0, sentAtMs - ackedAtMs);
  }

  /** A driver's: its reads since the last drain, as the run's log adopts them. */
  drain(): StaleReadChunk {
    const [from, to] = [this.drained, this.rows.length];
    const c = { sentMs: Array.from(this.rows.slice("sentMs", from, to)), behindMs: Array.from(this.rows.slice("behindMs", from, to)) };
    this.drained = to;
    this.rows.forgetBefore(to);
    return c;
  }

  /** The run's: a driver's reads, judged there against its own writes. */
  adopt(c: StaleReadChunk): void {
    for (let i = 0; i < c.sentMs.length; i++) {
      const j = this.rows.append();
      this.rows.tail.sentMs[j] = c.sentMs[i];
      this.rows.tail.behindMs[j] = c.behindMs[i];
    }
  }

  get size(): number {
    return this.rows.length;
  }

  *reads(): Generator<{ sentMs: number; stale: boolean; behindMs: number }> {
    for (const { seg, rows } of this.rows.eachSegment())
      for (let j = 0; j < rows; j++) yield { sentMs: seg.sentMs[j], stale: seg.behindMs[j] >= 0, behindMs: Math.max(0, seg.behindMs[j]) };
  }

  /** Removes what it spilled to disk. Idempotent. */
  close(): void {
    this.rows.close();
  }
}
