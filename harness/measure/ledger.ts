import { ERROR_CLASSES, type ErrorClass } from "./errors.js";

/** Outcome codes: 0 acknowledged, 1 + index in ERROR_CLASSES otherwise, 255 still pending. */
export const ACKED = 0;
export const PENDING = 255;
const codeOf = (e: ErrorClass | undefined) => (e === undefined ? ACKED : 1 + ERROR_CLASSES.indexOf(e));
export const outcomeName = (code: number) => (code === ACKED ? "ok" : code === PENDING ? "pending" : ERROR_CLASSES[code - 1]);

/**
 * The write ledger: write number `id` sets key `w:<id>` to the value `<id>`, so that a read-back can tell, for every
 * write, whether it survived. Per write: intended start and reply time in ms on the run clock (Float64: any duration a
 * run can take; Uint32 µs wrapped at 71.6 minutes and filed a soak's split-brain writes before the fault) and one
 * outcome byte, 17 bytes a write, 170 MB for 10 million writes.
 */
export class WriteLedger {
  private intendedMs = new Float64Array(1 << 16);
  private replyMs = new Float64Array(1 << 16);
  private outcome = new Uint8Array(1 << 16);
  /** Writes handed out so far (ids 0 .. size-1). */
  size = 0;
  /** The highest id acknowledged so far (-1: none), and when: what a read asks for to detect staleness. */
  lastAckedId = -1;
  lastAckedAtMs = 0;

  constructor(readonly prefix = "w") {}

  key(id: number): string {
    return `${this.prefix}:${id}`;
  }

  value(id: number): string {
    return String(id);
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

  private grow(): void {
    const n = this.outcome.length * 2;
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
