import path from "node:path";
import { faultDefinition } from "../faults/registry.js";
import { formatCount, formatMs, formatUs, formatValue, NONE } from "../infra/units.js";
import type { Scenario } from "../scenario/schema.js";
import { securityLabel } from "../security/run-security.js";
import { styleElement } from "./assets.js";
import { verdictWord } from "./outcome.js";
import { recoveryCaption, rtoCell } from "./run-view.js";
import { markdownTable, htmlTable, type Row, type Table } from "./table.js";
import { html } from "./template.js";
import type { RunReport } from "./types.js";

/** One run of a suite: its report, or the error that stopped it (with its folder when it got that far). */
export interface IndexEntry {
  scenario: Scenario;
  report?: RunReport;
  error?: string;
  dir?: string;
}

const p99 = (r: RunReport, phase: "baseline" | "fault" | "recovery") => (r.phases[phase].ops ? formatUs(r.phases[phase].latency.p99Us) : NONE);
const word = (e: IndexEntry) => (e.report ? verdictWord(e.report) : "ERROR");

/** What broke in a run: its budget failures, or the error that stopped it. */
const brokenOf = (e: IndexEntry) => (e.report ? [...e.report.verdict.failures] : [e.error ?? "no report"]);

/** The numbers a reader compares across topologies, one row per run; `link` says where each scenario's page is. */
function indexTable(indexDir: string, entries: IndexEntry[], page: "summary.md" | "report.html"): Table {
  const rows: Row[] = entries.map((e) => {
    const r = e.report;
    const app = r?.app;
    const fault = r?.faults[0];
    // What the fault itself measured first (a BGSAVE's fork time), if its definition measures anything.
    const measured = fault ? faultDefinition(fault.kind).metrics?.[0] : undefined;
    const value = fault && measured ? measured.pick(fault.details as Record<string, unknown>) : undefined;
    const v = word(e);
    return {
      cells: [
        { text: v, cls: `word ${v}` },
        {
          text: e.scenario.name,
          ...(e.dir ? { href: `${path.relative(indexDir, e.dir)}/${page}` } : {}),
          note: page === "report.html" ? e.scenario.description : undefined,
        },
        securityLabel(e.scenario.security) === "none" ? e.scenario.topology.kind : `${e.scenario.topology.kind} (${securityLabel(e.scenario.security)})`,
        r?.topology ? `${r.topology.server.server} ${r.topology.server.version}` : NONE,
        fault ? `${fault.kind}${measured && value !== undefined ? ` (${measured.label} ${formatValue(value, measured.unit)})` : ""}` : NONE,
        r ? `${p99(r, "baseline")} / ${p99(r, "fault")} / ${p99(r, "recovery")}` : NONE,
        r ? rtoCell(r.availability).text : NONE,
        r ? `${formatCount(r.availability.writesFailed)}/${formatCount(r.availability.writesAttempted)}` : NONE,
        r?.dataLoss ? `${formatCount(r.dataLoss.lost)}${r.dataLoss.splitBrain ? ` (${formatCount(r.dataLoss.splitBrain)} split brain)` : ""}` : NONE,
        app && app.phases.fault.ops ? formatUs(app.phases.fault.latency.p99Us) : NONE,
        app ? `${formatCount(app.total.errors)}/${formatCount(app.total.ops)}` : NONE,
        app ? rtoCell(app.availability).text : NONE,
      ],
    };
  });
  return {
    headers: [
      "verdict",
      "scenario",
      "topology",
      "server",
      "fault",
      "P99 base / fault / recovery",
      "RTO",
      "failed writes",
      "lost writes",
      "HTTP P99 (fault)",
      "HTTP errors",
      "HTTP RTO",
    ],
    rows,
    cls: "index",
  };
}

/** index.md: one table for the whole suite, links to each run's summary. */
export function renderIndexMarkdown(title: string, indexDir: string, entries: IndexEntry[]): string {
  const lines = [`# ${title}`, "", `${entries.length} runs. Per run: report.html (charts), summary.md, report.json, junit.xml, latency.hlog.`, ""];
  lines.push(...markdownTable(indexTable(indexDir, entries, "summary.md")));
  const broken = entries.flatMap((e) =>
    brokenOf(e)
      .filter(Boolean)
      .map((b) => `- ${e.scenario.name}: ${b}`),
  );
  if (broken.length) lines.push("", "## What broke", "", ...broken);
  return lines.join("\n") + "\n";
}

