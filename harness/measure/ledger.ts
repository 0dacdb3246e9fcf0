import { ERROR_CLASSES, type ErrorClass } from "./errors.js";
import { b64, bytes } from "./op-log.js";

/** Outcome codes: 0 acknowledged, 1 + index in ERROR_CLASSES otherwise, 255 still pending. */
export const ACKED = 0;
export const PENDING = 255;
const codeOf = (e: ErrorClass | undefined) => (e === undefined ? ACKED : 1 + ERROR_CLASSES.indexOf(e));
export const outcomeName = (code: number) => (code === ACKED ? "ok" : code === PENDING ? "pending" : ERROR_CLASSES[code - 1]);

/**
 * A run of consecutive writes of a driver's ledger (ids `first` on), as plain arrays: what a driver sends back of its
 * own ledger, `shard` naming it (its keys are `w:<shard>:<id>`).
 */
export interface LedgerChunk {
  shard: number;
  first: number;
  intendedMs: Float64Array;
  replyMs: Float64Array;
  outcome: Uint8Array;
}

/** A chunk as JSON carries it (each array's bytes in base64). */
export type EncodedLedgerChunk = { shard: number; first: number; intendedMs: string; replyMs: string; outcome: string };

export const encodeLedgerChunk = (c: LedgerChunk): EncodedLedgerChunk => ({
  shard: c.shard,
  first: c.first,
  intendedMs: b64(c.intendedMs),
  replyMs: b64(c.replyMs),
  outcome: b64(c.outcome),
});

export const decodeLedgerChunk = (e: EncodedLedgerChunk): LedgerChunk => ({
  shard: e.shard,
  first: e.first,
  intendedMs: new Float64Array(bytes(e.intendedMs)),
  replyMs: new Float64Array(bytes(e.replyMs)),
  outcome: new Uint8Array(bytes(e.outcome)),
});

/**
 * The write ledger: write number `id` sets key `w:<id>` to the value `<id>`, so that a read-back can tell, for every
 * write, whether it survived. Per write: intended start and reply time in ms on the run clock (Float64: any duration a
 * run can take; Uint32 µs wrapped at 71.6 minutes and filed a soak's split-brain writes before the fault) and one
 * outcome byte, 17 bytes a write, 170 MB for 10 million writes.
 *
 * A load sharded over drivers keeps a ledger in each (prefix `w:<shard>`), and the run's adopts their writes by
 * (shard, id), each under an id of its own here: 6 bytes more a write, to name the key and value a driver wrote.
 */
export class WriteLedger {
  private intendedMs = new Float64Array(1 << 16);
  private replyMs = new Float64Array(1 << 16);
  private outcome = new Uint8Array(1 << 16);
  /** Where each adopted write came from (a driver's shard and its id there); null while the ledger keeps its own writes. */
  private origin: { shard: Uint16Array; id: Uint32Array } | null = null;
  /** A driver's: writes up to here have been drained. */
  private drained = 0;
  /** Writes handed out so far (ids 0 .. size-1). */
  size = 0;
  /** The highest id acknowledged so far (-1: none), and when: what a read asks for to detect staleness. */
  lastAckedId = -1;
  lastAckedAtMs = 0;

  constructor(readonly prefix = "w") {}

  key(id: number): string {
    return this.origin ? `${this.prefix}:${this.origin.shard[id]}:${this.origin.id[id]}` : `${this.prefix}:${id}`;
  }

  value(id: number): string {
    return String(this.origin ? this.origin.id[id] : id);
  }

  /**
   * How many times the value read back for write `id` says the write was applied: 0 (absent or another value), 1, or
   * more (the ledger's APPEND done twice). Values are ids, so "77" is write 7 twice only for key w:7.
   */
  timesApplied(id: number, read: unknown): number {
    if (read === null || read === undefined) return 0;
    const text = String(read);
    const one = this.value(id);
    if (text === one) return 1; // the usual answer, without building a repeat (reads call this on the load's path)
    if (text.length === 0 || text.length % one.length !== 0 || text !== one.repeat(text.length / one.length)) return 0;
    return text.length / one.length;
  }

  /** A new write id, intended at `intendedMs` (run clock). */
  begin(intendedMs: number): number {
    if (this.size === this.outcome.length) this.grow();
    const id = this.size++;
    this.intendedMs[id] = Math.max(0, intendedMs);
    this.outcome[id] = PENDING;
    return id;
  }

  settle(id: number, replyMs: number, error?: ErrorClass): void {
    this.replyMs[id] = Math.max(0, replyMs);
    this.outcome[id] = codeOf(error);
    if (error === undefined && id > this.lastAckedId) {
      this.lastAckedId = id;
      this.lastAckedAtMs = replyMs;
    }
  }

  intendedMsOf(id: number): number {
    return this.intendedMs[id];
  }
  replyMsOf(id: number): number {
    return this.replyMs[id];
  }
  outcomeOf(id: number): number {
    return this.outcome[id];
  }

  /**
   * A driver's: its writes since the last drain, in id order up to the first one still pending (replies come in any
   * order); `all`, every write handed out, pending or not (the end of its load).
   */
  drain(shard: number, all = false): LedgerChunk {
    const first = this.drained;
    let end = first;
    while (end < this.size && (all || this.outcome[end] !== PENDING)) end++;
    this.drained = end;
    return { shard, first, intendedMs: this.intendedMs.slice(first, end), replyMs: this.replyMs.slice(first, end), outcome: this.outcome.slice(first, end) };
  }

  /** The run's: a driver's writes, each under the next id here, its key and value those the driver wrote. */
  adopt(c: LedgerChunk): void {
    if (!this.origin) {
      if (this.size > 0) throw new Error("a ledger keeps its own writes or adopts drivers', not both");
      this.origin = { shard: new Uint16Array(this.outcome.length), id: new Uint32Array(this.outcome.length) };
    }
    for (let i = 0; i < c.outcome.length; i++) {
      if (this.size === this.outcome.length) this.grow();
      const id = this.size++;
      this.intendedMs[id] = c.intendedMs[i];
      this.replyMs[id] = c.replyMs[i];
      this.outcome[id] = c.outcome[i];
      this.origin.shard[id] = c.shard;
      this.origin.id[id] = c.first + i;
    }
  }

  private grow(): void {
    const n = this.outcome.length * 2;
    if (this.origin) {
      const shard = new Uint16Array(n);
      shard.set(this.origin.shard);
      const id = new Uint32Array(n);
      id.set(this.origin.id);
      this.origin = { shard, id };
    }
    const a = new Float64Array(n);
    a.set(this.intendedMs);
    this.intendedMs = a;
    const b = new Float64Array(n);
    b.set(this.replyMs);
    this.replyMs = b;
    const c = new Uint8Array(n);
    c.set(this.outcome);
    this.outcome = c;
  }
}

/** What the read-back found for each write: how many times the key holds the write's value (0 absent, 1, 2 …; capped at 255). */
export type ReadBack = Uint8Array;
