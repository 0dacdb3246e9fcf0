import path from "node:path";
import { formatValue, type Unit } from "../infra/units.js";
import type { Block } from "../report/run-view.js";
import type { Row } from "../report/table.js";
import { xyChart, type XyChart, type XyUnit } from "../report/xy-chart.js";
import type { StudyView } from "../study/study-page.js";
import { describeEnvironment, type EnvironmentParts } from "./fingerprint.js";
import { seriesFinding } from "./check-view.js";
import type { HistoryJudgement, SeriesJudgement } from "./judge-history.js";

/**
 * history.html: what shifted and when first (a table of every series with something to say), then a chart per
 * scenario × metric over nights: each night a point (a click opens its run's report), the baseline's median and its
 * band night by night, the scenario's budget as a line, each change point as a vertical line at its first night.
 * Drawn for every series with a finding, and for each scenario's headline metrics whatever they did.
 */

/** Always charted, whatever they did: what a nightly is read for. */
const HEADLINE = ["p99.baseline", "p99.fault", "rto", "lostWrites", "throughput.baseline"];

const COLORS = { night: "#1f6feb", regressed: "#cf222e", median: "#57606a", band: "#8c959f", budget: "#bf8700", shift: "#8250df" };

/** A metric's unit as the chart draws it (µs shown as ms, as everywhere). */
function chartUnit(unit: string): { unit: XyUnit; scale: number } {
  if (unit === "µs") return { unit: "ms", scale: 1 / 1000 };
  const known: XyUnit[] = ["ms", "bytes", "ops/s", "writes", "count", "fraction"];
  return { unit: known.includes(unit as XyUnit) ? (unit as XyUnit) : "count", scale: 1 };
}

const slug = (s: string) => s.replace(/[^a-zA-Z0-9]+/g, "-").toLowerCase();
const chartId = (s: SeriesJudgement) => slug(`${s.scenario}-${s.key}-${s.fingerprint}-${s.image}-${s.security}`);
const reportLink = (reportPath: string, pageDir: string) =>
  path
    .relative(pageDir, path.join(path.dirname(reportPath), "report.html"))
    .split(path.sep)
    .join("/");

export function seriesChart(s: SeriesJudgement, pageDir: string): XyChart {
  const { unit, scale } = chartUnit(s.unit);
  const at = (i: number) => i + 1;
  const v = (x: number) => x * scale;
  const judged = s.nights.map((n, i) => ({ i, n })).filter(({ n }) => n.judgement.baseline !== null);
  const regressed = s.nights.map((n, i) => ({ i, n })).filter(({ n }) => n.judgement.judgement === "regression");
  const budget = s.nights.at(-1)!.budget;
  const chart = xyChart({
    id: chartId(s),
    title: `${s.scenario} · ${s.metricLabel}`,
    note: `${s.image}, security ${s.security}, machine ${s.fingerprint}. ${seriesFinding(s) ?? "No change, no shift."}`,
    xLabel: "night",
    xUnit: "night",
    yUnit: unit,
    layers: [
      { label: s.metricLabel, color: COLORS.night, kind: "points", xy: s.nights.map((n, i) => [at(i), v(n.value)]) },
      { label: "regression", color: COLORS.regressed, kind: "points", xy: regressed.map(({ i, n }) => [at(i), v(n.value)]) },
      {
        label: "baseline (median of the nights before)",
        color: COLORS.median,
        kind: "line",
        dash: [4, 3],
        xy: judged.map(({ i, n }) => [at(i), v(n.judgement.baseline!)]),
      },
    ],
    bands: judged.length
      ? [
          {
            label: "noise band",
            color: COLORS.band,
            // Every metric here is a duration, a count or a share: none goes below 0, nor does its band.
            lower: judged.map(({ i, n }) => [at(i), v(Math.max(0, n.judgement.band![0]))]),
            upper: judged.map(({ i, n }) => [at(i), v(n.judgement.band![1])]),
          },
        ]
      : [],
    refs: [
      ...(budget !== null ? [{ axis: "y" as const, at: v(budget), label: `budget ${formatValue(budget, s.unit as Unit)}`, color: COLORS.budget }] : []),
      ...s.changePoints.map((c) => ({ axis: "x" as const, at: at(c.index) - 0.5, label: `shift at night ${at(c.index)}`, color: COLORS.shift })),
    ],
  });
  // A click on night k opens its run's report: x holds the nights 1..n in order.
  return { ...chart, links: chart.x.map((x) => reportLink(s.nights[x - 1].reportPath, pageDir)) };
}

export function trendView(j: HistoryJudgement, where: string, pageDir: string): StudyView {
  const findings = j.series.map((s) => ({ s, f: seriesFinding(s) })).filter((x) => x.f !== null);
  const charted = j.series.filter((s) => HEADLINE.includes(s.key) || seriesFinding(s) !== null);
  const machines = new Map<string, string>();
  for (const s of j.series) machines.set(s.fingerprint, describeEnvironment(JSON.parse(s.environment) as EnvironmentParts | null));
  const rows: Row[] = findings.map(({ s, f }) => ({
    cells: [
      {
        text: s.latest.judgement === "regression" ? "REGRESSION" : s.latest.unstable ? "UNSTABLE" : s.changePoints.length ? "shifted" : s.latest.judgement,
        strong: s.latest.judgement === "regression",
      },
      s.scenario,
      { text: s.metricLabel, href: `#${chartId(s)}` },
      f!,
      { text: s.nights.at(-1)!.startedAt.slice(0, 16).replace("T", " "), href: reportLink(s.nights.at(-1)!.reportPath, pageDir) },
    ],
    data: { series: s.key, judgement: s.latest.judgement },
  }));
  const headline: Block[] = [
    {
      title: j.regressions.length ? `${j.regressions.length} series regressed on their latest night` : "No series regressed on its latest night",
      paragraphs: [
        "Each night is judged against the median of the 7 nights before it: a regression is more than 5% worse and outside the band where a night of the baseline's own spread falls 99% of the time; a baseline spread over 10% of its median is UNSTABLE and never makes a regression. A shift is a change point (E-divisive means, as Apache Otava finds them), named by its first night. Runs in a row under one label (a commit) within 12 hours are one night, at their median.",
      ],
      table: rows.length ? { headers: ["", "scenario", "metric", "what", "latest night"], rows, cls: "findings" } : undefined,
    },
  ];
  return {
    title: "Runs over nights",
    intro: `${j.runs} runs in ${where}: ${j.series.length} series of ${new Set(j.series.map((s) => s.scenario)).size} scenarios.`,
    facts: [...machines].map(([id, d]) => [`machine ${id}`, d]),
    headline,
    charts: charted.map((s) => seriesChart(s, pageDir)),
    sections: [],
  };
}
