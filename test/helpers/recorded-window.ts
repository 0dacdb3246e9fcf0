import type { LatencySummary } from "../../harness/measure/histogram.js";
import { PhaseClock } from "../../harness/measure/phases.js";
import { Recorder } from "../../harness/measure/recorder.js";

/**
 * A 3-second fault window at 1,000 ops/s, 0.6 ms + `extraMs` a reply, as a Recorder summarizes it; `stallMs` stalls the
 * server once, in its second second (open loop: an operation due during the stall waits until it ends).
 */
export function recordedFaultWindow(extraMs: number, stallMs = 0): LatencySummary {
  const clock = new PhaseClock(0);
  clock.markFaultStart(0);
  clock.markFaultEnd(3000);
  const r = new Recorder(clock);
  for (let i = 0; i < 3000; i++) {
    const late = stallMs > 0 && i >= 1500 && i < 1500 + stallMs ? 1500 + stallMs - i : 0;
    r.record({ kind: "write", intendedMs: i, sentMs: i, doneMs: i + 0.6 + extraMs + late });
  }
  return r.summaries().phases.fault.latency;
}
