import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { ALL_PHASES, type AnyPhase } from "../check/phases.js";
import type { Check } from "../check/verdict.js";
import { ERROR_CLASSES } from "../measure/errors.js";
import { formatBytes } from "../scenario/units.js";
import type { RunReport } from "./types.js";
import { escapeMarkup } from "./escape.js";
import { verdictWord } from "./outcome.js";
import { chartData, type ChartData } from "./html-chart-data.js";

// The tests and other views reach the chart data through the page's module.
export { chartData, FAULT_SHADE, type ChartData } from "./html-chart-data.js";

/**
 * One self-contained HTML page per run: the numbers of the Markdown summary with budgets marked, and charts drawn by
 * uPlot from JSON embedded in the page. Everything (library, styles, data, script) is inline, so the file opens from
 * file:// on a machine with no network, and can be attached to a CI run as is.
 */

const esc = escapeMarkup;

/** JSON that is safe inside <script>: every "<" escaped, so no "</script>" or "<!--" in the data can end the element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c");

const fmtMs = (ms: number | null | undefined) => {
  if (ms === null || ms === undefined) return "–";
  if (Number.isInteger(ms)) return String(ms); // budgets and whole-ms measures: "50", not "50.00"
  const digits = ms < 1 ? 3 : ms < 100 ? 2 : ms < 10_000 ? 1 : 0;
  return `${ms.toFixed(digits)}`;
};
const fmtPct = (f: number) => `${(f * 100).toFixed(f === 0 ? 0 : 3)}%`;
const fmtInt = (n: number) => n.toLocaleString("en-US");

function fmtCheckValue(c: Check, v: number | null): string {
  if (v === null) return "–";
  return c.unit === "ms" ? `${fmtMs(v)} ms` : c.unit === "writes" ? `${fmtInt(v)} writes` : fmtPct(v);
}

/** A budget next to the value it judges: "≤ 50 ms ✓" in green, or in red when broken. */
function budgetTag(c: Check | undefined): string {
  if (!c) return "";
  const title = c.note ? ` title="${esc(c.note)}"` : "";
  return ` <span class="budget ${c.pass ? "ok" : "broken"}"${title}>${c.atLeast ? "≥" : "≤"} ${esc(fmtCheckValue(c, c.budget))} ${c.pass ? "✓" : "✗ broken"}</span>`;
}

const dl = (rows: Array<[string, string]>) => `<dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join("")}</dl>`;

