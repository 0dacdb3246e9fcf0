import { newHistogram, recordUs, summarize, type LatencySummary } from "../measure/histogram.js";
import type { AnyPhase } from "../measure/phases.js";
import type { Calibration } from "../workload/calibration.js";
import type { LoadPath } from "../workload/engines/lean-target.js";
import type { EngineName } from "../workload/engines/index.js";
import type { Checker } from "./checker.js";
import type { History } from "./history.js";

/** Operations that left this much after their intended start, at P99, mean the driver fell behind its schedule. */
export const MAX_LAG_P99_US = 1000;
/** An event loop this busy (utilization) ... */
export const MAX_EVENT_LOOP_UTILIZATION = 0.9;
/** ... for more than this many seconds means the driver, not Redis, was the limit. */
export const MAX_BUSY_SECONDS = 1;

export interface InstrumentReport {
  engine: EngineName;
  calibration: Calibration | null;
  /** The load's path (workload.via): through the fault layer, or direct (its floor is the direct path's). Absent before format 11: the fault layer. */
  via?: LoadPath;
  /** Intended start to actual send, over the whole load (open loop; 0 in closed loop, which has no schedule). */
  scheduleLag: LatencySummary;
  /**
   * The same per phase: a stall of the driver in one phase (the machine busy for a second) inflates that phase's
   * latencies, and is that phase's floor (check/metrics.ts instrumentFloor). Absent in reports written before it.
   */
  scheduleLagByPhase?: Partial<Record<AnyPhase, LatencySummary>>;
  perSecond: Array<{ second: number; lagP99Us: number; eventLoopUtilization: number | null }>;
  busySeconds: number;
  /** Why this run's latencies are partly the driver's own, and which; null when the driver kept up. */
  driverBound: { reasons: string[]; limits: string } | null;
}

/**
 * The instrument's self-check: did the driver keep to its schedule (open loop: each operation's send against its
 * intended start), and was its thread free to (event-loop utilization per second)? When it was not, the run is
 * driver-bound: its latency figures measure the driver as much as Redis.
 */
export const instrumentChecker: Checker<"instrument"> = {
  name: "instrument",
  metrics: [],
  check(h: History) {
    const all = newHistogram();
    const perSecondLag: Array<ReturnType<typeof newHistogram>> = [];
    const byPhase: Partial<Record<AnyPhase, ReturnType<typeof newHistogram>>> = {};
    for (const op of h.recorder.log.ops()) {
      const lagUs = (op.sentMs - op.intendedMs) * 1000;
      recordUs(all, lagUs);
      recordUs((byPhase[h.phases.phaseAt(op.intendedMs)] ??= newHistogram()), lagUs);
      recordUs((perSecondLag[Math.max(0, Math.floor(op.intendedMs / 1000))] ??= newHistogram()), lagUs);
    }
    const { eventLoop, calibration, engine, mode, via } = h.instrument;
    const seconds = Math.max(perSecondLag.length, eventLoop.length);
    const perSecond = Array.from({ length: seconds }, (_, s) => ({
      second: s,
      lagP99Us: perSecondLag[s] ? summarize(perSecondLag[s]).p99Us : 0,
      eventLoopUtilization: eventLoop[s] ?? null,
    }));
    const scheduleLag = summarize(all);
    const busySeconds = eventLoop.filter((u) => u > MAX_EVENT_LOOP_UTILIZATION).length;
    const reasons: string[] = [];
    if (mode === "open-loop" && scheduleLag.count > 0 && scheduleLag.p99Us > MAX_LAG_P99_US)
      reasons.push(`schedule lag P99 ${(scheduleLag.p99Us / 1000).toFixed(2)} ms (over ${MAX_LAG_P99_US / 1000} ms): operations left late`);
    if (busySeconds > MAX_BUSY_SECONDS) reasons.push(`the driver's event loop was over ${MAX_EVENT_LOOP_UTILIZATION * 100}% busy for ${busySeconds} s`);
    const limits =
      mode === "open-loop"
        ? `latency is counted from the intended start, so the driver's own delay (schedule lag P99 ${(scheduleLag.p99Us / 1000).toFixed(2)} ms) is in every percentile: read P50/P99 as upper bounds of Redis's; throughput is the driver's ceiling, not Redis's`
        : "the rate achieved is the driver's ceiling, not Redis's; service times include the time replies waited for a busy event loop";
    const scheduleLagByPhase = Object.fromEntries(Object.entries(byPhase).map(([p, hist]) => [p, summarize(hist)]));
    return {
      instrument: {
        engine,
        calibration,
        via,
        scheduleLag,
        scheduleLagByPhase,
        perSecond,
        busySeconds,
        driverBound: reasons.length ? { reasons, limits } : null,
      },
    };
  },
};
