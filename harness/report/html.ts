import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { ALL_PHASES, type AnyPhase } from "../check/phases.js";
import type { Check } from "../check/verdict.js";
import { ERROR_CLASSES } from "../measure/errors.js";
import type { ServerSample } from "../measure/sampler.js";
import type { TimelineEvent } from "../measure/timeline.js";
import { formatBytes } from "../scenario/units.js";
import type { RunReport } from "./types.js";
import { escapeMarkup } from "./escape.js";
import { verdictWord } from "./outcome.js";

/**
 * One self-contained HTML page per run: the numbers of the Markdown summary with budgets marked, and charts drawn by
 * uPlot from JSON embedded in the page. Everything (library, styles, data, script) is inline, so the file opens from
 * file:// on a machine with no network, and can be attached to a CI run as is.
 */

/** Opaque, so a test can find the fault window's pixels in the canvas; light, so the lines stay readable over it. */
export const FAULT_SHADE = "#fde2e2";
export const WARMUP_SHADE = "#eef0f3";
/** Timeline events of one kind closer than this to the first of their group share one marker. */
const MARKER_MERGE_MS = 1000;
const MAX_MARKERS = 20;
/** Samples (and sampler events) closer than this are one sampler round: one point in the state charts. */
const ROUND_GAP_MS = 100;

// ---- chart data ------------------------------------------------------------------------------------------------

export interface ChartSeries {
  label: string;
  color: string;
  values: Array<number | null>;
  /** Canvas line dash, for a reference line drawn beside the measured ones. */
  dash?: number[];
}

/** One uPlot chart, ready to draw: the browser script only maps this onto uPlot options. */
export interface ChartSpec {
  x: number[];
  series: ChartSeries[];
  /** Per-second buckets are drawn as steps: a value holds for its whole second. */
  stepped: boolean;
  unit: "ms" | "ops/s" | "req/s" | "bytes" | "nodes";
  logY?: boolean;
  yMax?: number;
  note?: string;
  /** Event markers are always drawn; their labels too when this is set. */
  markerLabels?: boolean;
  /** A low chart drawn under this one in the same section, on the same x axis (the app's errors under its latency). */
  strip?: ChartSpec;
}

export interface ChartWindow {
  fromS: number;
  toS: number;
  label: string;
  color: string;
}

export interface ChartMarker {
  tS: number;
  label: string;
  detail: string;
}

