import path from "node:path";
import type { Check } from "../check/verdict.js";
import { metric } from "../check/metrics.js";
import { ERROR_CLASSES, type ErrorClass } from "../measure/errors.js";
import type { ServerSample } from "../measure/sampler.js";
import { formatCount, formatMs, formatUs, formatValue, NONE } from "../infra/units.js";
import type { ClientProfile } from "../scenario/client-profiles.js";
import { styleElement } from "./assets.js";
import type { IndexEntry } from "./index-page.js";
import { htmlTable, markdownTable, textTable, type Table } from "./table.js";
import { html } from "./template.js";
import type { RunReport, RunStatus } from "./types.js";

/**
 * A profile's measurements set against the scenario's budgets, check by check. The budgets were written for the client
 * the scenario describes, so a profile that misses one behaves differently from it: a finding, not a failure.
 */
export interface AgainstBudgets {
  met: number;
  /** Each budget missed, in words: "expected duplicate seen (≥ 1, measured 0)". */
  missed: string[];
  /** Each budget this run could not judge (its instrument floor reached it), in the same words. */
  inconclusive: string[];
}

/** One profile's run, as the matrix compares it. null: not measured (the run failed, or had no read-back). */
export interface ClientMatrixRow {
  profile: string;
  engine: string;
  /** How the run ended; null: it made no report (see error). */
  status: RunStatus | null;
  againstBudgets: AgainstBudgets | null;
  /** Writes unavailable after the fault took effect (the clients' RTO); censored: never recovered, at least this. */
  rtoMs: number | null;
  rtoCensored: boolean;
  /** Failed operations from the fault on (fault and recovery phases), by class. */
  errors: Partial<Record<ErrorClass, number>>;
  failedOps: number;
  indeterminate: number | null;
  duplicated: number | null;
  lost: number | null;
  /** Connections the data nodes accepted per second during the fault (INFO total_connections_received). */
  reconnectionsPerS: number | null;
  p99FaultUs: number | null;
  /** The longest any operation waited from the fault on: a client that queues rather than fails shows it here, not in RTO. */
  maxWaitUs: number | null;
  report?: string;
  error?: string;
}

/**
 * Connections the data nodes accepted per second over [fromMs, toMs], from the INFO samples: per node, the growth of
 * total_connections_received between consecutive samples that end in the window (a server restarted in it counts
 * from zero again), over the window's length. null without two samples in the window.
 */
export function connectionsPerSecond(samples: ServerSample[], fromMs: number, toMs: number): number | null {
  if (!(toMs > fromMs)) return null;
  const byNode = new Map<string, Array<{ tMs: number; n: number }>>();
  for (const s of samples) {
    const n = s.values.total_connections_received;
    if (typeof n !== "number") continue;
    (byNode.get(s.node) ?? byNode.set(s.node, []).get(s.node)!).push({ tMs: s.tMs, n });
  }
  let accepted = 0;
  let measured = false;
  for (const series of byNode.values()) {
    series.sort((a, b) => a.tMs - b.tMs);
    for (let i = 1; i < series.length; i++) {
      if (series[i].tMs <= fromMs || series[i - 1].tMs >= toMs) continue;
      const d = series[i].n - series[i - 1].n;
      accepted += d >= 0 ? d : series[i].n;
      measured = true;
    }
  }
  return measured ? accepted / ((toMs - fromMs) / 1000) : null;
}

const bound = (c: Check) => `${c.id.bound === "min" ? "≥" : "≤"} ${formatValue(c.budget, c.unit)}`;
const checkWords = (c: Check) => `${c.name} (${bound(c)}, measured ${c.measured === null ? "nothing" : formatValue(c.measured, c.unit)})`;

function againstBudgets(checks: Check[]): AgainstBudgets {
  return {
    met: checks.filter((c) => c.pass).length,
    missed: checks.filter((c) => !c.pass && !c.inconclusive).map(checkWords),
    inconclusive: checks.filter((c) => !c.pass && c.inconclusive).map(checkWords),
  };
}

