/**
 * An x–y chart for a study page (a fit through measured points, a knee curve), as data: the browser script
 * (xy-charts.js) only maps it onto uPlot. uPlot wants one shared x column, so the layers' own x values are merged
 * here and each series holds null where it has no value.
 */

export type XyUnit = "ms" | "bytes" | "ops/s" | "GiB" | "writes" | "count" | "fraction" | "night";

/** A layer as the study gives it: its own x values. */
export interface XyLayer {
  label: string;
  color: string;
  /** points: markers only (measurements); line: a connected line (a fit, a curve through steps). */
  kind: "points" | "line";
  xy: Array<[number, number]>;
  dash?: number[];
}

/** A shaded band between two lines sharing x values (a confidence interval). */
export interface XyBand {
  label: string;
  color: string;
  lower: Array<[number, number]>;
  upper: Array<[number, number]>;
}

/** A reference line across the plot: a claim's threshold (horizontal, at y) or a size of interest (vertical, at x). */
export interface XyRef {
  axis: "x" | "y";
  at: number;
  label: string;
  color: string;
}

export interface XySeries {
  label: string;
  color: string;
  kind: "points" | "line" | "band";
  values: Array<number | null>;
  dash?: number[];
}

/** Ready for uPlot: one x column, the series on it, bands as pairs of series indexes (1-based, uPlot's). */
export interface XyChart {
  id: string;
  title: string;
  note: string;
  xLabel: string;
  xUnit: XyUnit;
  yUnit: XyUnit;
  logX?: boolean;
  logY?: boolean;
  x: number[];
  series: XySeries[];
  bands: Array<{ upper: number; lower: number; fill: string }>;
  refs: XyRef[];
  /** Where a click on the point at x[i] goes (a trend page's night opens its run's report). */
  links?: string[];
}

/** What a study gives: the chart's frame, and its layers before they are placed on one x column. */
export type XyChartInput = Omit<XyChart, "x" | "series" | "bands" | "refs"> & { layers: XyLayer[]; bands?: XyBand[]; refs?: XyRef[] };

const round = (v: number) => +v.toPrecision(6);

/** Merges every layer's x into one sorted column; each series is placed on it, null elsewhere. */
export function xyChart(c: XyChartInput): XyChart {
  const bands = c.bands ?? [];
  const all = [...c.layers.map((l) => l.xy), ...bands.flatMap((b) => [b.lower, b.upper])];
  const x = [...new Set(all.flatMap((xy) => xy.map(([vx]) => round(vx))))].sort((a, b) => a - b);
  const index = new Map(x.map((v, i) => [v, i]));
  // Several points at one x (repeats) need one row each: uPlot has one value per series per x. They get a series
  // each, the first keeping the label and the others hidden from the legend under the same colour.
  const place = (xy: Array<[number, number]>) => {
    const columns: Array<Array<number | null>> = [];
    for (const [vx, vy] of xy) {
      const i = index.get(round(vx))!;
      let col = columns.find((cl) => cl[i] === null);
      if (!col) columns.push((col = new Array<number | null>(x.length).fill(null)));
      col[i] = round(vy);
    }
    return columns.length ? columns : [new Array<number | null>(x.length).fill(null)];
  };
  const series: XySeries[] = [];
  for (const l of c.layers)
    place(l.xy).forEach((values, k) =>
      series.push({ label: k === 0 ? l.label : `${l.label} (${k + 1})`, color: l.color, kind: l.kind, values, ...(l.dash ? { dash: l.dash } : {}) }),
    );
  const bandIdx: XyChart["bands"] = [];
  for (const b of bands) {
    series.push({ label: `${b.label}, upper`, color: b.color, kind: "band", values: place(b.upper)[0] });
    series.push({ label: `${b.label}, lower`, color: b.color, kind: "band", values: place(b.lower)[0] });
    bandIdx.push({ upper: series.length - 1, lower: series.length, fill: b.color });
  }
  return {
    id: c.id,
    title: c.title,
    note: c.note,
    xLabel: c.xLabel,
    xUnit: c.xUnit,
    yUnit: c.yUnit,
    logX: c.logX,
    logY: c.logY,
    x,
    series,
    bands: bandIdx,
    refs: c.refs ?? [],
  };
}
