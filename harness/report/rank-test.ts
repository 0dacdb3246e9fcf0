import jstat from "jstat";

/**
 * The Mann–Whitney U test (Wilcoxon rank-sum), one-sided: is `y` stochastically greater than `x`? Runs are the unit a
 * comparison has (one number per run), few of them and of unknown distribution, so a rank test and not a t-test. Exact
 * for small samples (the distribution of U by counting, Mann & Whitney 1947), which is what matters at 3 runs a side:
 * there the smallest p-value there is, 1/20 = 0.05, needs every run of one side beyond every run of the other. Ties
 * count a half, and the exact p then rounds U down (conservative by at most a half step); past 20 a side, the
 * normal approximation with the tie correction.
 */
export function mannWhitneyGreater(x: readonly number[], y: readonly number[]): { u: number; p: number } {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) return { u: 0, p: 1 };
  // U for y: pairs (x_i, y_j) with y_j > x_i, ties counting a half.
  let u = 0;
  for (const a of x) for (const b of y) u += b > a ? 1 : b === a ? 0.5 : 0;
  if (m <= 20 && n <= 20) return { u, p: upperTail(m, n, u) };
  const all = [...x, ...y].sort((a, b) => a - b);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j] === all[i]) j++;
    const t = j - i;
    tieTerm += t ** 3 - t;
    i = j;
  }
  const N = m + n;
  const sd = Math.sqrt(((m * n) / 12) * (N + 1 - tieTerm / (N * (N - 1))));
  if (sd === 0) return { u, p: 1 };
  const z = (u - 0.5 - (m * n) / 2) / sd; // continuity correction
  return { u, p: 1 - jstat.jStat.normal.cdf(z, 0, 1) };
}

/** P(U ≥ u) under the null for samples of m and n: counts of rank arrangements, by the recurrence on the largest value. */
function upperTail(m: number, n: number, u: number): number {
  // counts[a][b][k]: arrangements of a x's and b y's with U = k (k = 0 … a·b).
  const memo = new Map<string, number[]>();
  const counts = (a: number, b: number): number[] => {
    if (a === 0 || b === 0) return [1];
    const key = `${a},${b}`;
    const hit = memo.get(key);
    if (hit) return hit;
    // The largest value is a y (it beats all a x's: U grows by a) or an x (U unchanged).
    const withY = counts(a, b - 1);
    const withX = counts(a - 1, b);
    const out = new Array<number>(a * b + 1).fill(0);
    withY.forEach((c, k) => (out[k + a] += c));
    withX.forEach((c, k) => (out[k] += c));
    memo.set(key, out);
    return out;
  };
  const dist = counts(m, n);
  const total = dist.reduce((s, c) => s + c, 0);
  const from = Math.floor(u + 1e-9); // a tied, half-integer U counts down: never a smaller p than the data give
  let tail = 0;
  for (let k = Math.max(0, from); k < dist.length; k++) tail += dist[k];
  return tail / total;
}
