import { judgeLatest, median, type BaselineOptions, type BaselineVerdict } from "./baseline.js";
import { changePoints, type ChangePoint } from "./change-points.js";
import type { Point } from "./results-store.js";

/**
 * A store's points as series, each judged: one series per scenario × metric × environment fingerprint × image ×
 * security level (numbers from another machine, another image or another security set-up are another series), its
 * nights in run order, every night judged against the nights before it (so a page can show which night first
 * regressed), and its change points. The latest night's judgement is the one CI acts on.
 */
export interface Night {
  /** The night's last run (its report is where the chart's point links). */
  runId: string;
  startedAt: string;
  value: number;
  censored: boolean;
  budget: number | null;
  reportPath: string;
  scenarioHash: string;
  imageDigest: string | null;
  label: string | null;
  /** How many runs the night pools: repeats in a row under one label (a commit) are one night, at their median. */
  runs: number;
  judgement: BaselineVerdict;
}

export interface SeriesJudgement {
  id: string;
  scenario: string;
  key: string;
  metricLabel: string;
  unit: string;
  better: "lower" | "higher";
  fingerprint: string;
  environment: string;
  image: string;
  security: string;
  nights: Night[];
  latest: BaselineVerdict;
  /** Where the series shifted, each with the night it shifted on. */
  changePoints: Array<ChangePoint & { startedAt: string; runId: string }>;
}

export interface HistoryJudgement {
  series: SeriesJudgement[];
  runs: number;
  /** The series whose latest night is a regression: what fails CI. */
  regressions: SeriesJudgement[];
}

export function judgeHistory(points: Point[], options: BaselineOptions = {}): HistoryJudgement {
  const bySeries = new Map<string, Point[]>();
  for (const p of points) {
    const id = [p.scenario, p.key, p.fingerprint, p.image, p.security].join(" | ");
    const list = bySeries.get(id);
    if (list) list.push(p);
    else bySeries.set(id, [p]);
  }
  const series: SeriesJudgement[] = [];
  for (const [id, runs] of bySeries) {
    const ps = nightsOf(runs);
    const values = ps.map((p) => p.value);
    const better = ps[0].better;
    const nights: Night[] = ps.map((p, i) => ({
      runId: p.runId,
      startedAt: p.startedAt,
      value: p.value,
      censored: p.censored,
      budget: p.budget,
      reportPath: p.reportPath,
      scenarioHash: p.scenarioHash,
      imageDigest: p.imageDigest,
      label: p.label,
      runs: p.runs,
      judgement: judgeLatest(values.slice(0, i + 1), better, options),
    }));
    series.push({
      id,
      scenario: ps[0].scenario,
      key: ps[0].key,
      metricLabel: ps[0].metricLabel,
      unit: ps[0].unit,
      better,
      fingerprint: ps[0].fingerprint,
      environment: ps[0].environment,
      image: ps[0].image,
      security: ps[0].security,
      nights,
      latest: nights[nights.length - 1].judgement,
      changePoints: changePoints(values).map((c) => ({ ...c, startedAt: ps[c.index].startedAt, runId: ps[c.index].runId })),
    });
  }
  series.sort((a, b) => a.scenario.localeCompare(b.scenario) || a.key.localeCompare(b.key) || a.fingerprint.localeCompare(b.fingerprint));
  return {
    series,
    runs: new Set(points.map((p) => p.runId)).size,
    regressions: series.filter((s) => s.latest.judgement === "regression"),
  };
}

/** How long after a night's first run a run of the same label still belongs to it (a nightly job's repeats). */
export const NIGHT_SPAN_MS = 12 * 3600_000;

/**
 * A series' runs as nights: runs in a row under one label (a commit, as redis-benchmarks-specification keys its points
 * by build), started within NIGHT_SPAN_MS of the first of them, are one night at their median, so a nightly that
 * repeats a scenario is not judged as several nights against itself; the same label the next day (a config name, or a
 * commit that did not change) is another night. Runs without a label are a night each. A night is dated and linked by
 * its last run.
 */
export function nightsOf(points: Point[]): Array<Point & { runs: number }> {
  const nights: Array<Point[]> = [];
  for (const p of points) {
    const night = nights[nights.length - 1];
    const first = night?.[0];
    if (first && p.label !== null && first.label === p.label && Date.parse(p.startedAt) - Date.parse(first.startedAt) < NIGHT_SPAN_MS) night.push(p);
    else nights.push([p]);
  }
  return nights.map((g) => ({ ...g[g.length - 1], value: median(g.map((p) => p.value)), censored: g.some((p) => p.censored), runs: g.length }));
}
