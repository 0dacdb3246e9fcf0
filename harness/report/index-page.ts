import path from "node:path";
import type { Scenario } from "../scenario/schema.js";
import { formatMs, formatUs } from "../scenario/units.js";
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
const ms = formatMs;
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
</tbody></table>
${rtoBars(entries)}
</body></html>
`;
}

/**
 * The question a reader compares across topologies, drawn: how long writes were unavailable after the fault, for the
 * Redis clients and for the app's users, one pair of bars per run with a fault. Plain inline SVG (bars need no library).
 */
export function rtoBars(entries: IndexEntry[]): string {
  const bars = entries.flatMap((e) => {
    const r = e.report;
    if (!r || r.faults.length === 0) return [];
    return [{ name: e.scenario.name, redis: r.availability.rtoMs, http: r.app ? r.app.availability.rtoMs : undefined }];
  });
  if (!bars.length) return "";
  const max = Math.max(1000, ...bars.flatMap((b) => [b.redis ?? 0, b.http ?? 0]));
  const labelW = 260, plotW = 520, barH = 14, rowH = 2 * barH + 14, top = 24;
  const height = top + bars.length * rowH + 10;
  const bar = (y: number, v: number | null | undefined, color: string, what: string) =>
    v === undefined
      ? ""
      : v === null
        ? `<text x="${labelW}" y="${y + barH - 3}" font-size="11" fill="#cf222e">${what}: never recovered in the run</text>`
        : `<rect x="${labelW}" y="${y}" width="${Math.max(1, (v / max) * plotW)}" height="${barH}" fill="${color}"><title>${esc(what)}: ${Math.round(v)} ms</title></rect>` +
          `<text x="${labelW + Math.max(1, (v / max) * plotW) + 6}" y="${y + barH - 3}" font-size="11">${Math.round(v)} ms</text>`;
  const rowsSvg = bars.map((b, i) => {
    const y = top + i * rowH;
    return (
      `<text x="${labelW - 8}" y="${y + barH + 4}" font-size="12" text-anchor="end">${esc(b.name)}</text>` +
      bar(y, b.redis, "#2563eb", "Redis clients") +
      bar(y + barH + 2, b.http, "#0d9488", "app users (HTTP)")
    );
  });
  return `<h2>Writes unavailable after the fault (RTO)</h2>
<svg data-chart="rto" width="${labelW + plotW + 90}" height="${height}" role="img" aria-label="RTO per run" font-family="system-ui,sans-serif">
<rect x="${labelW}" y="4" width="12" height="10" fill="#2563eb"/><text x="${labelW + 16}" y="13" font-size="11">Redis clients</text>
<rect x="${labelW + 110}" y="4" width="12" height="10" fill="#0d9488"/><text x="${labelW + 126}" y="13" font-size="11">app users (HTTP)</text>
${rowsSvg.join("\n")}
</svg>`;
}
