import { capabilitiesOf } from "../topology/registry.js";
import { chartAssets, styleElement } from "./assets.js";
import { chartData, type ChartData } from "./html-chart-data.js";
import { runView, type Block, type RunView, type Section } from "./run-view.js";
import { htmlFacts, htmlTable } from "./table.js";
import { html, scriptJson, type SafeHtml } from "./template.js";
import type { RunReport } from "./types.js";

// The tests and other views reach the chart data through the page's module.
export { chartData, FAULT_SHADE, type ChartData } from "./html-chart-data.js";

/**
 * One self-contained HTML page per run: the run's view (the same sections as the Markdown summary, budgets marked beside
 * their values), and charts drawn by uPlot from JSON embedded in the page. Everything (library, styles, data, script)
 * is inline, so the file opens from file:// on a machine with no network, and can be attached to a CI run as is.
 */

export function blockHtml(b: Block): SafeHtml {
  return html`<div class="block">${b.title ? html`<h3>${b.title}</h3>` : ""}${b.table ? htmlTable(b.table) : ""}${(b.paragraphs ?? []).map(
    (p) => html`<p class="note">${p}</p>`,
  )}${b.facts?.length ? htmlFacts(b.facts) : ""}</div>`;
}

const sectionHtml = (s: Section) => html`<section class="${s.id}" id="${s.id}"><h2>${s.title}</h2>${s.blocks.map(blockHtml)}</section>`;

function header(v: RunView): SafeHtml {
  return html`<header class="run">
  <div class="title">
    <h1>${v.name}</h1>
    ${v.description ? html`<p class="desc">${v.description}</p>` : ""}
    ${htmlFacts(v.facts)}
    ${v.problem ? html`<p class="problem">${v.problem}</p>` : ""}
  </div>
  <div class="verdict-box">
    <div class="verdict ${v.verdict}" data-verdict="${v.verdict}">${v.verdict}</div>
    ${
      v.broken.length
        ? html`<ul class="broken">${v.broken.map((b) => html`<li>${b}</li>`)}</ul>`
        : v.inconclusive.length
          ? ""
          : html`<p class="note">${v.checksCount ? `all ${v.checksCount} budgets kept` : "no budgets declared"}</p>`
    }
    ${v.inconclusive.length ? html`<ul class="inconclusive" data-inconclusive>${v.inconclusive.map((b) => html`<li>inconclusive: ${b}</li>`)}</ul>` : ""}
    ${v.driverBound ? html`<p class="driver-bound" data-driver-bound>${v.driverBound}</p>` : ""}
  </div>
</header>`;
}

const CHART_TITLES = {
  latency: ["Latency over time", "Per second, from each operation's intended start; log scale. Shaded: fault window (red), warmup (grey)."],
  app: ["What the application's users saw", ""],
  throughput: ["Throughput and errors", "Operations per second that succeeded, and failures per second by class."],
  replication: ["Replication lag", ""],
  cluster: ["Cluster state", ""],
  memory: ["Container memory", ""],
  cache: ["Cache hits and evictions", ""],
  // The section of the instrument's facts (run-view.ts) has a title of its own: two sections, two names.
  instrument: ["The instrument over time: the load driver's schedule lag and event loop", ""],
  harness: ["The harness's own memory", ""],
} as const;

function chartSection(kind: keyof typeof CHART_TITLES, data: ChartData, extra: SafeHtml | "" = ""): SafeHtml {
  const [title, caption] = CHART_TITLES[kind];
  const spec = data.charts[kind];
  if (!spec) {
    const why = data.skipped[kind as keyof ChartData["skipped"]];
    return html`<section class="chart" data-chart-skipped="${kind}"><h2>${title}</h2><p class="note">${why ?? "No data."}</p></section>`;
  }
  return html`<section class="chart" data-chart="${kind}"><h2>${title}</h2><p class="note">${spec.note ?? caption}</p><div class="plot main"></div>${
    spec.strip ? html`<div class="plot strip"></div>` : ""
  }${extra}</section>`;
}

function markerTable(data: ChartData): SafeHtml | "" {
  if (data.markers.length === 0) return "";
  return html`<details class="markers" open><summary>Marked events (${data.markers.length}${data.markersDropped ? `, ${data.markersDropped} more left off` : ""}; the full timeline is in report.json)</summary>
<table><thead><tr><th>t (s)</th><th>event</th><th>detail</th></tr></thead><tbody>${data.markers.map(
    (m) => html`<tr><td>${m.tS.toFixed(3)}</td><td>${m.label}</td><td class="detail">${m.detail === m.label ? "" : m.detail}</td></tr>`,
  )}</tbody></table></details>`;
}

/** The whole page: header and numbers first (what a reader needs to judge the run), then the charts that explain them. */
export function renderHtml(report: RunReport): string {
  const v = runView(report);
  const data = chartData(report);
  const assets = chartAssets();
  // The instrument's facts follow its chart; the environment closes the page.
  const before = v.sections.filter((s) => s.id !== "environment" && s.id !== "instrument");
  const after = (id: Section["id"]) => v.sections.filter((s) => s.id === id);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${v.name}: ${v.verdict}</title>
${assets.css}
${styleElement()}
</head>
<body>
<main>
${header(v)}
${before.map(sectionHtml)}
${chartSection("latency", data, markerTable(data))}
${data.charts.app ? chartSection("app", data) : ""}
${chartSection("throughput", data)}
${capabilitiesOf(report.scenario.topology.kind).has("slots") ? chartSection("cluster", data) : chartSection("replication", data)}
${chartSection("memory", data)}
${data.charts.cache ? chartSection("cache", data) : ""}
${chartSection("instrument", data)}
${chartSection("harness", data)}
${after("instrument").map(sectionHtml)}
${after("environment").map(sectionHtml)}
</main>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
${assets.scripts}
</body>
</html>
`.html;
}
