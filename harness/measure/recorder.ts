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
 * Files every finished operation by its intended start, so a stall is charged to the second in which the operation
 * should have run: into its per-second window as it finishes (progress reads those live), and into the operation log,
 * from which phases are computed once the run is over and every fault has marked its real start and heal.
 */
export class Recorder {
  private readonly windows: OpStats[] = [];
  readonly log = new OpLog();
  /** Live counts for progress: every operation so far, warmup included. */
  ops = 0;
  failed = 0;
  /** Distinct texts of errors of class "other" (the first 10): what a reader needs to name a new class. */
  readonly otherErrors = new Set<string>();

  constructor(private readonly clock: PhaseClock) {}

  record(op: OpOutcome): void {
    const second = Math.max(0, Math.floor(op.intendedMs / 1000));
    (this.windows[second] ??= new OpStats()).record(op);
    this.log.add(op);
    this.ops++;
    if (op.error !== undefined) this.failed++;
    if (op.message !== undefined && this.otherErrors.size < 10) this.otherErrors.add(op.message.slice(0, 200));
  }

  /** The stats of one second, if any operation was intended in it. */
  window(second: number): OpStats | undefined {
    return this.windows[second];
  }

  /** The seconds that saw an operation, with their stats (histograms included). */
  seconds(): Array<{ second: number; stats: OpStats }> {
    return this.windows.flatMap((stats, second) => (stats ? [{ second, stats }] : []));
  }

  /** One row per second from 0 to the last second that saw an operation; empty seconds are kept as zeros. */
  perSecond(): SecondSummary[] {
    const rows: SecondSummary[] = [];
    for (let s = 0; s < this.windows.length; s++) {
      const w = this.windows[s] ?? new OpStats();
      rows.push({ second: s, phase: this.clock.phaseAt(s * 1000), ...w.summary() });
    }
    return rows;
  }

  /** The operations intended from `fromMs` up to `toMs` (a step of a fault). */
  between(fromMs: number, toMs: number): OpStatsSummary {
    const stats = new OpStats();
    for (let i = 0; i < this.log.length; i++) {
      const op = this.log.at(i);
      if (op.intendedMs >= fromMs && op.intendedMs < toMs) stats.record(op);
    }
    return stats.summary();
  }

  /** Per phase, and in total (warmup left out), by replaying the log against the final phase marks. */
  summaries(): { phases: Record<AnyPhase, OpStatsSummary>; total: OpStatsSummary } {
    const phases = Object.fromEntries(ALL_PHASES.map((p) => [p, new OpStats()])) as Record<AnyPhase, OpStats>;
    // Each phase's latencies by second too: its percentiles' intervals are widened over them (leaveOneSecondOut). A
    // run of more than SECOND_BLOCKS seconds is split in blocks of neighbouring seconds, so memory stays bounded.
    const seconds = Object.fromEntries(ALL_PHASES.map((p) => [p, new Map<number, Histogram>()])) as Record<AnyPhase, Map<number, Histogram>>;
    const lastMs = this.log.length ? this.log.at(this.log.length - 1).intendedMs : 0;
    const blockS = Math.max(1, Math.ceil(lastMs / 1000 / SECOND_BLOCKS));
    const total = new OpStats();
    for (let i = 0; i < this.log.length; i++) {
      const op = this.log.at(i);
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
