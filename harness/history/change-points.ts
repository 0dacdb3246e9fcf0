import jstat from "jstat";

/**
 * Where a series of nightly values shifted: E-divisive means (Matteson & James 2014, α = 1) with the significance
 * test of Hunter (Fleming et al. 2023; Apache Otava), deterministic (a t-test, no permutations):
 *   1. candidates: the split (τ, κ) of a segment [s, e) that maximizes the energy divergence Q̂ between Z[s:τ] and
 *      Z[τ:κ] places a candidate at τ when Welch's t-test tells those two apart at `weakPValue`; both sides of τ are
 *      searched again ("weak" change points: a strict test here would stop at a segment that holds a rise and its fall);
 *   2. each candidate is tested again on the values between its neighbouring candidates, at `maxPValue`, the weakest
 *      failing one dropped (its neighbours' segments merge) until every one left passes.
 * A split is picked as the most different place among many, so its p-value is multiplied by the number of places it
 * was picked among (Bonferroni): without that, pure noise had "change points" in 7 of 20 series of 30 nights here.
 */
export interface ChangePointOptions {
  /** The largest p-value (after the correction) a change point may have: Otava's default. */
  maxPValue?: number;
  /** The largest a candidate may have. */
  weakPValue?: number;
  /** The fewest values either side of a change point (2 at least: a t-test needs a spread). */
  minSize?: number;
}

export interface ChangePoint {
  /** The index of the first value after the change. */
  index: number;
  /** The means of the values between it and its neighbouring change points (or the series' ends). */
  before: number;
  after: number;
  /** Welch's two-sided p-value on those values, times the places the split was picked among. */
  pValue: number;
}

const DEFAULTS = { maxPValue: 0.001, weakPValue: 0.05, minSize: 3 };

export function changePoints(z: readonly number[], options: ChangePointOptions = {}): ChangePoint[] {
  const o = { ...DEFAULTS, ...options };
  const minSize = Math.max(2, o.minSize);
  const places = (s: number, e: number) => Math.max(1, e - s - 2 * minSize + 1);
  const candidates: number[] = [];
  const search = (s: number, e: number) => {
    const best = bestSplit(z, s, e, minSize);
    if (!best) return;
    if (welchPValue(z.slice(s, best.tau), z.slice(best.tau, best.kappa)) * places(s, e) > o.weakPValue) return;
    candidates.push(best.tau);
    search(s, best.tau);
    search(best.tau, e);
  };
  search(0, z.length);
  candidates.sort((a, b) => a - b);
  // Each candidate against its neighbours' segments; the weakest failing one goes, until none fails.
  for (;;) {
    const tested = candidates.map((c, i) => {
      const s = i === 0 ? 0 : candidates[i - 1];
      const e = i === candidates.length - 1 ? z.length : candidates[i + 1];
      const x = z.slice(s, c);
      const y = z.slice(c, e);
      return { index: c, before: mean(x), after: mean(y), pValue: Math.min(1, welchPValue(x, y) * places(s, e)) };
    });
    const failing = tested.filter((t) => t.pValue > o.maxPValue);
    if (failing.length === 0) return tested;
    const weakest = failing.reduce((a, b) => (b.pValue > a.pValue ? b : a));
    candidates.splice(candidates.indexOf(weakest.index), 1);
  }
}

/**
 * The (τ, κ) with s + minSize ≤ τ ≤ κ − minSize, κ ≤ e, of the largest Q̂(Z[s:τ], Z[τ:κ]), or null when the segment
 * is too short to split. For each τ, the sums over pairs grow with κ one value at a time: O(n³) in all, and a
 * nightly history is hundreds of values at most.
 */
export function bestSplit(z: readonly number[], s: number, e: number, minSize: number): { tau: number; kappa: number; q: number } | null {
  let best: { tau: number; kappa: number; q: number } | null = null;
  for (let tau = s + minSize; tau + minSize <= e; tau++) {
    const n = tau - s;
    let withinX = 0;
    for (let i = s; i < tau; i++) for (let k = i + 1; k < tau; k++) withinX += Math.abs(z[i] - z[k]);
    let cross = 0;
    let withinY = 0;
    for (let kappa = tau + 1; kappa <= e; kappa++) {
      const j = kappa - 1; // the value Y gains
      for (let i = s; i < tau; i++) cross += Math.abs(z[i] - z[j]);
      for (let k = tau; k < j; k++) withinY += Math.abs(z[k] - z[j]);
      const m = kappa - tau;
      if (m < minSize) continue;
      const e2 = (2 / (n * m)) * cross - withinX / pairs(n) - withinY / pairs(m);
      const q = ((n * m) / (n + m)) * e2;
      if (!best || q > best.q) best = { tau, kappa, q };
    }
  }
  return best;
}

const pairs = (k: number) => (k < 2 ? Infinity : (k * (k - 1)) / 2);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: readonly number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};

/**
 * Welch's two-sided t-test. Two sides without spread that differ are told apart for certain (p 0); equal ones never.
 */
export function welchPValue(x: readonly number[], y: readonly number[]): number {
  const vx = variance(x) / x.length;
  const vy = variance(y) / y.length;
  const diff = mean(x) - mean(y);
  if (vx + vy === 0) return diff === 0 ? 1 : 0;
  const t = Math.abs(diff) / Math.sqrt(vx + vy);
  const dof = (vx + vy) ** 2 / (vx ** 2 / (x.length - 1) + vy ** 2 / (y.length - 1));
  return 2 * (1 - jstat.jStat.studentt.cdf(t, dof));
}
