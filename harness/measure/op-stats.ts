import { newHistogram, recordUs, summarize, type Histogram, type LatencySummary } from "./histogram.js";
import { emptyErrorCounts, totalErrors, type ErrorClass, type ErrorCounts } from "./errors.js";

export type OpKind = "read" | "write";

/** One finished operation, times in ms on the run clock (performance.now() minus the run's origin). */
export interface OpOutcome {
  kind: OpKind;
  intendedMs: number;
  sentMs: number;
  doneMs: number;
  error?: ErrorClass;
  /** The error's text, kept for class "other" only: the report lists the distinct ones. */
  message?: string;
}

/**
 * Counts and histograms for a set of operations (one second, one phase, a whole run).
 * `latency` runs from the intended start (coordinated omission is visible); `service` from the actual send.
 * Failed operations count in both histograms up to their failure, and in `errors` by class.
 */
export class OpStats {
  readonly latency: Histogram = newHistogram();
  readonly service: Histogram = newHistogram();
  ops = 0;
  ok = 0;
  writes = 0;
  writesOk = 0;
  readonly errors: ErrorCounts = emptyErrorCounts();

  record(op: OpOutcome): void {
    recordUs(this.latency, (op.doneMs - op.intendedMs) * 1000);
    recordUs(this.service, (op.doneMs - op.sentMs) * 1000);
    this.ops++;
    const ok = op.error === undefined;
    if (ok) this.ok++;
    else this.errors[op.error!]++;
    if (op.kind === "write") {
      this.writes++;
      if (ok) this.writesOk++;
    }
  }

  /**
   * withIntervals: each latency percentile's own 95% interval too (a phase's summary, which comparisons read),
   * widened over `seconds`, the same operations' latencies split by second.
   */
  summary(withIntervals = false, seconds: Histogram[] = []): OpStatsSummary {
    return {
      ops: this.ops,
      ok: this.ok,
      errors: totalErrors(this.errors),
      errorsByClass: { ...this.errors },
      writes: this.writes,
      writesOk: this.writesOk,
      latency: summarize(this.latency, withIntervals, seconds),
      service: summarize(this.service),
    };
  }
}

export interface OpStatsSummary {
  ops: number;
  ok: number;
  errors: number;
  errorsByClass: ErrorCounts;
  writes: number;
  writesOk: number;
  latency: LatencySummary;
  service: LatencySummary;
}