/** index.html: the same table, self-contained, each scenario linking to its own report.html. */
export function renderIndexHtml(title: string, indexDir: string, entries: IndexEntry[]): string {
  const passed = entries.filter((e) => word(e) === "PASS").length;
  const broken = entries.flatMap((e) =>
    brokenOf(e)
      .filter(Boolean)
      .map((b) => html`<li><strong>${e.scenario.name}</strong>: ${b}</li>`),
  );
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>${styleElement()}</head><body><main>
<section><h1>${title}</h1>
<p>${passed} of ${entries.length} runs passed. Each scenario links to its report with charts; every run folder also holds summary.md, report.json, junit.xml and latency.hlog.
Latency is from each operation's intended start (a closed-loop run, if any, says in its report that it measured service time only); RTO is how long writes were unavailable from the fault's send; HTTP columns are what users of an app in front of Redis saw.</p>
${htmlTable(indexTable(indexDir, entries, "report.html"))}
${broken.length ? html`<h2>What broke</h2><ul class="broken">${broken}</ul>` : ""}
</section>
${rtoBars(entries)}
</main></body></html>
`.html;
}

/**
 * The question a reader compares across topologies, drawn: how long writes were unavailable after the fault, for the
 * Redis clients and for the app's users, one pair of bars per run with a fault. Under each pair, what that RTO was in
 * this run, from its report (run-view.ts recoveryCaption): the fault, and whether writes came back through a failover or
 * once the fault was healed (a killed master started again), so that two bars of one length are not read as one thing.
 * Plain inline SVG (bars need no library).
 */
export function rtoBars(entries: IndexEntry[]) {
  const bars = entries.flatMap((e) => {
    const r = e.report;
    if (!r || r.faults.length === 0) return [];
    const about = [...new Set(r.faults.map((f) => f.kind))].map((k) => `${k}: ${faultDefinition(k).description}`).join("; ");
    return [{ name: e.scenario.name, redis: r.availability.rtoMs, http: r.app ? r.app.availability.rtoMs : undefined, caption: recoveryCaption(r), about }];
  });
  if (!bars.length) return "";
  const max = Math.max(1000, ...bars.flatMap((b) => [b.redis ?? 0, b.http ?? 0]));
  const labelW = 260,
    plotW = 520,
    barH = 14,
    captionH = 18,
    rowH = 2 * barH + captionH + 14,
    top = 24;
  const height = top + bars.length * rowH + 10;
  // Room on the right for the captions (about 120 characters); a narrower page scales the whole chart down.
  const width = labelW + plotW + 420;
  const bar = (y: number, v: number | null | undefined, color: string, what: string) => {
    if (v === undefined) return "";
    if (v === null) return html`<text x="${labelW}" y="${y + barH - 3}" font-size="11" fill="#b91c1c">${what}: never recovered in the run</text>`;
    const w = Math.max(1, (v / max) * plotW);
    return html`<rect x="${labelW}" y="${y}" width="${w}" height="${barH}" fill="${color}"><title>${what}: ${formatMs(Math.round(v))}</title></rect><text x="${labelW + w + 6}" y="${y + barH - 3}" font-size="11">${formatMs(Math.round(v))}</text>`;
  };
  const rows = bars.map((b, i) => {
    const y = top + i * rowH;
    return html`<text x="${labelW - 8}" y="${y + barH + 4}" font-size="12" text-anchor="end">${b.name}</text>${bar(y, b.redis, "#2563eb", "Redis clients")}${bar(y + barH + 2, b.http, "#0d9488", "app users (HTTP)")}${
      b.caption
        ? html`<text class="rto-caption" x="${labelW}" y="${y + 2 * barH + 2 + 14}" font-size="12" fill="#374151"><title>${b.about}</title>${b.caption}</text>`
        : ""
    }`;
  });
  return html`<section><h2>Writes unavailable after the fault (RTO)</h2>
<p class="note">From the fault's send until writes succeeded again for good. Under each run's bars, what its RTO was: the fault, and whether writes came back through a failover (a replica promoted) or with none, once the fault was healed.</p>
<svg data-chart="rto" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" style="max-width: 100%; height: auto" role="img" aria-label="RTO per run" font-family="system-ui,sans-serif">
<rect x="${labelW}" y="4" width="12" height="10" fill="#2563eb"/><text x="${labelW + 16}" y="13" font-size="11">Redis clients</text>
<rect x="${labelW + 110}" y="4" width="12" height="10" fill="#0d9488"/><text x="${labelW + 126}" y="13" font-size="11">app users (HTTP)</text>
${rows}
</svg></section>`;
}
