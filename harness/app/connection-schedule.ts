import type { ErrorClass } from "../measure/errors.js";
import type { OpKind, OpOutcome } from "../measure/op-stats.js";

/**
 * The intended start of every request on one autocannon connection, so HTTP latency is measured like Redis latency:
 * from when the request was due, not from when a busy connection or a late timer got round to sending it (coordinated
 * omission).
 *
 * The connection is meant to send one request every `intervalMs` from `originMs` (its instance's intended start on the
 * run clock): that grid, not autocannon's timers, says when each request was due. autocannon's rate limit gives the
 * connection a quota per second, renewed by a 1-second timer that starts when the instance does and drifts; with a
 * quota of one, the connection sends on each of its ticks, or, when the tick found it still waiting for a response, as
 * soon as that response arrives. So a request sent on a tick was due at the latest grid point that had passed (a
 * late tick's lateness is in its latency); one sent right after a response was due at the grid point of the latest
 * tick that passed while waiting; grid points that passed with no request at all are requests the user wanted and
 * never got to send: they are recorded too, as finishing when the connection came free, with the outcome of the
 * request that held it (what HdrHistogram's expected-interval correction does, with timestamps, which autocannon gets
 * wrong: it corrects with a 1 ms interval whatever the rate).
 */
export class ConnectionSchedule {
  /** The first grid point not yet accounted for by a request, sent or never sent. */
  private nextTick = 0;
  /** How long after its grid point autocannon's last tick came (its timer started late and drifts). */
  private tickLateMs = 0;
  private inflight: { intendedMs: number; sentMs: number } | undefined;
  private freeAtMs = 0;
  private lastError: ErrorClass | undefined;
  /** True between a request finishing and the end of that synchronous turn: a send then was held up, not on a tick. */
  private justFinished = false;

  constructor(
    readonly kind: OpKind,
    /** When the connection's first request was due, on the run clock: the grid's origin. */
    readonly originMs: number,
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
    const earlier: OpOutcome[] = [];
    if (this.inflight) earlier.push(this.finished(nowMs, nowMs - this.inflight.sentMs >= this.timeoutMs * 0.99 ? "timeout" : "connection")!);
    // A held-up request left on the latest of autocannon's ticks, which come tickLateMs after their grid points. Every
    // request after the first took a tick of its own, so none is dated before the next grid point owed.
    const tick = Math.max(this.nextTick, this.tickAtOrBefore(this.justFinished ? nowMs - this.tickLateMs : nowMs));
    for (let k = this.nextTick; k < tick; k++) {
      const due = this.dueMs(k);
      const at = Math.max(due, this.freeAtMs);
      earlier.push({ kind: this.kind, intendedMs: due, sentMs: at, doneMs: at, ...(this.lastError ? { error: this.lastError } : {}) });
    }
    if (!this.justFinished) this.tickLateMs = nowMs - this.dueMs(tick);
    // A timer can fire a little before its grid point (Node dates timers from the event loop's cached time): such a
    // request was not late, and is not dated after it left.
    this.inflight = { intendedMs: Math.min(nowMs, this.dueMs(tick)), sentMs: nowMs };
    this.nextTick = tick + 1;
    this.justFinished = false;
    return earlier;
  }

  private dueMs(tick: number): number {
    return this.originMs + tick * this.intervalMs;
  }

  private tickAtOrBefore(ms: number): number {
    return Math.floor((ms - this.originMs) / this.intervalMs);
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