export interface ChartData {
  /** Every chart spans [0, endS] on the run clock, so they line up one above the other. */
  endS: number;
  windows: ChartWindow[];
  markers: ChartMarker[];
  /** Marked events left out to keep the chart readable. */
  markersDropped: number;
  charts: { latency: ChartSpec; app?: ChartSpec; throughput: ChartSpec; replication?: ChartSpec; cluster?: ChartSpec };
  /** Why a chart is not drawn. */
  skipped: { replication?: string; cluster?: string };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

function latencyChart(r: RunReport): ChartSpec {
  const ms = (pick: (l: RunReport["perSecond"][number]["latency"]) => number) =>
    r.perSecond.map((s) => (s.ops === 0 ? null : round3(pick(s.latency) / 1000)));
  return {
    x: r.perSecond.map((s) => s.second),
    stepped: true,
    unit: "ms",
    logY: true,
    markerLabels: true,
    // Open loop: from each intended start; closed loop: service time only. The report says which.
    note: `Per second; latency ${r.workload.latencyMeaning}; log scale. Shaded: fault window (red), warmup (grey).`,
    series: [
      { label: "P50", color: "#2563eb", values: ms((l) => l.p50Us) },
      { label: "P99", color: "#f59e0b", values: ms((l) => l.p99Us) },
      { label: "P99.9", color: "#dc2626", values: ms((l) => l.p999Us) },
      { label: "max", color: "#6b7280", values: ms((l) => l.maxUs) },
    ],
  };
}

type SecondSummary = RunReport["perSecond"][number];

/**
 * What the application's users saw, per second on the run clock: HTTP P99 and max beside the Redis P99 of the same
 * second (dashed, the reference), and under it the HTTP errors per second by class.
 */
function appChart(r: RunReport): ChartSpec | undefined {
  const app = r.app;
  if (!app) return undefined;
  const redis = new Map(r.perSecond.map((s) => [s.second, s]));
  const http = new Map(app.perSecond.map((s) => [s.second, s]));
  const x = [...new Set([...redis.keys(), ...http.keys()])].sort((a, b) => a - b);
  const ms = (by: Map<number, SecondSummary>, pick: (l: SecondSummary["latency"]) => number) =>
    x.map((t) => {
      const s = by.get(t);
      return s && s.ops > 0 ? round3(pick(s.latency) / 1000) : null;
    });
  const classes = ERROR_CLASSES.filter((c) => app.perSecond.some((s) => s.errorsByClass[c] > 0));
  const errors: ChartSeries[] = classes.length
    ? classes.map((c) => ({ label: `HTTP ${c} errors`, color: ERROR_COLORS[ERROR_CLASSES.indexOf(c)], values: x.map((t) => http.get(t)?.errorsByClass[c] ?? null) }))
    : [{ label: "HTTP errors", color: ERROR_COLORS[0], values: x.map((t) => http.get(t)?.errors ?? null) }];
  return {
    x,
    stepped: true,
    unit: "ms",
    logY: true,
    markerLabels: true,
    // Drawn in this order: at the app's rate P99 and max are often the same request, so P99 goes over max, and the
    // dashed Redis reference over both.
    series: [
      { label: "HTTP max", color: "#9ca3af", values: ms(http, (l) => l.maxUs) },
      { label: "HTTP P99", color: "#0d9488", values: ms(http, (l) => l.p99Us) },
      { label: "Redis P99", color: "#f59e0b", dash: [6, 4], values: ms(redis, (l) => l.p99Us) },
    ],
    note: `Per second: P99 and max of the HTTP requests the app's users sent (${fmtInt(app.rate)} requests/s, from each request's intended start), beside the Redis clients' P99 of the same second (dashed); log scale. Below: failed HTTP requests per second, by class. Shaded: fault window (red), warmup (grey).`,
    strip: { x, stepped: true, unit: "req/s", series: errors },
  };
}

const ERROR_COLORS = ["#dc2626", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#4d7c0f", "#a16207", "#475569"];

function throughputChart(r: RunReport): ChartSpec {
  // Only the error classes that occurred: eight flat zero lines would bury the one that matters.
  const classes = ERROR_CLASSES.filter((c) => r.perSecond.some((s) => s.errorsByClass[c] > 0));
  return {
    x: r.perSecond.map((s) => s.second),
    stepped: true,
    unit: "ops/s",
    series: [
      { label: "ok", color: "#16a34a", values: r.perSecond.map((s) => s.ok) },
      ...classes.map((c) => ({ label: `${c} errors`, color: ERROR_COLORS[ERROR_CLASSES.indexOf(c)], values: r.perSecond.map((s) => s.errorsByClass[c]) })),
    ],
  };
}

/** Fault windows from when each fault really took effect to its heal; the warmup too, in grey. */
function windows(r: RunReport, endMs: number): ChartWindow[] {
  const out: ChartWindow[] = [];
  const w = r.phases.warmup;
  if (w.toMs !== null && w.toMs > (w.fromMs ?? 0)) out.push({ fromS: (w.fromMs ?? 0) / 1000, toS: w.toMs / 1000, label: "warmup", color: WARMUP_SHADE });
  for (const f of r.faults) {
    const from = f.tookEffectAtMs ?? f.requestedAtMs;
    const to = f.healedAtMs ?? r.phases.fault.toMs ?? endMs;
    out.push({ fromS: from / 1000, toS: Math.max(from, to) / 1000, label: f.kind, color: FAULT_SHADE });
  }
  // A fault phase with no fault record (an older report): shade the phase itself.
  const p = r.phases.fault;
  if (r.faults.length === 0 && p.fromMs !== null) out.push({ fromS: p.fromMs / 1000, toS: (p.toMs ?? endMs) / 1000, label: "fault", color: FAULT_SHADE });
  return out;
}

/** The timeline events worth a line on the chart, most important first (lower = kept first when capping). */
const MARKED_KINDS: Record<string, number> = {
  "fault-injected": 0,
  "fault-healed": 0,
  "+odown": 1,
  "+switch-master": 1,
  "+failover-end": 1,
  "role-change": 2,
  "rejoined-as-replica": 2,
  "cluster-state": 2,
  "cluster-node-flags": 2,
  "bgsave-started": 3,
  fork: 3,
  "bgsave-finished": 3,
  "sampler-unreachable": 4,
  "sampler-reachable": 4,
};

function eventLabel(e: TimelineEvent): string {
  const d = e.detail ?? {};
  const node = typeof d.node === "string" ? d.node : "";
  switch (e.kind) {
    case "fault-injected":
      return `${d.fault ?? "fault"} injected`;
    case "fault-healed":
      return `${d.fault ?? "fault"} healed`;
    case "role-change":
      return `${node} → ${d.to}`;
    case "cluster-state":
      return `${node} cluster_state ${d.state}`;
    case "cluster-node-flags":
      return `${node} ${d.to}`;
    case "sampler-unreachable":
      return `${node} unreachable`;
    case "sampler-reachable":
      return `${node} reachable`;
    default:
      return node ? `${e.kind} ${node}` : e.kind;
  }
}

/** Marked events in the chart's range, same-kind bursts merged (three Sentinels each announce +switch-master), capped. */
function markers(timeline: TimelineEvent[], endMs: number): { markers: ChartMarker[]; dropped: number } {
  const events = timeline.filter((e) => e.kind in MARKED_KINDS && e.tMs >= 0 && e.tMs <= endMs).sort((a, b) => a.tMs - b.tMs);
  const groups: Array<{ first: TimelineEvent; labels: string[]; count: number }> = [];
  for (const e of events) {
    const g = groups.filter((g) => g.first.kind === e.kind).pop();
    if (g && e.tMs - g.first.tMs <= MARKER_MERGE_MS) {
      g.count++;
      if (!g.labels.includes(eventLabel(e))) g.labels.push(eventLabel(e));
    } else groups.push({ first: e, labels: [eventLabel(e)], count: 1 });
  }
  const kept = [...groups].sort((a, b) => MARKED_KINDS[a.first.kind] - MARKED_KINDS[b.first.kind] || a.first.tMs - b.first.tMs).slice(0, MAX_MARKERS);
  kept.sort((a, b) => a.first.tMs - b.first.tMs);
  return {
    markers: kept.map((g) => ({
      tS: round3(g.first.tMs / 1000),
      label: g.count > 1 ? `${g.first.kind} ×${g.count}` : g.labels[0],
      // Several nodes: name them all; one source (a Sentinel's event): its own words.
      detail: g.labels.length > 1 ? g.labels.join("; ") : String(g.first.detail?.message ?? g.labels[0]),
    })),
    dropped: groups.length - kept.length,
  };
}

interface NodeState {
  sample?: ServerSample;
  reachable: boolean;
  clusterState: string;
  flags?: string;
}

/**
 * Replays samples and the sampler's and cluster watcher's events in time order, keeping each node's latest state, and
 * calls `point` once per sampler round. A node keeps its last state until it is sampled again, so a slow INFO reply
 * does not make it vanish; it stops counting once the sampler reports it unreachable.
 */
function replayNodes(r: RunReport, endMs: number, point: (tMs: number, nodes: Map<string, NodeState>) => void): void {
  const nodes = new Map<string, NodeState>();
  const state = (name: string) => {
    let s = nodes.get(name);
    if (!s) nodes.set(name, (s = { reachable: true, clusterState: "ok" }));
    return s;
  };
  for (const n of r.topology?.nodes ?? []) state(n.name);
  const steps: Array<{ tMs: number; apply: () => void }> = r.samples.map((s) => ({ tMs: s.tMs, apply: () => Object.assign(state(s.node), { sample: s, reachable: true }) }));
  for (const e of r.timeline) {
    const node = e.detail?.node;
    if (typeof node !== "string") continue;
    if (e.kind === "sampler-unreachable") steps.push({ tMs: e.tMs, apply: () => void (state(node).reachable = false) });
    if (e.kind === "sampler-reachable") steps.push({ tMs: e.tMs, apply: () => void (state(node).reachable = true) });
    if (e.kind === "cluster-state") steps.push({ tMs: e.tMs, apply: () => void (state(node).clusterState = String(e.detail?.state)) });
    if (e.kind === "cluster-node-flags") {
      // Flags are only logged on change: the first change tells what they were before it.
      const s = state(node);
      s.flags ??= String(e.detail?.from ?? "");
      steps.push({ tMs: e.tMs, apply: () => void (state(node).flags = String(e.detail?.to ?? "")) });
    }
  }
  steps.sort((a, b) => a.tMs - b.tMs);
  for (let i = 0; i < steps.length; i++) {
    steps[i].apply();
    const t = steps[i].tMs;
    const roundEnds = i === steps.length - 1 || steps[i + 1].tMs - t > ROUND_GAP_MS;
    if (roundEnds && t >= 0 && t <= endMs) point(t, nodes);
  }
}

const num = (s: ServerSample | undefined, field: string): number | undefined => {
  const v = s?.values[field];
  return typeof v === "number" ? v : undefined;
};

/**
 * Bytes each replica is behind the master, per sampler round. The samples do not say which master a replica follows,
 * so the reference is the reachable master with the most connected replicas (ties: the highest offset).
 */
function replicationChart(r: RunReport, endMs: number): ChartSpec | string {
  if (r.scenario.topology.kind !== "replication" && r.scenario.topology.kind !== "sentinel") {
    return r.scenario.topology.kind === "cluster" ? "Not drawn for a cluster: see the cluster state chart." : "A standalone server has no replicas: no replication lag to draw.";
  }
  const x: number[] = [];
  const lag = new Map<string, Array<number | null>>();
  replayNodes(r, endMs, (tMs, nodes) => {
    const live = [...nodes.entries()].filter(([, s]) => s.reachable && s.sample);
    const masters = live
      .filter(([, s]) => s.sample!.values.role === "master" && num(s.sample, "master_repl_offset") !== undefined)
      .sort(([, a], [, b]) => (num(b.sample, "connected_slaves") ?? 0) - (num(a.sample, "connected_slaves") ?? 0) || num(b.sample, "master_repl_offset")! - num(a.sample, "master_repl_offset")!);
    const masterOffset = masters.length ? num(masters[0][1].sample, "master_repl_offset")! : undefined;
    const i = x.push(round3(tMs / 1000)) - 1;
    for (const [name, s] of live) {
      const offset = num(s.sample, "slave_repl_offset");
      if (s.sample!.values.role !== "slave" || offset === undefined || masterOffset === undefined) continue;
      if (!lag.has(name)) lag.set(name, []);
      // Samples of one round are taken a few ms apart: a replica read just after its master can be a hair ahead.
      lag.get(name)![i] = Math.max(0, masterOffset - offset);
    }
  });
  if (lag.size === 0) return "No replica offsets were sampled during the load.";
  const palette = ["#2563eb", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d"];
  return {
    x,
    stepped: false,
    unit: "bytes",
    series: [...lag.keys()].sort().map((name, k) => ({ label: name, color: palette[k % palette.length], values: x.map((_, i) => lag.get(name)![i] ?? null) })),
    note: "Bytes each replica is behind the master (master_repl_offset − slave_repl_offset), per sampler round. The reference master is the reachable one with the most connected replicas; a gap means no reachable master or the node was not a replica.",
  };
}

/** How many data nodes answer, how many are masters, and (when the cluster watcher logged changes) agree the cluster is ok. */
function clusterChart(r: RunReport, endMs: number): ChartSpec | string {
  if (r.scenario.topology.kind !== "cluster") return "Only for a cluster.";
  const x: number[] = [];
  const answering: number[] = [];
  const masters: number[] = [];
  const stateOk: number[] = [];
  const failed: number[] = [];
  let total = 0;
  replayNodes(r, endMs, (tMs, nodes) => {
    const all = [...nodes.values()];
    total = Math.max(total, all.length);
    x.push(round3(tMs / 1000));
    answering.push(all.filter((s) => s.reachable).length);
    masters.push(all.filter((s) => s.reachable && s.sample?.values.role === "master").length);
    stateOk.push(all.filter((s) => s.clusterState === "ok").length);
    failed.push(all.filter((s) => (s.flags ?? "").split(",").includes("fail")).length);
  });
  if (x.length === 0) return "No server samples during the load.";
  const series: ChartSeries[] = [
    { label: "nodes answering INFO", color: "#2563eb", values: answering },
    { label: "masters", color: "#16a34a", values: masters },
  ];
  // Drawn only when the data exists: without cluster-state events "all ok" would be an assumption, not a measurement.
  if (r.timeline.some((e) => e.kind === "cluster-state")) series.push({ label: "nodes with cluster_state ok", color: "#f59e0b", values: stateOk });
  if (failed.some((v) => v > 0)) series.push({ label: "nodes flagged fail", color: "#dc2626", values: failed });
  return {
    x,
    stepped: true,
    unit: "nodes",
    yMax: total + 0.5,
    series,
    note: "From the server sampler (INFO role, reachability) and the cluster watcher's timeline events, per sampler round.",
  };
}

export function chartData(r: RunReport): ChartData {
  // The app's load stops just after Redis's: its last (partial) second widens every chart, so they stay aligned.
  const endMs = Math.max(r.perSecond.length * 1000, (r.app?.perSecond.length ?? 0) * 1000, r.workload.loadDurationMs);
  const app = appChart(r);
  const marks = markers(r.timeline, endMs);
  const replication = replicationChart(r, endMs);
  const cluster = clusterChart(r, endMs);
  return {
    endS: endMs / 1000,
    windows: windows(r, endMs),
    markers: marks.markers,
    markersDropped: marks.dropped,
    charts: {
      latency: latencyChart(r),
      ...(app ? { app } : {}),
      throughput: throughputChart(r),
      ...(typeof replication === "string" ? {} : { replication }),
      ...(typeof cluster === "string" ? {} : { cluster }),
    },
    skipped: {
      ...(typeof replication === "string" ? { replication } : {}),
      ...(typeof cluster === "string" ? { cluster } : {}),
    },
  };
}

// ---- HTML ------------------------------------------------------------------------------------------------------

const esc = escapeMarkup;

/** JSON that is safe inside <script>: every "<" escaped, so no "</script>" or "<!--" in the data can end the element. */
export const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c");

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
    ["RTO", (a.rtoMs === null ? `– <span class="note">(${esc(a.rtoNote ?? "not measured")})</span>` : `${fmtInt(Math.round(a.rtoMs))} ms`) + budgetTag(check("RTO"))],
    ...(r.app ? [httpRto(r.app.availability)] : []),
    ["longest failed run", run ? `${fmtInt(run.writes)} writes over ${fmtInt(Math.round(run.durationMs))} ms (${(run.fromMs / 1000).toFixed(1)} → ${(run.toMs / 1000).toFixed(1)} s)` : "none"],
    ["writes failed", `${fmtInt(a.writesFailed)} of ${fmtInt(a.writesAttempted)}${a.writesAttempted ? ` (${fmtPct(a.writesFailed / a.writesAttempted)})` : ""}`],
  ])}</div>`;
}

/** The RTO the app's users saw (writes over HTTP), measured the same way as Redis's. */
function httpRto(a: RunReport["availability"]): [string, string] {
  const run = a.longestFailedRun;
  const value = a.rtoMs === null ? `– <span class="note">(${esc(a.rtoNote ?? "not measured")})</span>` : `${fmtInt(Math.round(a.rtoMs))} ms`;
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
