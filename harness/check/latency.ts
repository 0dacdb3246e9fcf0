import { ALL_PHASES, type AnyPhase } from "../measure/phases.js";
import type { OpStatsSummary } from "../measure/op-stats.js";
import type { Checker } from "./checker.js";

export interface PhaseReport extends OpStatsSummary {
  /** Run-clock bounds of the phase (ms since the load started); null = open-ended. */
  fromMs: number | null;
  toMs: number | null;
}

/**
 * Latency, throughput and errors per phase (docs/design.md, "Phases": baseline, fault, recovery; warmup judged by no budget): every
 * operation replayed against the final phase marks, so a fault that learned its start late still gets its operations.
 */
export const latencyChecker: Checker<"phases" | "total"> = {
  name: "latency per phase",
  metrics: ["p50", "p99", "p999", "errorRate", "throughput"],
  check: (h) => {
    const { phases: perPhase, total } = h.recorder.summaries();
    const p = h.phases;
    const bounds: Record<AnyPhase, [number | null, number | null]> = {
      warmup: [0, p.warmupMs],
      baseline: [p.warmupMs, p.faultStartMs ?? null],
      fault: [p.faultStartMs ?? null, p.faultEndMs ?? null],
      recovery: [p.faultEndMs ?? null, null],
    };
    const phases = Object.fromEntries(ALL_PHASES.map((ph) => [ph, { fromMs: bounds[ph][0], toMs: bounds[ph][1], ...perPhase[ph] }])) as Record<
      AnyPhase,
      PhaseReport
    >;
    return { phases, total };
  },
};