function header(r: RunReport): string {
  const s = r.scenario;
  const word = verdictWord(r);
  const cls = r.status !== "completed" ? "other" : r.verdict.pass ? "pass" : "fail";
  const server = r.topology ? `${r.topology.server.server} ${r.topology.server.version}` : "not started";
  const broken = r.verdict.checks.filter((c) => !c.pass);
  const durationS = (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000;
  return `<header class="run">
  <div class="title">
    <h1>${esc(s.name)}</h1>
    ${s.description ? `<p class="desc">${esc(s.description)}</p>` : ""}
    ${dl([
      ["status", esc(r.status)],
      ["topology", `${esc(s.topology.kind)}${r.topology ? ` (${r.topology.nodes.length} data node${r.topology.nodes.length === 1 ? "" : "s"}${r.topology.sentinels.length ? `, ${r.topology.sentinels.length} Sentinels` : ""})` : ""}`],
      ["server", esc(server)],
      ["image", `<code>${esc(r.topology?.image ?? s.topology.image ?? "?")}</code>`],
      ["load", esc(`${r.workload.mode}${r.workload.mode === "open-loop" ? ` at ${s.workload.rate} ops/s` : ""}, ${s.workload.connections} connections, read ratio ${s.workload.readRatio}, ${fmtInt(r.workload.issued)} operations`)],
      ["started", `${esc(r.startedAt)} (${Number.isFinite(durationS) ? `${durationS.toFixed(1)} s` : "?"})`],
    ])}
    ${r.problem ? `<p class="problem">${esc(r.problem)}</p>` : ""}
  </div>
  <div class="verdict-box">
    <div class="verdict ${cls}" data-verdict="${word}">${word}</div>
    ${broken.length ? `<ul class="broken">${broken.map((c) => `<li>${esc(c.name)}: ${esc(fmtCheckValue(c, c.measured))} against ${c.atLeast ? "≥" : "≤"} ${esc(fmtCheckValue(c, c.budget))}${c.note ? ` (${esc(c.note)})` : ""}</li>`).join("")}</ul>` : `<p class="note">${r.verdict.checks.length ? `all ${r.verdict.checks.length} budgets kept` : "no budgets declared"}</p>`}
  </div>
</header>`;
}

function phaseTable(r: RunReport): string {
  const check = (metric: string, phase: AnyPhase) => r.verdict.checks.find((c) => c.name === `${metric} ${phase}`);
  const window = (from: number | null, to: number | null) => `${((from ?? 0) / 1000).toFixed(1)} → ${to === null ? "end" : (to / 1000).toFixed(1)} s`;
  const rows = ALL_PHASES.map((p) => {
    const ph = r.phases[p];
    const lat = (us: number, metric?: string) => (ph.ops === 0 ? "–" : fmtMs(us / 1000)) + (metric ? budgetTag(check(metric, p)) : "");
    return `<tr data-phase="${p}"><td>${p}</td><td>${window(ph.fromMs, ph.toMs)}</td><td>${fmtInt(ph.ops)}</td><td>${fmtInt(ph.errors)}</td>
      <td>${ph.ops ? fmtPct(ph.errors / ph.ops) : "–"}${budgetTag(check("error rate", p))}</td>
      <td>${lat(ph.latency.p50Us)}</td><td>${lat(ph.latency.p99Us, "p99")}</td><td>${lat(ph.latency.p999Us, "p99.9")}</td><td>${lat(ph.latency.maxUs)}</td></tr>`;
  });
  const t = r.total;
  rows.push(`<tr class="total"><td>total</td><td>after warmup</td><td>${fmtInt(t.ops)}</td><td>${fmtInt(t.errors)}</td><td>${t.ops ? fmtPct(t.errors / t.ops) : "–"}</td>
    <td>${fmtMs(t.latency.p50Us / 1000)}</td><td>${fmtMs(t.latency.p99Us / 1000)}</td><td>${fmtMs(t.latency.p999Us / 1000)}</td><td>${fmtMs(t.latency.maxUs / 1000)}</td></tr>`);
  const errs = ERROR_CLASSES.filter((c) => r.total.errorsByClass[c] > 0);
  return `<table class="phases">
  <thead><tr><th>phase</th><th>window</th><th>ops</th><th>errors</th><th>error rate</th><th>P50 ms</th><th>P99 ms</th><th>P99.9 ms</th><th>max ms</th></tr></thead>
  <tbody>${rows.join("\n")}</tbody>
</table>
<p class="note">Latency ${esc(r.workload.latencyMeaning)}. ${errs.length ? `Errors by class: ${errs.map((c) => `${c} ${fmtInt(r.total.errorsByClass[c])}`).join(", ")}.` : "No operation failed."}</p>
${r.otherErrors.length ? `<p class="note">Errors classed "other": ${r.otherErrors.map((m) => `<code>${esc(m)}</code>`).join("; ")}</p>` : ""}`;
}

function budgetsTable(r: RunReport): string {
  if (r.verdict.checks.length === 0) return `<p class="note">No budgets declared.</p>`;
  return `<table class="budgets"><thead><tr><th>budget</th><th>limit</th><th>measured</th><th>result</th></tr></thead><tbody>
${r.verdict.checks
  .map(
    (c) =>
      `<tr class="${c.pass ? "ok" : "broken"}"><td>${esc(c.name)}</td><td>${c.atLeast ? "≥" : "≤"} ${esc(fmtCheckValue(c, c.budget))}</td><td>${esc(fmtCheckValue(c, c.measured))}${c.note ? ` <span class="note">(${esc(c.note)})</span>` : ""}</td><td>${c.pass ? "ok" : "broken"}</td></tr>`,
  )
  .join("\n")}</tbody></table>`;
}

function availabilityBlock(r: RunReport): string {
  const a = r.availability;
  const check = (name: string) => r.verdict.checks.find((c) => c.name === name);
  const run = a.longestFailedRun;
  return `<div><h3>Availability (writes)</h3>${dl([
    ["RTO", rtoValue(a) + budgetTag(check("RTO"))],
    ...(r.app ? [httpRto(r.app.availability)] : []),
    ["longest failed run", run ? `${fmtInt(run.writes)} writes over ${fmtInt(Math.round(run.durationMs))} ms (${(run.fromMs / 1000).toFixed(1)} → ${(run.toMs / 1000).toFixed(1)} s)` : "none"],
    ["writes failed", `${fmtInt(a.writesFailed)} of ${fmtInt(a.writesAttempted)}${a.writesAttempted ? ` (${fmtPct(a.writesFailed / a.writesAttempted)})` : ""}`],
  ])}</div>`;
}

const rtoValue = (a: RunReport["availability"]) =>
  a.rtoMs === null ? `– <span class="note">(${esc(a.rtoNote ?? "not measured")})</span>` : `${fmtInt(Math.round(a.rtoMs))} ms`;

/** The RTO the app's users saw (writes over HTTP), measured the same way as Redis's. */
function httpRto(a: RunReport["availability"]): [string, string] {
  const run = a.longestFailedRun;
  const value = rtoValue(a);
  const detail = `${fmtInt(a.writesFailed)} of ${fmtInt(a.writesAttempted)} writes failed${run ? `, longest run ${(run.fromMs / 1000).toFixed(1)} → ${(run.toMs / 1000).toFixed(1)} s` : ""}`;
  return ["RTO over HTTP (app users)", `<span data-rto="http">${value}</span> <span class="note">(${detail})</span>`];
}

function dataLossBlock(r: RunReport): string {
  const d = r.dataLoss;
  if (!d) return `<div><h3>Data loss</h3><p class="note">Not measured: the workload keeps no write ledger, or the run did not reach the read-back.</p></div>`;
  const check = (name: string) => r.verdict.checks.find((c) => c.name === name);
  const rows: Array<[string, string]> = [
    ["writes / acknowledged", `${fmtInt(d.writes)} / ${fmtInt(d.acknowledged)}`],
    ["lost (acknowledged)", `<strong>${fmtInt(d.lost)}</strong>${budgetTag(check("lost writes"))}${budgetTag(check("expected loss seen"))}`],
    ["split brain", `${fmtInt(d.splitBrain)} <span class="note">(acknowledged after the fault took effect, then lost)</span>`],
    ["indeterminate", `${fmtInt(d.indeterminate)} <span class="note">(failed or timed out, yet present)</span>`],
    ["RPO", (d.rpoMs === null ? `– <span class="note">(no write acknowledged before the fault was lost)</span>` : `${fmtMs(d.rpoMs)} ms`) + budgetTag(check("RPO"))],
  ];
  if (r.reads && r.reads.reads > 0) {
    const s = r.reads;
    rows.push(["stale reads", `${fmtInt(s.stale)} of ${fmtInt(s.reads)} from the ${esc(s.from)} (${fmtPct(s.staleRate)}), furthest behind ${fmtInt(s.maxStalenessMs)} ms`]);
  }
  if (r.convergence) {
    const c = r.convergence;
    rows.push(["convergence", `${c.converged ? "settled" : "<strong>did not settle</strong>"} in ${fmtInt(c.tookMs)} ms; primary ${esc(c.primary ?? "?")}${c.note ? ` (${esc(c.note)})` : ""}`]);
  }
  return `<div><h3>Data loss</h3>${dl(rows)}</div>`;
}

/** The app tier (HTTP in front of Redis): what its users saw per phase, beside what Redis's clients saw. */
function appBlock(r: RunReport): string {
  const app = r.app;
  if (!app) return "";
  const rows = ALL_PHASES.filter((p) => r.phases[p].ops > 0 || app.phases[p].ops > 0).map((p) => {
    const redis = r.phases[p];
    const http = app.phases[p];
    return `<tr><td>${p}</td><td>${fmtInt(redis.ops)}</td><td>${fmtInt(redis.errors)}</td><td>${redis.ops ? fmtMs(redis.latency.p99Us / 1000) : "–"}</td>
      <td>${fmtInt(http.ops)}</td><td>${fmtInt(http.errors)}</td><td>${http.ops ? fmtMs(http.latency.p99Us / 1000) : "–"}</td><td>${http.ops ? fmtMs(http.latency.maxUs / 1000) : "–"}</td></tr>`;
  });
  const statuses = Object.entries(app.httpStatus).map(([k, v]) => `${k} ${fmtInt(v)}`).join(", ");
  return `<h3>What the application's users saw (HTTP)</h3>
<table class="app"><thead><tr><th>phase</th><th>Redis ops</th><th>Redis errors</th><th>Redis P99 ms</th><th>HTTP requests</th><th>HTTP errors</th><th>HTTP P99 ms</th><th>HTTP max ms</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table>
<p class="note">${esc(`${app.rate} requests/s over ${app.connections} connections; latency ${app.latencyMeaning}. Responses: ${statuses || "none"}${app.unfinished ? `; ${app.unfinished} requests unanswered 3 s after the load stopped, counted as timeouts` : ""}.`)}</p>`;
}

function detailValue(key: string, v: unknown): string {
  if (typeof v === "number" && /Bytes$/.test(key)) return `${formatBytes(v)} <span class="note">(${fmtInt(v)} B)</span>`;
  if (typeof v === "number" && /Us$/.test(key)) return `${fmtInt(v)} µs`;
  if (typeof v === "number" && /Ms$/.test(key)) return `${fmtMs(v)} ms`;
  if (typeof v === "number") return fmtInt(v);
  return esc(typeof v === "string" ? v : JSON.stringify(v));
}

function faultsBlock(r: RunReport): string {
  if (r.faults.length === 0) return `<p class="note">No fault in this scenario.</p>`;
  const at = (ms: number | null) => (ms === null ? "–" : `${(ms / 1000).toFixed(3)} s`);
  return r.faults
    .map(
      (f) => `<div class="fault"><h3>${esc(f.kind)}</h3>${dl([
        ["requested / took effect", `${at(f.requestedAtMs)} / ${at(f.tookEffectAtMs)}`],
        ["healed", f.healedAtMs === null ? "not healed" : at(f.healedAtMs)],
        ...(f.error ? ([["error", `<span class="bad">${esc(f.error)}</span>`]] as Array<[string, string]>) : []),
        ...Object.entries(f.details).map(([k, v]) => [k, detailValue(k, v)] as [string, string]),
      ])}</div>`,
    )
    .join("\n");
}

function nodesBlock(r: RunReport): string {
  const parts: string[] = [];
  if (r.redirections) parts.push(`<p>Redirections sent during the load: MOVED ${fmtInt(r.redirections.moved)}, ASK ${fmtInt(r.redirections.ask)}.</p>`);
  if (r.nodeLoad.length) {
    parts.push(`<table class="load"><thead><tr><th>node</th><th>commands</th><th>share</th></tr></thead><tbody>${r.nodeLoad
      .map((n) => `<tr><td>${esc(n.node)}</td><td>${fmtInt(n.commands)}</td><td><span class="bar" style="width:${Math.round(n.share * 100)}px"></span> ${(n.share * 100).toFixed(1)}%</td></tr>`)
      .join("")}</tbody></table>`);
  }
  return parts.length ? `<h3>Nodes</h3>${parts.join("\n")}` : "";
}

function warningsBlock(r: RunReport): string {
  const w = r.environment.warnings;
  return w.length ? `<div class="warnings"><strong>Environment warnings</strong><ul>${w.map((x) => `<li>${esc(x)}</li>`).join("")}</ul></div>` : "";
}

function environmentBlock(r: RunReport): string {
  const h = r.environment.host;
  const rows: Array<[string, string]> = h
    ? [
        ["host", esc(`${h.kernel}; ${h.cores} cores (${h.cpuModel}); ${formatBytes(h.memoryBytes)}`)],
        ["THP / overcommit", esc(`${h.transparentHugePages} / vm.overcommit_memory=${h.overcommitMemory}`)],
        ["Docker / Node", esc(`${h.dockerServerVersion} on ${h.dockerOperatingSystem} / ${h.node}`)],
      ]
    : [["host", "not recorded"]];
  for (const i of r.environment.images) rows.push([`image ${i.name}`, `<code>${esc(i.id)}</code>`]);
  rows.push(["client options", `<code>${esc(JSON.stringify(r.scenario.client))}</code>`]);
  return dl(rows);
}

const CHART_TITLES = {
  latency: ["Latency over time", "Per second, from each operation's intended start; log scale. Shaded: fault window (red), warmup (grey)."],
  app: ["What the application's users saw", ""],
  throughput: ["Throughput and errors", "Operations per second that succeeded, and failures per second by class."],
  replication: ["Replication lag", ""],
  cluster: ["Cluster state", ""],
} as const;

function chartSection(kind: keyof typeof CHART_TITLES, data: ChartData, extra = ""): string {
  const [title, caption] = CHART_TITLES[kind];
  const spec = data.charts[kind];
  if (!spec) {
    const why = data.skipped[kind as "replication" | "cluster"];
    return `<section class="chart" data-chart-skipped="${kind}"><h2>${title}</h2><p class="note">${esc(why ?? "No data.")}</p></section>`;
  }
  const strip = spec.strip ? `<div class="plot strip"></div>` : "";
  return `<section class="chart" data-chart="${kind}"><h2>${title}</h2><p class="note">${esc(spec.note ?? caption)}</p><div class="plot main"></div>${strip}${extra}</section>`;
}

function markerTable(data: ChartData): string {
  if (data.markers.length === 0) return "";
  return `<details class="markers" open><summary>Marked events (${data.markers.length}${data.markersDropped ? `, ${data.markersDropped} more left off` : ""}; the full timeline is in report.json)</summary>
<table><thead><tr><th>t (s)</th><th>event</th><th>detail</th></tr></thead><tbody>${data.markers
    .map((m) => `<tr><td>${m.tS.toFixed(3)}</td><td>${esc(m.label)}</td><td class="detail">${m.detail === m.label ? "" : esc(m.detail)}</td></tr>`)
    .join("")}</tbody></table></details>`;
}

// ---- assets ----------------------------------------------------------------------------------------------------

let assets: { uplotJs: string; uplotCss: string; chartsJs: string } | undefined;

/** uPlot and the page's chart script, read once and inlined: the page must not need the network. */
function loadAssets(): NonNullable<typeof assets> {
  if (!assets) {
    const require = createRequire(import.meta.url);
    const read = (p: string) => readFileSync(p, "utf8");
    assets = {
      uplotJs: read(require.resolve("uplot/dist/uPlot.iife.min.js")),
      uplotCss: read(require.resolve("uplot/dist/uPlot.min.css")),
      chartsJs: read(fileURLToPath(new URL("./html-charts.js", import.meta.url))),
    };
    // Inline scripts end at the first "</script": an asset holding one would break the page.
    for (const [name, text] of Object.entries(assets)) if (/<\/script/i.test(text)) throw new Error(`${name} contains "</script" and cannot be inlined`);
  }
  return assets;
}

const CSS = `
:root { --fg: #1f2933; --muted: #5f6b7a; --line: #e3e7ec; --pass: #15803d; --fail: #b91c1c; --bg: #f5f6f8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 20px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 0 0 8px; } h3 { font-size: 15px; margin: 12px 0 6px; }
header.run, section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin-bottom: 16px; }
header.run { display: flex; gap: 24px; justify-content: space-between; align-items: flex-start; }
.desc { color: var(--muted); margin: 0 0 10px; max-width: 80ch; }
.verdict-box { text-align: center; min-width: 220px; }
.verdict { font-size: 44px; font-weight: 800; letter-spacing: 2px; color: #fff; border-radius: 8px; padding: 6px 24px; }
.verdict.pass { background: var(--pass); } .verdict.fail { background: var(--fail); } .verdict.other { background: #b45309; }
ul.broken { text-align: left; color: var(--fail); padding-left: 18px; margin: 10px 0 0; max-width: 420px; }
.problem, .bad { color: var(--fail); font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
th:first-child, td:first-child { text-align: left; }
tr.total td { font-weight: 600; border-top: 2px solid var(--line); }
table.budgets tr.broken td { color: var(--fail); font-weight: 600; }
details.markers th, details.markers td { text-align: left; }
td.detail { text-align: left; color: var(--muted); font-size: 12px; }
.budget { display: inline-block; font-size: 11px; padding: 0 6px; margin-left: 4px; border-radius: 4px; white-space: nowrap; }
.budget.ok { color: var(--pass); background: #dcfce7; } .budget.broken { color: #fff; background: var(--fail); font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 8px 32px; }
.note { color: var(--muted); font-size: 12.5px; }
.warnings { background: #fff7ed; border: 1px solid #fed7aa; color: #9a3412; border-radius: 6px; padding: 8px 14px; margin-top: 12px; }
.warnings ul { margin: 4px 0 0; padding-left: 18px; }
.bar { display: inline-block; height: 8px; background: #93c5fd; border-radius: 2px; vertical-align: middle; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f1f3f5; padding: 1px 4px; border-radius: 3px; word-break: break-all; }
.plot { width: 100%; min-height: 340px; }
.plot.strip { min-height: 170px; margin-top: 6px; }
details.markers { margin-top: 10px; } details.markers summary { cursor: pointer; color: var(--muted); }
.uplot .u-legend { font-size: 12px; }
`;

/** The whole page: header and numbers first (what a reader needs to judge the run), then the charts that explain them. */
export function renderHtml(report: RunReport): string {
  const a = loadAssets();
  const data = chartData(report);
  const title = `${report.scenario.name}: ${verdictWord(report)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${a.uplotCss}</style>
<style>${CSS}</style>
</head>
<body>
<main>
${header(report)}
<section class="summary">
  <h2>Summary</h2>
  ${phaseTable(report)}
  <h3>Budgets</h3>
  ${budgetsTable(report)}
  <div class="grid">${availabilityBlock(report)}${dataLossBlock(report)}</div>
  ${appBlock(report)}
  <h3>Faults</h3>
  ${faultsBlock(report)}
  ${nodesBlock(report)}
  ${warningsBlock(report)}
</section>
${chartSection("latency", data, markerTable(data))}
${data.charts.app ? chartSection("app", data) : ""}
${chartSection("throughput", data)}
${report.scenario.topology.kind === "cluster" ? chartSection("cluster", data) : chartSection("replication", data)}
<section class="environment"><h2>Environment</h2>${environmentBlock(report)}</section>
</main>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${a.uplotJs}</script>
<script>${a.chartsJs}</script>
</body>
</html>
`;
}
