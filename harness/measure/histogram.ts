import * as hdr from "hdr-histogram-js";
import type { Histogram } from "hdr-histogram-js";

/** Latency values are integer microseconds: hdr-histogram-js drops fractions. */
export const MAX_TRACKABLE_US = 3_600_000_000; // one hour: anything longer is clamped, never dropped

export function newHistogram(): Histogram {
  // Plain JS (not WASM): no destroy() bookkeeping, and per-second windows are small.
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

export function recordUs(h: Histogram, us: number): void {
  h.recordValue(Math.min(Math.max(1, Math.round(us)), MAX_TRACKABLE_US));
}

export interface LatencySummary {
  count: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  meanUs: number;
}

export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, p50Us: 0, p99Us: 0, p999Us: 0, maxUs: 0, meanUs: 0 };
  // A percentile is reported as the top of its HDR bucket, which can lie a hair above the largest value seen.
  const at = (p: number) => Math.min(h.getValueAtPercentile(p), h.maxValue);
  return {
    count: h.totalCount,
    p50Us: at(50),
    p99Us: at(99),
    p999Us: at(99.9),
    maxUs: h.maxValue,
    meanUs: Math.round(h.mean),
  };
}

export type { Histogram };
