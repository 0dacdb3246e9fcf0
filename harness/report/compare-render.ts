import { METRICS } from "../check/metrics.js";
import { FAULTS } from "../faults/registry.js";
import { formatPercentChange as pct, formatValue, type Unit } from "../infra/units.js";
import { styleElement } from "./assets.js";
import {
  comparisonExitCode,
  TOO_FEW_NOTE,
  type Comparison,
  type MetricComparison,
  type Outcome,
  type ScenarioComparison,
  type ScenarioSide,
  type SideStats,
} from "./compare.js";
import { htmlTable, markdownTable, textTable, type Row, type Table } from "./table.js";
import { html } from "./template.js";

/** The views of a comparison: Markdown, a self-contained HTML page, and the compact table the terminal gets. */

const signed = (v: number, unit: Unit) => (v > 0 ? `+${formatValue(v, unit)}` : formatValue(v, unit));
const cell = (s: SideStats, unit: Unit) =>
  s.n === 1 ? formatValue(s.median, unit) : `${formatValue(s.median, unit)} [${formatValue(s.min, unit)}–${formatValue(s.max, unit)}] n=${s.n}`;
const OUTCOME_WORD: Record<Outcome, string> = { regressed: "REGRESSED", improved: "improved", same: "same", "too few runs": "too few runs" };
const verdictText = (s: ScenarioSide) => `${s.verdict} (${s.passes}/${s.runs} passed)`;
const change = (m: MetricComparison) => signed(m.change, m.unit) + (m.relativeChange === null ? "" : ` (${pct(m.relativeChange)})`);
const regressed = (s: ScenarioComparison) => s.verdictChange === "regressed" || s.metrics.some((m) => m.outcome === "regressed" && m.budgetRelevant);
const verdictChangeWord = (s: ScenarioComparison) => (s.verdictChange === "regressed" ? "worse" : s.verdictChange === "improved" ? "better" : "");

function headline(c: Comparison): string {
  const code = comparisonExitCode(c);
  const s = c.summary;
  const parts = [
    `${s.compared} scenario(s) compared`,
    `${s.budgetRegressions} budget-relevant regression(s)`,
    `${s.verdictRegressions} verdict(s) worse`,
    `${s.regressions - s.budgetRegressions} other regression(s)`,
    `${s.improvements} improvement(s)`,
  ];
  return `${code ? "REGRESSED" : "no budget-relevant regression"} (exit ${code}): ${parts.join(", ")}`;
}

/** The rule, with every metric's resolution as the catalog (and the faults' own metrics) define it. */
function ruleText(c: Comparison): string {
  const floors = [...METRICS, ...FAULTS.flatMap((f) => (f.metrics ?? []) as ReadonlyArray<{ label: string; floor: number; unit: Unit }>)]
    .filter((m) => m.label !== "lost writes")
    .map((m) => `${m.label} ${formatValue(m.floor, m.unit)}`);
  return (
    `A metric regressed when it got worse by more than ${pct(c.threshold, false)} of the base median and the runs say so: ${c.method} ` +
    `Changes below a metric's resolution are not told (${floors.join(", ")}); improved symmetrically. ` +
    `Lost writes: any increase of one write counts, unless the scenario expects or tolerates loss. ` +
    `Throughput is higher-is-better, everything else lower-is-better. Budget-relevant (★): the scenario has a budget on the metric; ` +
    `a regression there, or a verdict that got worse, makes the exit code 1.`
  );
}

const sidesTable = (c: Comparison): Table => ({
  headers: ["", "base", "candidate"],
  rows: [
    { cells: ["image", c.base.images.join(", ") || "–", c.candidate.images.join(", ") || "–"] },
    { cells: ["server", c.base.servers.join(", ") || "–", c.candidate.servers.join(", ") || "–"] },
    { cells: ["security", c.base.security.join(", ") || "–", c.candidate.security.join(", ") || "–"] },
    { cells: ["runs", `${c.base.completed} completed of ${c.base.reports}`, `${c.candidate.completed} completed of ${c.candidate.reports}`] },
  ],
});

function metricsTable(s: ScenarioComparison): Table {
  const rows: Row[] = s.metrics.map((m) => ({
    cls: m.outcome === "too few runs" ? "same" : m.outcome,
    cells: [
      `${m.budgetRelevant ? "★ " : ""}${m.label}`,
      m.budget !== null ? `≤ ${formatValue(m.budget, m.unit)}` : "–",
      cell(m.base, m.unit),
      cell(m.candidate, m.unit),
      change(m),
      { text: OUTCOME_WORD[m.outcome], strong: m.outcome === "regressed", cls: "result" },
      m.note,
    ],
  }));
  if (rows.length === 0) rows.push({ cells: ["(no metric measured on both sides)", "", "", "", "", "", ""] });
  return { headers: ["metric", "budget", "base", "candidate", "change", "result", "note"], rows };
}