function rowOf(e: IndexEntry, indexDir: string): ClientMatrixRow {
  const r: RunReport | undefined = e.report;
  const base = {
    profile: e.scenario.clientProfile ?? e.scenario.name,
    engine: e.scenario.workload.engine,
    ...(e.dir ? { report: path.relative(indexDir, path.join(e.dir, "report.html")) } : {}),
  };
  if (!r)
    return {
      ...base,
      status: null,
      againstBudgets: null,
      rtoMs: null,
      rtoCensored: false,
      errors: {},
      failedOps: 0,
      indeterminate: null,
      duplicated: null,
      lost: null,
      reconnectionsPerS: null,
      p99FaultUs: null,
      maxWaitUs: null,
      error: e.error,
    };
  const errors: Partial<Record<ErrorClass, number>> = {};
  for (const c of ERROR_CLASSES) {
    const n = r.phases.fault.errorsByClass[c] + r.phases.recovery.errorsByClass[c];
    if (n > 0) errors[c] = n;
  }
  const fault = r.phases.fault;
  const rto = metric("rto").measure(r);
  return {
    ...base,
    status: r.status,
    againstBudgets: againstBudgets(r.verdict.checks),
    rtoMs: rto.value,
    rtoCensored: rto.censored ?? false,
    errors,
    failedOps: Object.values(errors).reduce((a, b) => a + b, 0),
    indeterminate: r.dataLoss?.indeterminate ?? null,
    duplicated: r.dataLoss?.duplicated ?? null,
    lost: r.dataLoss?.lost ?? null,
    reconnectionsPerS: fault.fromMs === null ? null : connectionsPerSecond(r.samples, fault.fromMs, fault.toMs ?? r.workload.loadDurationMs),
    p99FaultUs: fault.ops ? fault.latency.p99Us : null,
    maxWaitUs: fault.ops + r.phases.recovery.ops ? Math.max(fault.latency.maxUs, r.phases.recovery.latency.maxUs) : null,
  };
}

export function clientMatrixRows(entries: IndexEntry[], indexDir: string): ClientMatrixRow[] {
  return entries.map((e) => rowOf(e, indexDir));
}

const rtoText = (r: ClientMatrixRow) => (r.rtoMs === null ? NONE : `${r.rtoCensored ? "≥ " : ""}${formatMs(r.rtoMs)}`);
const errorText = (r: ClientMatrixRow) =>
  r.failedOps === 0
    ? "0"
    : Object.entries(r.errors)
        .map(([c, n]) => `${c} ${formatCount(n)}`)
        .join(", ");
const perS = (v: number | null) => (v === null ? NONE : v.toFixed(1));

/** "meets all 3", or what was met, what was missed and what could not be judged. */
function standing(a: AgainstBudgets): string[] {
  const total = a.met + a.missed.length + a.inconclusive.length;
  if (total === 0) return ["no budgets"];
  if (a.met === total) return [total === 1 ? "meets the one" : `meets all ${total}`];
  return [
    ...(a.met ? [`meets ${a.met} of ${total}`] : []),
    ...(a.missed.length ? [`misses: ${a.missed.join("; ")}`] : []),
    ...(a.inconclusive.length ? [`inconclusive: ${a.inconclusive.join("; ")}`] : []),
  ];
}

/** The row's budgets in words; a run that did not complete says so first (what it missed may be what it never measured). */
export function againstBudgetsText(r: Pick<ClientMatrixRow, "status" | "againstBudgets">): string {
  if (!r.againstBudgets) return "no report";
  const ended = r.status === "aborted" ? ["interrupted"] : r.status === "failed" ? ["did not finish"] : [];
  return [...ended, ...standing(r.againstBudgets)].join(" — ");
}

function matrixTable(rows: ClientMatrixRow[], link: boolean): Table {
  return {
    headers: [
      "profile",
      "library",
      "against the scenario's budgets",
      "RTO",
      "failed ops from the fault on (by class)",
      "indeterminate writes",
      "writes applied twice",
      "lost writes",
      "connections/s at the servers during the fault",
      "P99 in the fault",
      "longest wait from the fault on",
    ],
    rows: rows.map((r) => ({
      data: { profile: r.profile },
      cells: [
        link && r.report ? { text: r.profile, href: r.report } : r.profile,
        r.engine,
        againstBudgetsText(r),
        rtoText(r),
        r.error ? { text: "ERROR", note: r.error } : errorText(r),
        formatCount(r.indeterminate),
        formatCount(r.duplicated),
        formatCount(r.lost),
        perS(r.reconnectionsPerS),
        formatUs(r.p99FaultUs),
        formatUs(r.maxWaitUs),
      ],
    })),
  };
}

const settingsText = (p: ClientProfile) =>
  Object.keys(p.explicit).length
    ? Object.entries(p.explicit)
        .map(([k, v]) => `${k} ${v === null ? "none" : v}`)
        .join(", ")
    : "the harness's defaults";

