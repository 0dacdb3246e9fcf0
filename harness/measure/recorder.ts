import { ALL_PHASES, type AnyPhase, type PhaseClock } from "../check/phases.js";
import { OpStats, type OpOutcome, type OpStatsSummary } from "./op-stats.js";

export interface SecondSummary extends OpStatsSummary {
  /** Second of the run clock, by intended start. */
  second: number;
  phase: AnyPhase;
}

/**
 * Files every finished operation into its per-second window and its phase, both by intended start,
 * so a stall is charged to the second in which the operation should have run.
 */
export class Recorder {
  private readonly windows: OpStats[] = [];
  readonly phases: Record<AnyPhase, OpStats> = {
    warmup: new OpStats(),
    baseline: new OpStats(),
    fault: new OpStats(),
    recovery: new OpStats(),
  };
  /** Every operation after warmup. */
  readonly total = new OpStats();
  /** Distinct texts of errors of class "other" (the first 10): what a reader needs to name a new class. */
  readonly otherErrors = new Set<string>();

  constructor(private readonly clock: PhaseClock) {}

  record(op: OpOutcome): void {
    const second = Math.max(0, Math.floor(op.intendedMs / 1000));
    (this.windows[second] ??= new OpStats()).record(op);
    const phase = this.clock.phaseAt(op.intendedMs);
    this.phases[phase].record(op);
    if (phase !== "warmup") this.total.record(op);
    if (op.message !== undefined && this.otherErrors.size < 10) this.otherErrors.add(op.message.slice(0, 200));
  }

  /** The stats of one second, if any operation was intended in it. */
  window(second: number): OpStats | undefined {
    return this.windows[second];
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

  perPhase(): Record<AnyPhase, OpStatsSummary> {
    return Object.fromEntries(ALL_PHASES.map((p) => [p, this.phases[p].summary()])) as Record<AnyPhase, OpStatsSummary>;
  }

  /** The raw histograms per second, for HdrHistogram interval logs. */
  secondHistograms(): Array<{ second: number; stats: OpStats }> {
    return this.windows.flatMap((stats, second) => (stats ? [{ second, stats }] : []));
  }
}
