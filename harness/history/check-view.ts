import { formatPercentChange, formatValue, type Unit } from "../infra/units.js";
import { escapeMarkup as esc } from "../report/escape.js";
import { MIN_BASELINE_NIGHTS } from "./baseline.js";
import type { HistoryJudgement, SeriesJudgement } from "./judge-history.js";

/** `history check` as the terminal and CI read it: what shifted and when, and JUnit with one case per series. */

const value = (s: SeriesJudgement, v: number | null) => formatValue(v, s.unit as Unit);
const day = (iso: string) => iso.slice(0, 16).replace("T", " ");

/** What a series has to say, or null when it is quiet (no change, no shift, stable). */
export function seriesFinding(s: SeriesJudgement): string | null {
  const l = s.latest;
  const parts: string[] = [];
  if (l.judgement === "regression" || l.judgement === "potential regression" || l.judgement === "improvement")
    parts.push(
      `${l.judgement}: ${value(s, l.latest)} against ${value(s, l.baseline)} (median of ${l.nights} nights, ± ${value(s, l.stdDev)}), ${formatPercentChange(
        (s.better === "lower" ? 1 : -1) * (l.change ?? 0),
      )}`,
    );
  if (l.unstable) parts.push(`UNSTABLE: the baseline nights spread ${formatPercentChange(l.stdDev! / Math.abs(l.baseline!), false)} of their median`);
  for (const c of s.changePoints)
    parts.push(`shifted at night ${c.index + 1} (${day(c.startedAt)}): ${value(s, c.before)} → ${value(s, c.after)}, p ${c.pValue.toExponential(1)}`);
  return parts.length ? parts.join("; ") : null;
}

export function renderHistoryCheckText(j: HistoryJudgement, where: string): string {
  const scenarios = new Set(j.series.map((s) => s.scenario)).size;
  const machines = new Set(j.series.map((s) => s.fingerprint)).size;
  const lines = [`history: ${where}: ${j.runs} runs, ${scenarios} scenarios, ${j.series.length} series, ${machines} machine${machines === 1 ? "" : "s"}`];
  for (const s of j.series) {
    const f = seriesFinding(s);
    if (f) lines.push(`  ${s.latest.judgement === "regression" ? "REGRESSION" : "note      "}  ${s.scenario} · ${s.metricLabel}: ${f}`);
  }
  const count = (p: (s: SeriesJudgement) => boolean) => j.series.filter(p).length;
  lines.push(
    `${j.regressions.length} regressed, ${count((s) => s.latest.judgement === "potential regression")} potentially, ${count((s) => s.latest.unstable)} unstable, ${count(
      (s) => s.changePoints.length > 0,
    )} shifted; ${count((s) => s.latest.judgement === "too few nights")} with too few nights for a baseline`,
  );
  return `${lines.join("\n")}\n`;
}

/** One test case per series: a failure when its latest night regressed, skipped while it has too few nights. */
export function renderHistoryJUnit(j: HistoryJudgement): string {
  const cases = j.series.map((s) => {
    const head = `  <testcase classname="history.${esc(s.scenario)}" name="${esc(`${s.key} @ ${s.fingerprint}`)}" time="0">`;
    const f = seriesFinding(s) ?? "no change";
    const body =
      s.latest.judgement === "regression"
        ? `\n    <failure message="${esc(f)}"/>`
        : s.latest.judgement === "too few nights"
          ? `\n    <skipped message="${esc(`${s.latest.nights} earlier nights; a baseline needs ${MIN_BASELINE_NIGHTS}`)}"/>`
          : "";
    return `${head}${body}\n    <system-out>${esc(`${s.metricLabel}: ${f}`)}</system-out>\n  </testcase>`;
  });
  const skipped = j.series.filter((s) => s.latest.judgement === "too few nights").length;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuite name="history" tests="${j.series.length}" failures="${j.regressions.length}" errors="0" skipped="${skipped}">\n` +
    `${cases.join("\n")}\n</testsuite>\n`
  );
}