const READING = [
  "Against the scenario's budgets: the scenario's budgets were written for the client it describes (standalone-lost-replies expects a duplicate because ioredis with retries resends); each profile's measurements are set against them, budget by budget. A profile that misses one behaves differently from that client: a finding of the matrix, not a failure (the matrix exits 0 when every run completed).",
  "RTO: from the fault taking effect to the first second in which 99% of writes succeed, for good.",
  "Indeterminate: a write the client was told failed (or timed out) that the data holds anyway.",
  "Applied twice: a write found twice after the run (writes are APPENDs to keys of their own): a client resent what the server had done.",
  "Lost: acknowledged, absent once the topology converged.",
  "Longest wait: the slowest operation from the fault on, timed from its intended start. A client that queues commands until the failover is over fails none of them (RTO 0) and shows its outage here.",
  "Connections/s: connections the data nodes accepted per second between the fault taking effect and its healing (INFO total_connections_received), the harness's own few included: a reconnection storm shows here.",
];

export function renderClientMatrixText(rows: ClientMatrixRow[]): string {
  return textTable(matrixTable(rows, false), "  ").join("\n") + "\n";
}

export function renderClientMatrixMarkdown(scenario: string, rows: ClientMatrixRow[], profiles: ClientProfile[]): string {
  return [
    `# Client matrix: ${scenario}`,
    "",
    `The same scenario once per client profile (suites/clients/profiles.json).`,
    "",
    ...markdownTable(matrixTable(rows, false)),
    "",
    ...READING.map((l) => `- ${l}`),
    "",
    "## Profiles",
    "",
    ...profiles.map((p) => `- **${p.name}** (${p.engine}): ${p.description}. Settings: ${settingsText(p)}.`),
    "",
  ].join("\n");
}

/** One panel of bars per quantity, one bar per profile: the matrix drawn. Inline SVG, as the index's RTO bars. */
function bars(title: string, rows: ClientMatrixRow[], value: (r: ClientMatrixRow) => number | null, format: (v: number) => string) {
  const labelW = 170,
    plotW = 300,
    barH = 16,
    gap = 6,
    top = 22;
  const values = rows.map(value);
  const max = Math.max(1e-9, ...values.map((v) => v ?? 0));
  const height = top + rows.length * (barH + gap);
  const items = rows.map((r, i) => {
    const y = top + i * (barH + gap);
    const v = values[i];
    const w = v === null ? 0 : Math.max(v > 0 ? 2 : 0, (v / max) * plotW);
    return html`<text x="${labelW - 8}" y="${y + barH - 4}" font-size="12" text-anchor="end">${r.profile}</text>${
      v === null
        ? html`<text x="${labelW}" y="${y + barH - 4}" font-size="11" fill="#6b7280">not measured</text>`
        : html`<rect x="${labelW}" y="${y}" width="${w}" height="${barH}" fill="${r.engine === "node-redis" ? "#0d9488" : "#2563eb"}"><title>${r.profile}: ${format(v)}</title></rect><text x="${labelW + w + 6}" y="${y + barH - 4}" font-size="11">${format(v)}</text>`
    }`;
  });
  return html`<svg data-chart="${title}" width="${labelW + plotW + 90}" height="${height}" role="img" aria-label="${title} per client profile" font-family="system-ui,sans-serif"><text x="0" y="14" font-size="13" font-weight="600">${title}</text>${items}</svg>`;
}

export function renderClientMatrixHtml(scenario: string, rows: ClientMatrixRow[], profiles: ClientProfile[]): string {
  const count = (v: number) => formatCount(v);
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Client matrix: ${scenario}</title>${styleElement()}</head><body><main>
<section><h1>Client matrix: ${scenario}</h1>
<p>The same scenario once per client profile; each profile links to its run's report. Blue bars: ioredis; green: node-redis.</p>
${htmlTable(matrixTable(rows, true))}
<ul>${READING.map((l) => html`<li>${l}</li>`)}</ul>
</section>
<section class="charts"><h2>Drawn</h2>
${bars(
  "RTO (ms)",
  rows,
  (r) => r.rtoMs,
  (v) => formatMs(v),
)}
${bars("failed operations from the fault on", rows, (r) => (r.error ? null : r.failedOps), count)}
${bars("indeterminate writes", rows, (r) => r.indeterminate, count)}
${bars("writes applied twice", rows, (r) => r.duplicated, count)}
${bars("lost writes", rows, (r) => r.lost, count)}
${bars(
  "longest wait from the fault on (ms)",
  rows,
  (r) => (r.maxWaitUs === null ? null : r.maxWaitUs / 1000),
  (v) => formatMs(v),
)}
${bars(
  "connections/s at the servers during the fault",
  rows,
  (r) => r.reconnectionsPerS,
  (v) => v.toFixed(1),
)}
</section>
<section><h2>Profiles</h2><ul>${profiles.map((p) => html`<li><strong>${p.name}</strong> (${p.engine}): ${p.description}. <small>Settings: ${settingsText(p)}.</small></li>`)}</ul></section>
</main></body></html>
`.html;
}
