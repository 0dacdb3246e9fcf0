import jstat from "jstat";

/**
 * Ordinary least squares of y on x, with what a capacity planner needs to trust it: the slope's 95% confidence
 * interval, R², and predictions with their intervals. The t quantiles come from jstat; the sums are the harness's own.
 */
export interface LinearFit {
  /** Points fitted. */
  n: number;
  slope: number;
  intercept: number;
  /** Coefficient of determination: the share of y's variance the line explains (1 when every point is on it). */
  r2: number;
  /** The slope's 95% confidence interval (Student's t with n − 2 degrees of freedom). */
  slopeCi95: [number, number];
  /** Residual standard error. */
  residualSe: number;
  /** The x values fitted, for predictions and the "beyond measured" judgement. */
  xMean: number;
  sxx: number;
  xMax: number;
}

export interface Prediction {
  x: number;
  y: number;
  /** 95% interval of the line at x (the mean response). */
  ci95: [number, number];
  /** 95% interval of one new measurement at x: the line's uncertainty plus the points' own scatter. */
  pi95: [number, number];
  /** x is beyond this many times the largest measured x: an extrapolation, to be read as one. */
  beyondMeasured: boolean;
}

/** An extrapolation: a target more than this many times the largest measured point. */
export const EXTRAPOLATION_FACTOR = 3;

const t975 = (dof: number) => jstat.jStat.studentt.inv(0.975, dof);

/** The least-squares line through the points; at least three points with two distinct x are needed for an interval. */
export function fitLine(points: Array<{ x: number; y: number }>): LinearFit {
  const n = points.length;
  if (n < 3) throw new Error(`a fit with an interval needs at least 3 points, got ${n}`);
  const xMean = points.reduce((s, p) => s + p.x, 0) / n;
  const yMean = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.x - xMean) ** 2;
    sxy += (p.x - xMean) * (p.y - yMean);
    syy += (p.y - yMean) ** 2;
  }
  if (sxx === 0) throw new Error("a fit needs points at two different x at least");
  const slope = sxy / sxx;
  const intercept = yMean - slope * xMean;
  const sse = points.reduce((s, p) => s + (p.y - (intercept + slope * p.x)) ** 2, 0);
  const residualSe = Math.sqrt(sse / (n - 2));
  const half = t975(n - 2) * (residualSe / Math.sqrt(sxx));
  return {
    n,
    slope,
    intercept,
    r2: syy === 0 ? 1 : 1 - sse / syy,
    slopeCi95: [slope - half, slope + half],
    residualSe,
    xMean,
    sxx,
    xMax: Math.max(...points.map((p) => p.x)),
  };
}

/** The fitted line at x, with its intervals, and whether x is far enough beyond the data to be an extrapolation. */
export function predict(fit: LinearFit, x: number): Prediction {
  const y = fit.intercept + fit.slope * x;
  const t = t975(fit.n - 2);
  const lever = 1 / fit.n + (x - fit.xMean) ** 2 / fit.sxx;
  const ci = t * fit.residualSe * Math.sqrt(lever);
  const pi = t * fit.residualSe * Math.sqrt(1 + lever);
  return { x, y, ci95: [y - ci, y + ci], pi95: [y - pi, y + pi], beyondMeasured: x > EXTRAPOLATION_FACTOR * fit.xMax };
}
