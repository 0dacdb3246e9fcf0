import type { Checker } from "./checker.js";

/**
 * Availability of writes around a fault (DESIGN.md):
 * RTO (observed) = from the moment the fault took effect to the start of the first 1-second stretch in which at least
 * 99% of attempted writes succeed *and that holds until the end of the run*. Stretches start on a grid of `stepMs`
 * from the fault time; a stretch with no attempted write says nothing and does not end the outage.
 * Also the longest run of consecutive failed writes (by intended start), as a count and a duration.
 */
export interface Availability {
  /** null when not measured, or when writes never recovered (then rtoCensored). */
  rtoMs: number | null;
  /** Writes had not recovered by the end of the run: the RTO is at least rtoLowerBoundMs, not known. */
  rtoCensored: boolean;
  /** When censored: from the fault to the end of the run. */
  rtoLowerBoundMs?: number;
  /** Why rtoMs is null, when it is. */
  rtoNote?: string;
  longestFailedRun: { writes: number; fromMs: number; toMs: number; durationMs: number } | null;
  writesAttempted: number;
  writesFailed: number;
}

export const STRETCH_MS = 1000;
export const SUCCESS_THRESHOLD = 0.99;

export function availability(
  writes: { t: Float64Array; ok: Uint8Array },
  faultStartMs: number | undefined,
  endMs: number,
  stepMs = 100,
): Availability {
  const { t, ok } = writes;
  const n = t.length;
  let failed = 0;
  let run = 0;
  let runStart = 0;
  let longest: Availability["longestFailedRun"] = null;
  for (let i = 0; i < n; i++) {
    if (ok[i]) {
      run = 0;
      continue;
    }
    failed++;
    if (run === 0) runStart = t[i];
    run++;
    if (!longest || run > longest.writes) longest = { writes: run, fromMs: runStart, toMs: t[i], durationMs: t[i] - runStart };
  }
  const base = { longestFailedRun: longest, writesAttempted: n, writesFailed: failed, rtoCensored: false };
  if (faultStartMs === undefined) return { ...base, rtoMs: null, rtoNote: "no fault took effect" };
  if (n === 0) return { ...base, rtoMs: null, rtoNote: "no writes were attempted" };

  // Walk stretch starts backwards from the end: the answer is the earliest start from which every later stretch is good.
  const lastStart = Math.floor((endMs - STRETCH_MS - faultStartMs) / stepMs);
  if (lastStart < 0) return { ...base, rtoMs: null, rtoNote: "the run ended less than a second after the fault" };
  let earliestGood: number | null = null;
  // prefix sums of successes for O(1) window counts
  const prefix = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + ok[i];
  const lowerBound = (x: number) => {
    let a = 0;
    let b = n;
    while (a < b) {
      const m = (a + b) >> 1;
      if (t[m] < x) a = m + 1;
      else b = m;
    }
    return a;
  };
  for (let k = lastStart; k >= 0; k--) {
    const from = faultStartMs + k * stepMs;
    const lo = lowerBound(from);
    const hi = lowerBound(from + STRETCH_MS);
    const attempted = hi - lo;
    if (attempted === 0) continue;
    const good = (prefix[hi] - prefix[lo]) / attempted >= SUCCESS_THRESHOLD;
    if (!good) break;
    earliestGood = from;
  }
  if (earliestGood === null)
    return { ...base, rtoMs: null, rtoCensored: true, rtoLowerBoundMs: Math.max(0, endMs - faultStartMs), rtoNote: "writes had not recovered by the end of the run" };
  return { ...base, rtoMs: earliestGood - faultStartMs };
}

/** Availability of the Redis-level writes around the fault (the RTO budget's measurement). */
export const availabilityChecker: Checker<"availability"> = {
  name: "availability",
  metrics: ["rto"],
  check: (h) => ({ availability: availability(h.recorder.log.writesByIntendedStart(), h.phases.faultStartMs, h.load.lastIssueMs) }),
};
