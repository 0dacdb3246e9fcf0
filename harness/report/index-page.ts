import path from "node:path";
import type { Scenario } from "../scenario/schema.js";
import { formatUs } from "../scenario/units.js";
import type { RunReport } from "./types.js";
import { escapeMarkup } from "./escape.js";
import { verdictWord } from "./outcome.js";

/** One run of a suite: its report, or the error that stopped it (with its folder when it got that far). */
export interface IndexEntry {
  scenario: Scenario;
  report?: RunReport;
  error?: string;
  dir?: string;
}

const esc = escapeMarkup;
const ms = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `${Math.round(v)} ms`);
const p99 = (r: RunReport, phase: "baseline" | "fault" | "recovery") => (r.phases[phase].ops ? formatUs(r.phases[phase].latency.p99Us) : "–");

const word = (e: IndexEntry) => (e.report ? verdictWord(e.report) : "ERROR");

/** The numbers a reader compares across topologies, one row per run. */
function row(e: IndexEntry) {
  const r = e.report;
  const app = r?.app;
  const fault = r?.faults[0];
  return {
    verdict: word(e),
    scenario: e.scenario.name,
    topology: e.scenario.topology.kind,
    server: r?.topology ? `${r.topology.server.server} ${r.topology.server.version}` : "–",
    fault: fault ? `${fault.kind}${fault.details.forkUs !== undefined ? ` (fork ${formatUs(Number(fault.details.forkUs))})` : ""}` : "–",
    p99: r ? `${p99(r, "baseline")} / ${p99(r, "fault")} / ${p99(r, "recovery")}` : "–",
    rto: r ? ms(r.availability.rtoMs) : "–",
    failedWrites: r ? `${r.availability.writesFailed}/${r.availability.writesAttempted}` : "–",
    lost: r?.dataLoss ? `${r.dataLoss.lost}${r.dataLoss.splitBrain ? ` (${r.dataLoss.splitBrain} split brain)` : ""}` : "–",
    httpP99: app && app.phases.fault.ops ? formatUs(app.phases.fault.latency.p99Us) : "–",
    httpErrors: app ? `${app.total.errors}/${app.total.ops}` : "–",
    httpRto: app ? ms(app.availability.rtoMs) : "–",
    broken: r ? [...r.verdict.failures] : [e.error ?? ""],
  };
}

const HEADERS = ["verdict", "scenario", "topology", "server", "fault", "P99 base / fault / recovery", "RTO", "failed writes", "lost writes", "HTTP P99 (fault)", "HTTP errors", "HTTP RTO"];

/** index.md: one table for the whole suite, links to each run's summary. */
export function renderIndexMarkdown(title: string, indexDir: string, entries: IndexEntry[]): string {
  const lines = [`# ${title}`, "", `${entries.length} runs. Per run: report.html (charts), summary.md, report.json, junit.xml, latency.hlog.`, ""];
  lines.push(`| ${HEADERS.join(" | ")} |`, `|${HEADERS.map(() => "---").join("|")}|`);
  for (const e of entries) {
    const x = row(e);
    const link = e.dir ? `[${x.scenario}](${path.relative(indexDir, e.dir)}/summary.md)` : x.scenario;
    lines.push(`| ${x.verdict} | ${link} | ${x.topology} | ${x.server} | ${x.fault} | ${x.p99} | ${x.rto} | ${x.failedWrites} | ${x.lost} | ${x.httpP99} | ${x.httpErrors} | ${x.httpRto} |`);
  }
  const broken = entries.flatMap((e) => row(e).broken.filter(Boolean).map((b) => `- ${e.scenario.name}: ${b}`));
  if (broken.length) lines.push("", "## What broke", "", ...broken);
  return lines.join("\n") + "\n";
}

/** index.html: the same table, self-contained, each scenario linking to its own report.html. */
export function renderIndexHtml(title: string, indexDir: string, entries: IndexEntry[]): string {
  const rows = entries.map((e) => {
    const x = row(e);
    const name = e.dir ? `<a href="${esc(path.relative(indexDir, e.dir))}/report.html">${esc(x.scenario)}</a>` : esc(x.scenario);
    const cells = [x.topology, x.server, x.fault, x.p99, x.rto, x.failedWrites, x.lost, x.httpP99, x.httpErrors, x.httpRto].map((c) => `<td>${esc(c)}</td>`);
    const broken = x.broken.filter(Boolean).map((b) => `<div class="broken">${esc(b)}</div>`).join("");
    return `<tr><td class="v ${x.verdict}">${x.verdict}</td><td>${name}<div class="desc">${esc(e.scenario.description)}</div>${broken}</td>${cells.join("")}</tr>`;
  });
  const passed = entries.filter((e) => word(e) === "PASS").length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4;font-weight:600}.v{font-weight:700}.PASS{color:#1a7f37}.FAIL,.FAILED,.ERROR{color:#cf222e}.ABORTED{color:#9a6700}
.desc{color:#666;font-size:12px;max-width:42em}.broken{color:#cf222e;font-size:12px}
</style></head><body>
<h1>${esc(title)}</h1>
<p>${passed} of ${entries.length} runs passed. Each scenario links to its report with charts; every run folder also holds summary.md, report.json, junit.xml and latency.hlog.
Latency is from each operation's intended start (a closed-loop run, if any, says in its report that it measured service time only); RTO is how long writes were unavailable after the fault took effect; HTTP columns are what users of an app in front of Redis saw.</p>
<table><thead><tr>${HEADERS.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>
${rows.join("\n")}
</tbody></table></body></html>
`;
}
