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

/** A histogram as text (HdrHistogram's compressed base64), to send across a process or a host boundary. */
export const encodeHistogram = (h: Histogram): string => hdr.encodeIntoCompressedBase64(h);

/** The histogram `encodeHistogram` sent, as newHistogram() builds them (so that the two add exactly). */
export function decodeHistogram(text: string): Histogram {
  const h = newHistogram();
  h.add(hdr.decodeFromCompressedBase64(text, 32, false));
  return h;
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
  /**
   * Where each percentile of the distribution the operations were drawn from lies, 95% of the time (a phase's
   * summary only): its own sampling error. A P99 of 2,400 operations sits on the 24th slowest, and whether that one is
   * in a 1% tail or not moves it 4×; a comparison that took it as exact would call that a change. Widened by what any
   * one second of the phase decides of it (leaveOneSecondOut): slow operations come in bursts, not one by one.
   */
  interval95?: { p50Us: [number, number]; p99Us: [number, number]; p999Us: [number, number] };
}

/**
 * The distribution-free 95% confidence interval of the p-th percentile (Conover, Practical Nonparametric Statistics):
 * the values at ranks n·q ∓ 1.96·√(n·q·(1 − q)), as the histogram has them.
 */
export function percentileInterval(h: Histogram, p: number): [number, number] {
  const n = h.totalCount;
  const q = p / 100;
  const half = 1.96 * Math.sqrt(n * q * (1 - q));
  const rankAt = (r: number) => Math.min(h.getValueAtPercentile((100 * Math.min(n, Math.max(1, r))) / n), h.maxValue);
  return [rankAt(Math.floor(n * q - half)), rankAt(Math.ceil(n * q + half))];
}

/**
 * How far each percentile moves when any one second of the phase is left out (a jackknife over seconds), to widen
 * its interval with. The interval above takes operations as independent draws, but an open-loop load's slow
 * operations come in bursts: one 35 ms stall delays every operation scheduled during it, and sets the P99 of a
 * 3-second window at 1,000 ops/s alone. A value that one second decides is known only as far as that second is;
 * runs of one scenario were measured here at fault-window P99 4.7 ms with such a stall and 0.6 ms without.
 * `seconds` are the phase's operations split by the second of their intended start, or by blocks of neighbouring
 * seconds in a long run (the recorder's SECOND_BLOCKS); they add up to `h`.
 */
export function leaveOneSecondOut(h: Histogram, seconds: Histogram[], percentiles: number[]): Array<[number, number]> {
  const ranges = percentiles.map((): [number, number] => [Number.POSITIVE_INFINITY, 0]);
  if (seconds.length < 2) return ranges;
  for (const s of seconds) {
    const rest = newHistogram();
    rest.add(h);
    rest.subtract(s);
    if (rest.totalCount === 0) continue;
    percentiles.forEach((p, k) => {
      const v = Math.min(rest.getValueAtPercentile(p), rest.maxValue);
      ranges[k] = [Math.min(ranges[k][0], v), Math.max(ranges[k][1], v)];
    });
  }
  return ranges;
}

export function summarize(h: Histogram, withIntervals = false, seconds: Histogram[] = []): LatencySummary {
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
    ...(withIntervals ? { interval95: intervals(h, seconds) } : {}),
  };
}

/** Each percentile's interval as independent draws, stretched over what leaving out any one second gives. */
function intervals(h: Histogram, seconds: Histogram[]): NonNullable<LatencySummary["interval95"]> {
  const ps = [50, 99, 99.9];
  const out = leaveOneSecondOut(h, seconds, ps).map(([c, d], k): [number, number] => {
    const [a, b] = percentileInterval(h, ps[k]);
    return [Math.min(a, c), Math.max(b, d)];
  });
  return { p50Us: out[0], p99Us: out[1], p999Us: out[2] };
}

export type { Histogram };
