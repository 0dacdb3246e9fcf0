import { ALL_PHASES, type AnyPhase, type PhaseClock } from "./phases.js";
import { OpLog } from "./op-log.js";
import { newHistogram, recordUs, type Histogram } from "./histogram.js";
import { OpStats, type OpOutcome, type OpStatsSummary } from "./op-stats.js";

export interface SecondSummary extends OpStatsSummary {
  /** Second of the run clock, by intended start. */
  second: number;
  phase: AnyPhase;
}

/** At most about this many blocks of seconds a run's phase intervals are widened over (each one histogram). */
const SECOND_BLOCKS = 120;

/**
 * A sharded driver's operations reach the log in batches (every 200 ms, harness/workload/shard-runner.ts), after
 * operations that finished later: a second's operations are looked for this far behind its start.
 */
const ARRIVAL_MARGIN_MS = 1000;

/**
 * Files every finished operation in the operation log, and nothing more while the load runs: the driver's hot path
 * pays one append. Seconds and phases are computed from the log, by intended start (a stall is charged to the second
 * in which the operation should have run): the live second for progress from the log's tail, the rest once the run
 * is over and every fault has marked its real start and heal.
 */
export class Recorder {
  /** Live counts for progress: every operation so far, warmup included. */
  ops = 0;
  failed = 0;
  /** Distinct texts of errors of class "other" (the first 10): what a reader needs to name a new class. */
  readonly otherErrors = new Set<string>();

  /** `log`: another operation log (a test's, with small segments). */
  constructor(
    private readonly clock: PhaseClock,
    readonly log = new OpLog(),
  ) {}

  record(op: OpOutcome): void {
    this.log.add(op);
    this.ops++;
    if (op.error !== undefined) this.failed++;
    if (op.message !== undefined && this.otherErrors.size < 10) this.otherErrors.add(op.message.slice(0, 200));
  }

  /**
   * The stats of one second so far, if any operation intended in it has finished. Operations are logged as they finish,
   * and none finishes before its intended start: the second's operations are in the log's tail.
   */
  window(second: number): OpStats | undefined {
    const fromMs = second * 1000;
    let stats: OpStats | undefined;
    for (let i = this.log.length - 1; i >= 0 && this.log.doneAt(i) >= fromMs - ARRIVAL_MARGIN_MS; i--) {
      const t = this.log.intendedAt(i);
      if (t >= fromMs && t < fromMs + 1000) (stats ??= new OpStats()).record(this.log.at(i));
    }
    return stats;
  }

  /**
   * The seconds that saw an operation, in order, with their stats (histograms included). Each is built from the log and
   * handed out once its last operation has been read, so only the seconds still open are in memory: the log is in the
   * order operations finished, and a second stays open only as long as its slowest operation (a soak's seconds, all
   * held, were ~200 kB each: 1.4 GB for two hours).
   */
  *seconds(): Generator<{ second: number; stats: OpStats }> {
    const secondOf = (op: OpOutcome) => Math.max(0, Math.floor(op.intendedMs / 1000));
    // First pass: where each second's last operation is in the log.
    const last: number[] = [];
    let i = 0;
    for (const op of this.log.ops()) last[secondOf(op)] = i++;
    const open = new Map<number, OpStats>();
    let next = 0;
    i = 0;
    for (const op of this.log.ops()) {
      const s = secondOf(op);
      (open.get(s) ?? open.set(s, new OpStats()).get(s)!).record(op);
      for (; next < last.length && (last[next] ?? -1) <= i; next++) {
        const stats = open.get(next);
        if (!stats) continue;
        open.delete(next);
        yield { second: next, stats };
      }
      i++;
    }
  }

  /** One row per second from 0 to the last second that saw an operation; empty seconds are kept as zeros. */
  perSecond(): SecondSummary[] {
    const rows: SecondSummary[] = [];
    const row = (second: number, stats: OpStats) => rows.push({ second, phase: this.clock.phaseAt(second * 1000), ...stats.summary() });
    for (const { second, stats } of this.seconds()) {
      while (rows.length < second) row(rows.length, new OpStats());
      row(second, stats);
    }
    return rows;
  }

  /** The operations intended from `fromMs` up to `toMs` (a step of a fault). */
  between(fromMs: number, toMs: number): OpStatsSummary {
    const stats = new OpStats();
    for (const op of this.log.ops()) if (op.intendedMs >= fromMs && op.intendedMs < toMs) stats.record(op);
    return stats.summary();
  }

  /** Per phase, and in total (warmup left out), by replaying the log against the final phase marks. */
  summaries(): { phases: Record<AnyPhase, OpStatsSummary>; total: OpStatsSummary } {
    const phases = Object.fromEntries(ALL_PHASES.map((p) => [p, new OpStats()])) as Record<AnyPhase, OpStats>;
    // Each phase's latencies by second too: its percentiles' intervals are widened over them (leaveOneSecondOut). A
    // run of more than SECOND_BLOCKS seconds is split in blocks of neighbouring seconds, so memory stays bounded.
    const seconds = Object.fromEntries(ALL_PHASES.map((p) => [p, new Map<number, Histogram>()])) as Record<AnyPhase, Map<number, Histogram>>;
    const lastMs = this.log.length ? this.log.intendedAt(this.log.length - 1) : 0;
    const blockS = Math.max(1, Math.ceil(lastMs / 1000 / SECOND_BLOCKS));
    const total = new OpStats();
    for (const op of this.log.ops()) {
      const phase = this.clock.phaseAt(op.intendedMs);
      phases[phase].record(op);
      const second = Math.floor(op.intendedMs / 1000 / blockS);
      const h = seconds[phase].get(second) ?? seconds[phase].set(second, newHistogram()).get(second)!;
      recordUs(h, (op.doneMs - op.intendedMs) * 1000);
      if (phase !== "warmup") total.record(op);
    }
    return {
      phases: Object.fromEntries(ALL_PHASES.map((p) => [p, phases[p].summary(true, [...seconds[p].values()])])) as Record<AnyPhase, OpStatsSummary>,
      total: total.summary(),
    };
  }
}
