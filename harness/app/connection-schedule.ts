import type { ErrorClass } from "../measure/errors.js";
import type { OpKind, OpOutcome } from "../measure/op-stats.js";

/**
 * The intended start of every request on one autocannon connection, so HTTP latency is measured like Redis latency:
 * from when the request was due, not from when a busy connection got round to sending it (coordinated omission).
 *
 * autocannon's rate limit gives a connection a quota per second, renewed by a 1-second timer; with a quota of one,
 * the connection sends on each tick, or, when the tick found it still waiting for a response, as soon as that response
 * arrives. So a request sent on a tick was due then; one sent right after a response was due at the latest tick that
 * passed while waiting; ticks that passed with no request at all are requests the user wanted and never got to send:
 * they are recorded too, as finishing when the connection came free, with the outcome of the request that held it
 * (what HdrHistogram's expected-interval correction does, with timestamps, which autocannon gets wrong: it corrects
 * with a 1 ms interval whatever the rate).
 */
export class ConnectionSchedule {
  private lastIntendedMs: number | undefined;
  private inflight: { intendedMs: number; sentMs: number } | undefined;
  private freeAtMs = 0;
  private lastError: ErrorClass | undefined;
  /** True between a request finishing and the end of that synchronous turn: a send then was held up, not on a tick. */
  private justFinished = false;

  constructor(
    readonly kind: OpKind,
    /** autocannon's request timeout: a request abandoned after this long timed out; sooner, its connection broke. */
    readonly timeoutMs: number,
    readonly intervalMs = 1000,
  ) {}

  /**
   * A request went out at `nowMs`. Returns what it tells about earlier requests: one still in flight was abandoned
   * (autocannon reconnects and resends after a timeout or a closed connection, without a word first), and due
   * requests that were never sent.
   */
  sent(nowMs: number): OpOutcome[] {
    const I = this.intervalMs;
    const earlier: OpOutcome[] = [];
    if (this.inflight) earlier.push(this.finished(nowMs, nowMs - this.inflight.sentMs >= this.timeoutMs * 0.99 ? "timeout" : "connection")!);
    let intendedMs = nowMs;
    if (this.justFinished && this.lastIntendedMs !== undefined) {
      const ticks = Math.floor((nowMs - this.lastIntendedMs) / I);
      if (ticks >= 1) intendedMs = this.lastIntendedMs + ticks * I;
    }
    if (this.lastIntendedMs !== undefined)
      for (let due = this.lastIntendedMs + I; due < intendedMs - I / 2; due += I) {
        const at = Math.max(due, this.freeAtMs);
        earlier.push({ kind: this.kind, intendedMs: due, sentMs: at, doneMs: at, ...(this.lastError ? { error: this.lastError } : {}) });
      }
    this.lastIntendedMs = intendedMs;
    this.inflight = { intendedMs, sentMs: nowMs };
    this.justFinished = false;
    return earlier;
  }

  /** The request in flight finished at `nowMs` (error: how it failed). Returns it, or nothing if none was in flight. */
  finished(nowMs: number, error?: ErrorClass): OpOutcome | undefined {
    const req = this.inflight;
    if (!req) return undefined;
    this.inflight = undefined;
    this.freeAtMs = nowMs;
    this.lastError = error;
    this.justFinished = true;
    return { kind: this.kind, intendedMs: req.intendedMs, sentMs: req.sentMs, doneMs: nowMs, ...(error ? { error } : {}) };
  }

  /** A request is in flight. */
  get busy(): boolean {
    return this.inflight !== undefined;
  }

  /** Called at the end of the turn in which a request finished: a send after this is a tick's. */
  settle(): void {
    this.justFinished = false;
  }
}