/** A side in a line: its image, its server and, when secured, how. */
const sideText = (x: { images: string[]; servers: string[]; security: string[] }) =>
  [x.images.join(", ") || "?", x.servers.join(", ") || "?", ...(x.security.some((l) => l !== "none") ? [`security ${x.security.join(", ")}`] : [])].join(", ");

/** What is said of a scenario above its table. */
function scenarioLines(s: ScenarioComparison): string[] {
  const vc = verdictChangeWord(s);
  return [
    `verdict: ${verdictText(s.base)} → ${verdictText(s.candidate)}${vc ? ` — ${vc}` : ""}`,
    `base: ${sideText(s.base)}; candidate: ${sideText(s.candidate)}`,
    ...s.candidate.failures.map((f) => `candidate failed: ${f}`),
    ...s.notes.map((n) => `note: ${n}`),
  ];
}

/** What was left out of the comparison, and why. */
function leftOut(c: Comparison): string[] {
  return [
    ...c.onlyBase.map((n) => `not compared: ${n} (completed runs in base only)`),
    ...c.onlyCandidate.map((n) => `not compared: ${n} (completed runs in candidate only)`),
    ...c.skipped.map((k) => `skipped: ${k.side} ${k.scenario}: ${k.status}: ${k.reason}${k.source ? ` (${k.source})` : ""}`),
  ];
}

export function renderComparisonMarkdown(c: Comparison): string {
  const L = ["# Run comparison: base vs candidate", "", ...markdownTable(sidesTable(c)), "", `**${headline(c)}**`, "", ruleText(c), ""];
  for (const w of c.warnings) L.push(`> **warning:** ${w}`, "");
  if (c.summary.tooFewRuns) L.push(`> ${TOO_FEW_NOTE} (scenarios marked below).`, "");
  for (const s of c.scenarios) {
    L.push(`## ${s.name} (${s.topology})${regressed(s) ? " — **REGRESSED**" : ""}`, "", ...scenarioLines(s).map((l) => `- ${l}`), "");
    L.push(...markdownTable(metricsTable(s)), "");
  }
  const out = leftOut(c);
  if (out.length) L.push("## Not compared", "", ...out.map((l) => `- ${l}`), "");
  return L.join("\n");
}

export function renderComparisonHtml(c: Comparison): string {
  const code = comparisonExitCode(c);
  const out = leftOut(c);
  return html`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Run comparison</title>${styleElement()}</head><body><main>
<section><h1>Run comparison: base vs candidate</h1>
${htmlTable(sidesTable(c))}
<p class="banner ${code ? "bad" : "ok"}">${headline(c)}</p>
<p class="note">${ruleText(c)}</p>
${c.warnings.map((w) => html`<p class="banner bad">warning: ${w}</p>`)}
${c.summary.tooFewRuns ? html`<p class="callout">${TOO_FEW_NOTE} (scenarios marked below).</p>` : ""}
</section>
${c.scenarios.map(
  (
    s,
  ) => html`<section id="${s.name}"><h2>${s.name} <span class="note">(${s.topology})</span>${regressed(s) ? html` <span class="worse">REGRESSED</span>` : ""}</h2>
<ul>${scenarioLines(s).map((l) => html`<li>${l}</li>`)}</ul>
${htmlTable(metricsTable(s))}</section>`,
)}
${out.length ? html`<section><h2>Not compared</h2><ul>${out.map((l) => html`<li>${l}</li>`)}</ul></section>` : ""}
</main></body></html>
`.html;
}

/** A compact text table for a terminal: verdicts, and only the metrics that changed beyond noise. */
export function renderComparisonText(c: Comparison): string {
  const side = (x: Comparison["base"]) => `${sideText(x)}, ${x.completed} run(s)`;
  const rows: Row[] = [];
  for (const s of c.scenarios) {
    const vc = s.verdictChange === "regressed" ? "WORSE" : s.verdictChange === "improved" ? "better" : "same";
    rows.push({
      cells: [
        s.name + (s.tooFewRuns ? ` (${Math.min(s.base.runs, s.candidate.runs)} run(s) a side: not judged)` : ""),
        "verdict",
        verdictText(s.base),
        verdictText(s.candidate),
        "",
        vc,
      ],
    });
    for (const m of s.metrics.filter((x) => x.outcome === "regressed" || x.outcome === "improved"))
      rows.push({
        cells: ["", `${m.budgetRelevant ? "★ " : ""}${m.label}`, cell(m.base, m.unit), cell(m.candidate, m.unit), change(m), OUTCOME_WORD[m.outcome]],
      });
  }
  const L = [`base:      ${side(c.base)}`, `candidate: ${side(c.candidate)}`, `threshold ${pct(c.threshold, false)}; ★ = budget-relevant`, ""];
  L.push(...textTable({ headers: ["scenario", "metric", "base", "candidate", "change", "result"], rows }), "", ...leftOut(c));
  for (const w of c.warnings) L.push(`warning: ${w}`);
  if (c.summary.tooFewRuns) L.push(`note: ${TOO_FEW_NOTE}`);
  L.push(headline(c));
  return L.join("\n") + "\n";
}
