import { formatBytes } from "../infra/units.js";
import { ERROR_CLASSES } from "../measure/errors.js";
import type { ServerSample } from "../measure/sampler.js";
import type { TimelineEvent } from "../measure/timeline.js";
import { capabilitiesOf } from "../topology/registry.js";
import { MAX_BUSY_SECONDS, MAX_EVENT_LOOP_UTILIZATION, MAX_LAG_P99_US } from "../check/instrument.js";
import { describeOp } from "../check/linearizability.js";
import type { RunReport } from "./types.js";

/**
 * The charts of a run's HTML page as data: x values on the run clock, series, shaded windows and event markers, built
 * from the report; html-charts.js only maps them onto uPlot.
 */

/** Opaque, so a test can find the fault window's pixels in the canvas; light, so the lines stay readable over it. */
export const FAULT_SHADE = "#fde2e2";
export const WARMUP_SHADE = "#eef0f3";
/** Timeline events of one kind closer than this to the first of their group share one marker. */
const MARKER_MERGE_MS = 1000;
const MAX_MARKERS = 20;
/** Samples (and sampler events) closer than this are one sampler round: one point in the state charts. */
const ROUND_GAP_MS = 100;

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
  unit: "ms" | "ops/s" | "req/s" | "bytes" | "nodes" | "%";
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
  charts: {
    latency: ChartSpec;
    app?: ChartSpec;
    throughput: ChartSpec;
    replication?: ChartSpec;
    cluster?: ChartSpec;
    memory?: ChartSpec;
    cache?: ChartSpec;
    instrument: ChartSpec;
    harness?: ChartSpec;
  };
  /** Why a chart is not drawn. */
  skipped: { replication?: string; cluster?: string; memory?: string; harness?: string };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

function latencyChart(r: RunReport): ChartSpec {
  const ms = (pick: (l: RunReport["perSecond"][number]["latency"]) => number) => r.perSecond.map((s) => (s.ops === 0 ? null : round3(pick(s.latency) / 1000)));
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
    ? classes.map((c) => ({
        label: `HTTP ${c} errors`,
        color: ERROR_COLORS[ERROR_CLASSES.indexOf(c)],
        values: x.map((t) => http.get(t)?.errorsByClass[c] ?? null),
      }))
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
    note: `Per second: P99 and max of the HTTP requests the app's users sent (${app.rate.toLocaleString("en-US")} requests/s, from each request's intended start), beside the Redis clients' P99 of the same second (dashed); log scale. Below: failed HTTP requests per second, by class. Shaded: fault window (red), warmup (grey).`,
    strip: { x, stepped: true, unit: "req/s", series: errors },
  };
}

/**
 * The driver's own state per second: how late operations left (schedule lag P99) against the 1 ms at which the run is
 * called driver-bound, beside the calibrated floor; under it, how busy the driver's event loop was.
 */
function instrumentChart(r: RunReport): ChartSpec {
  const ins = r.instrument;
  const x = ins.perSecond.map((s) => s.second);
  const floor = ins.calibration ? round3(ins.calibration.faultLayer.p99Us / 1000) : null;
  return {
    x,
    stepped: true,
    unit: "ms",
    logY: true,
    note: `Per second: P99 of the delay between each operation's intended start and its send (open loop), against the ${MAX_LAG_P99_US / 1000} ms at which a run is driver-bound (dashed)${floor !== null ? ` and the instrument's calibrated P99 through the fault layer (dotted)` : ""}; log scale. Below: the driver's event-loop utilization (driver-bound above ${MAX_EVENT_LOOP_UTILIZATION * 100}% for more than ${MAX_BUSY_SECONDS} s).`,
    series: [
      { label: "schedule lag P99", color: "#7c3aed", values: ins.perSecond.map((s) => (s.lagP99Us > 0 ? round3(s.lagP99Us / 1000) : null)) },
      { label: "driver-bound at", color: "#dc2626", dash: [6, 4], values: x.map(() => MAX_LAG_P99_US / 1000) },
      ...(floor !== null ? [{ label: "calibrated floor P99", color: "#6b7280", dash: [2, 3], values: x.map(() => floor) }] : []),
    ],
    strip: {
      x,
      stepped: true,
      unit: "%",
      yMax: 100,
      series: [
        {
          label: "event-loop utilization",
          color: "#0d9488",
          values: ins.perSecond.map((s) => (s.eventLoopUtilization === null ? null : Math.round(s.eventLoopUtilization * 1000) / 10)),
        },
      ],
    },
  };
}

const ERROR_COLORS = ["#dc2626", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#4d7c0f", "#a16207", "#0f766e", "#475569"];

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

/** Fault windows from when each fault was sent to its heal; the warmup too, in grey. */
function windows(r: RunReport, endMs: number): ChartWindow[] {
  const out: ChartWindow[] = [];
  const w = r.phases.warmup;
  if (w.toMs !== null && w.toMs > (w.fromMs ?? 0)) out.push({ fromS: (w.fromMs ?? 0) / 1000, toS: w.toMs / 1000, label: "warmup", color: WARMUP_SHADE });
  for (const f of r.faults) {
    const from = f.sentAtMs ?? f.requestedAtMs;
    const to = f.healedAtMs ?? r.phases.fault.toMs ?? endMs;
    out.push({ fromS: from / 1000, toS: Math.max(from, to) / 1000, label: f.kind, color: FAULT_SHADE });
  }
  return out;
}

/** Sentinel's announcements worth a marker: the failure as the Sentinels agree on it, and the switch. */
const SENTINEL_MARKED = new Set(["+odown", "+switch-master", "+failover-end"]);

/**
 * An event worth a line on the chart: its group (bursts of one group merge), its label, and its rank (lower = kept first
 * when there are too many); undefined for events that are not marked.
 */
function marker(e: TimelineEvent): { group: string; label: string; detail?: string; rank: number } | undefined {
  switch (e.kind) {
    case "fault-injected":
      return {
        group: e.kind,
        label: `${e.detail.fault} injected`,
        detail: e.detail.nodes.length ? `${e.detail.fault} on ${e.detail.nodes.join(", ")}` : undefined,
        rank: 0,
      };
    case "fault-healed":
      return { group: e.kind, label: `${e.detail.fault} healed`, rank: 0 };
    case "sentinel":
      return SENTINEL_MARKED.has(e.detail.channel) ? { group: e.detail.channel, label: e.detail.channel, detail: e.detail.message, rank: 1 } : undefined;
    case "role-change":
      return { group: e.kind, label: `${e.detail.node} → ${e.detail.to}`, rank: 2 };
    case "rejoined-as-replica":
      return { group: e.kind, label: `${e.detail.node} rejoined as a replica`, rank: 2 };
    case "cluster-state":
      return { group: e.kind, label: `${e.detail.node} cluster_state ${e.detail.state}`, rank: 2 };
    case "cluster-node-flags":
      return { group: e.kind, label: `${e.detail.node} ${e.detail.to}`, rank: 2 };
    case "fault-step":
      // The node a step acted on, and what it says (an upgraded node's version), on the marker: the timeline shows the roll.
      return {
        group: e.kind,
        label: `${e.detail.fault}: ${e.detail.node ? `${e.detail.node} ` : ""}${e.detail.step}${e.detail.note ? ` (${e.detail.note})` : ""}`,
        ...(e.detail.note ? { detail: e.detail.note } : {}),
        rank: 3,
      };
    case "fork":
      return { group: e.kind, label: `fork ${e.detail.node}`, rank: 3 };
    case "bgsave-finished":
      return { group: e.kind, label: `bgsave-finished ${e.detail.node}`, rank: 3 };
    case "client-gave-up":
      return { group: e.kind, label: `client ${e.detail.client} gave up`, detail: e.detail.lastError, rank: 0 };
    case "container-oom":
      return { group: e.kind, label: `OOM kill in ${e.detail.node}`, rank: 0 };
    case "host-memory-low":
      return { group: e.kind, label: "host memory low: run stopped", rank: 0 };
    case "sampler-unreachable":
      return { group: e.kind, label: `${e.detail.node} unreachable`, rank: 4 };
    case "sampler-reachable":
      return { group: e.kind, label: `${e.detail.node} reachable`, rank: 4 };
    default:
      return undefined;
  }
}

/** Marked events in the chart's range, same-kind bursts merged (three Sentinels each announce +switch-master), capped. */
function markers(timeline: TimelineEvent[], endMs: number): { markers: ChartMarker[]; dropped: number } {
  const events = timeline
    .filter((e) => e.tMs >= 0 && e.tMs <= endMs)
    .sort((a, b) => a.tMs - b.tMs)
    .flatMap((e) => {
      const m = marker(e);
      return m ? [{ tMs: e.tMs, ...m }] : [];
    });
  const groups: Array<{ first: (typeof events)[number]; labels: string[]; count: number }> = [];
  for (const e of events) {
    const g = groups.filter((x) => x.first.group === e.group).pop();
    if (g && e.tMs - g.first.tMs <= MARKER_MERGE_MS) {
      g.count++;
      if (!g.labels.includes(e.label)) g.labels.push(e.label);
    } else groups.push({ first: e, labels: [e.label], count: 1 });
  }
  const kept = [...groups].sort((a, b) => a.first.rank - b.first.rank || a.first.tMs - b.first.tMs).slice(0, MAX_MARKERS);
  kept.sort((a, b) => a.first.tMs - b.first.tMs);
  return {
    markers: kept.map((g) => ({
      tS: round3(g.first.tMs / 1000),
      label: g.count > 1 ? `${g.first.group} ×${g.count}` : g.labels[0],
      // Several nodes: name them all; one source (a Sentinel's event): its own words.
      detail: g.labels.length > 1 ? g.labels.join("; ") : (g.first.detail ?? g.labels[0]),
    })),
    dropped: groups.length - kept.length,
  };
}

/**
 * Where the history stopped being linearizable, per key: at the call of the counterexample's last operation (the read
 * or reply no order explains), with the counterexample in words. Never merged or capped: each is a finding.
 */
function violationMarkers(r: RunReport): ChartMarker[] {
  return (r.linearizability?.violations ?? [])
    .filter((v) => v.counterexample.length)
    .map((v) => {
      const last = v.counterexample.reduce((m, o) => (o.callMs > m.callMs ? o : m));
      return {
        tS: round3(last.callMs / 1000),
        label: `not linearizable: ${v.key}`,
        detail: v.counterexample.map((o) => `${describeOp(o)} (client ${o.client}, ${round3(o.callMs / 1000)} s)`).join("; "),
      };
    });
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
  const steps: Array<{ tMs: number; apply: () => void }> = r.samples.map((s) => ({
    tMs: s.tMs,
    apply: () => Object.assign(state(s.node), { sample: s, reachable: true }),
  }));
  for (const e of r.timeline) {
    const at = (apply: () => void) => steps.push({ tMs: e.tMs, apply });
    if (e.kind === "sampler-unreachable") at(() => void (state(e.detail.node).reachable = false));
    if (e.kind === "sampler-reachable") at(() => void (state(e.detail.node).reachable = true));
    if (e.kind === "cluster-state") at(() => void (state(e.detail.node).clusterState = e.detail.state));
    if (e.kind === "cluster-node-flags") {
      // Flags are only logged on change: the first change tells what they were before it.
      state(e.detail.node).flags ??= e.detail.from;
      at(() => void (state(e.detail.node).flags = e.detail.to));
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
 * Where each data node can be reached by its peers, as "host:port" → node name. Nodes announce their peer link on the
 * fault layer (replica-announce-ip/port in the node's config, e.g. toxiproxy:22000), and that is what a replica's INFO
 * shows as master_host:master_port; the links' upstreams (redis-0:6379) cover a replica pointed straight at a node.
 */
function peerAddresses(r: RunReport): Map<string, string> {
  const byAddress = new Map<string, string>();
  const nodes = new Set((r.topology?.nodes ?? []).map((n) => n.name));
  for (const l of r.topology?.links ?? []) {
    const node = /^peer-(.+)$/.exec(l.name)?.[1];
    if (node !== undefined && nodes.has(node)) byAddress.set(l.upstream.toLowerCase(), node);
  }
  for (const n of r.topology?.nodes ?? []) {
    const host = n.config["replica-announce-ip"];
    const port = n.config["replica-announce-port"];
    if (host && port) byAddress.set(`${host}:${port}`.toLowerCase(), n.name);
  }
  return byAddress;
}

/**
 * Bytes each replica is behind the master it follows, per sampler round: its master_host:master_port matched to the
 * node announcing that address, so in a split brain a replica still following the old master is measured against it.
 * A sample whose master_host:master_port no node announces (a replica pointed elsewhere by hand) falls back to an estimate: the
 * reachable master with the most connected replicas (ties: the highest offset); the chart note says so.
 */
function replicationChart(r: RunReport, endMs: number): ChartSpec | string {
  const caps = capabilitiesOf(r.scenario.topology.kind);
  if (!caps.has("replicas") || caps.has("slots")) {
    return caps.has("slots")
      ? "Not drawn for a cluster: see the cluster state chart."
      : `A ${r.scenario.topology.kind} topology has no replicas: no replication lag to draw.`;
  }
  const addresses = peerAddresses(r);
  const x: number[] = [];
  const lag = new Map<string, Array<number | null>>();
  let followed = 0;
  let estimated = 0;
  replayNodes(r, endMs, (tMs, nodes) => {
    const live = [...nodes.entries()].filter(([, s]) => s.reachable && s.sample);
    const masters = live
      .filter(([, s]) => s.sample!.values.role === "master" && num(s.sample, "master_repl_offset") !== undefined)
      .sort(
        ([, a], [, b]) =>
          (num(b.sample, "connected_slaves") ?? 0) - (num(a.sample, "connected_slaves") ?? 0) ||
          num(b.sample, "master_repl_offset")! - num(a.sample, "master_repl_offset")!,
      );
    const estimate = masters.length ? num(masters[0][1].sample, "master_repl_offset")! : undefined;
    const i = x.push(round3(tMs / 1000)) - 1;
    for (const [name, s] of live) {
      const offset = num(s.sample, "slave_repl_offset");
      if (s.sample!.values.role !== "slave" || offset === undefined) continue;
      const host = s.sample!.values.master_host;
      const port = s.sample!.values.master_port;
      const master = host === undefined || port === undefined ? undefined : addresses.get(`${host}:${port}`.toLowerCase());
      let masterOffset: number | undefined;
      if (master !== undefined) {
        // The master it follows, whatever else claims to be one; a gap while that one does not answer.
        const m = nodes.get(master);
        masterOffset = m?.reachable ? num(m.sample, "master_repl_offset") : undefined;
        followed++;
      } else {
        masterOffset = estimate;
        estimated++;
      }
      if (masterOffset === undefined) continue;
      if (!lag.has(name)) lag.set(name, []);
      // Samples of one round are taken a few ms apart: a replica read just after its master can be a hair ahead.
      lag.get(name)![i] = Math.max(0, masterOffset - offset);
    }
  });
  if (lag.size === 0) return "No replica offsets were sampled during the load.";
  const palette = ["#2563eb", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d"];
  const exact =
    "Bytes each replica is behind the master it follows (master_repl_offset − slave_repl_offset), per sampler round; that master is the node announcing the replica's master_host:master_port.";
  const guess = "the reference master is the reachable one with the most connected replicas: an estimate, which in a split brain can be the wrong master.";
  const gap = "A gap means the reference master did not answer or the node was not a replica.";
  const note =
    estimated === 0
      ? `${exact} ${gap}`
      : followed === 0
        ? `Bytes each replica is behind the master (master_repl_offset − slave_repl_offset), per sampler round. These samples do not say which master a replica follows (no master_host/master_port, or an address no node announces), so ${guess} ${gap}`
        : `${exact} Where a sample does not say which master (no master_host/master_port, or an address no node announces), ${guess} ${gap}`;
  return {
    x,
    stepped: false,
    unit: "bytes",
    series: [...lag.keys()].sort().map((name, k) => ({ label: name, color: palette[k % palette.length], values: x.map((_, i) => lag.get(name)![i] ?? null) })),
    note,
  };
}

/** How many data nodes answer, how many are masters, and (when the cluster watcher logged changes) agree the cluster is ok. */
function clusterChart(r: RunReport, endMs: number): ChartSpec | string {
  if (!capabilitiesOf(r.scenario.topology.kind).has("slots")) return "Only for a cluster.";
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

/** A container's memory limit is drawn when it is at most this many times the peak use; further off, the note names it. */
export const LIMIT_IN_VIEW = 3;

const MEMORY_PALETTE = ["#2563eb", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#4d7c0f", "#a16207", "#475569"];

/**
 * Each data node's cgroup memory against its container's limit (dashed): what the kernel's OOM killer measures. With one
 * data node its anonymous memory (heap and a save child's copied pages) and page cache are drawn apart too.
 */
function memoryChart(r: RunReport, endMs: number): ChartSpec | string {
  const c = r.containers;
  if (!c) return "No container memory was sampled (a remote engine, or a run from before the probe).";
  const data = new Set((r.topology?.nodes ?? []).map((n) => n.name));
  const samples = c.memory.filter((s) => data.has(s.node) && s.tMs >= 0 && s.tMs <= endMs);
  if (samples.length === 0) return "No container memory samples during the load.";
  // One x per sampling round: the probe reads every container at the same instant.
  const x = [...new Set(samples.map((s) => round3(s.tMs / 1000)))].sort((a, b) => a - b);
  const at = new Map(x.map((t, i) => [t, i]));
  const nodes = [...new Set(samples.map((s) => s.node))].sort();
  const line = (label: string, color: string, pick: (s: (typeof samples)[number]) => number, node: string): ChartSeries => {
    const values: Array<number | null> = x.map(() => null);
    for (const s of samples) if (s.node === node) values[at.get(round3(s.tMs / 1000))!] = pick(s);
    return { label, color, values };
  };
  const series = nodes.map((n, k) => line(nodes.length === 1 ? `${n} usage` : n, MEMORY_PALETTE[k % MEMORY_PALETTE.length], (s) => s.usageBytes, n));
  if (nodes.length === 1) {
    series.push(
      line("anonymous", "#dc2626", (s) => s.anonBytes, nodes[0]),
      line("page cache", "#9ca3af", (s) => s.cacheBytes, nodes[0]),
    );
  }
  // The y axis is scaled to the use: a limit far above it (4 MiB used of 256 MiB) would draw every line on 0. A limit
  // within LIMIT_IN_VIEW times the peak is drawn (dashed) and the axis reaches it; one further off is named in the note.
  const peak = Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const limits = [...new Set(nodes.map((n) => c.memoryLimits[n]).filter((v) => v > 0))].sort((a, b) => a - b);
  const shown = peak > 0 ? limits.filter((l) => l <= LIMIT_IN_VIEW * peak) : limits;
  const off = limits.filter((l) => !shown.includes(l));
  for (const l of shown)
    series.push({ label: limits.length === 1 ? "limit" : `limit ${formatBytes(l)}`, color: "#111827", dash: [6, 4], values: x.map(() => l) });
  const yMax = shown.length ? Math.max(...shown) * 1.05 : peak > 0 ? peak * 1.15 : undefined;
  const offNote = off.length
    ? ` The Docker memory limit${off.length > 1 ? "s" : ""} (${off.map(formatBytes).join(", ")}${nodes.length > 1 ? " per container" : ""}) ${off.length > 1 ? "are at least" : "is"} ${formatRatio(off[0] / peak)} the peak use (${formatBytes(peak)}), so ${off.length > 1 ? "they are" : "it is"} left off the scale, where it would flatten the use onto 0.`
    : "";
  return {
    x,
    stepped: false,
    unit: "bytes",
    markerLabels: true,
    ...(yMax !== undefined ? { yMax } : {}),
    series,
    note: `Memory each data node's container is charged for (cgroup usage: heap, a save child's copy-on-write, page cache), per probe round${shown.length ? ", against its Docker memory limit (dashed)" : ""}; the kernel reclaims page cache first and OOM-kills at the limit.${offNote} A gap: the container was stopped, or did not answer. Sentinel and fault-layer containers are in report.json.`,
  };
}

/**
 * The cache workload's hit ratio per second against the seed's alert lines (90% warning, 80% critical), and under it
 * what maxmemory cost per second: keys the servers evicted (INFO evicted_keys, between sampler rounds) and writes
 * refused (OOM errors).
 */
function cacheChart(r: RunReport): ChartSpec | undefined {
  const c = r.cache;
  if (!c) return undefined;
  const x = c.perSecond.map((s) => s.second);
  const evicted = new Map<number, number>();
  const last = new Map<string, { tMs: number; v: number }>();
  for (const s of [...r.samples].sort((a, b) => a.tMs - b.tMs)) {
    const v = typeof s.values.evicted_keys === "number" ? s.values.evicted_keys : undefined;
    if (v === undefined) continue;
    const prev = last.get(s.node);
    last.set(s.node, { tMs: s.tMs, v });
    if (!prev || v < prev.v) continue; // a restart counts from zero
    const second = Math.floor(s.tMs / 1000);
    evicted.set(second, (evicted.get(second) ?? 0) + ((v - prev.v) * 1000) / Math.max(1, s.tMs - prev.tMs));
  }
  const oom = new Map(r.perSecond.map((s) => [s.second, s.errorsByClass.OOM ?? 0]));
  return {
    x,
    stepped: true,
    unit: "%",
    yMax: 100,
    note: "Per second: the share of reads that found their key (the cache workload's GETs of keys written before); dashed: the seed's alerts, 90% (warning) and 80% (critical). Under it: keys evicted per second (the servers' INFO evicted_keys, between sampler rounds) and writes refused past maxmemory (OOM errors).",
    series: [
      { label: "hit ratio", color: "#2563eb", values: c.perSecond.map((s) => (s.hitRatio === null ? null : round3(s.hitRatio * 100))) },
      { label: "warning (90%)", color: "#f59e0b", dash: [6, 4], values: x.map(() => 90) },
      { label: "critical (80%)", color: "#dc2626", dash: [6, 4], values: x.map(() => 80) },
    ],
    strip: {
      x,
      stepped: true,
      unit: "ops/s",
      series: [
        { label: "keys evicted/s", color: "#9333ea", values: x.map((t) => (evicted.has(t) ? Math.round(evicted.get(t)!) : 0)) },
        { label: "OOM errors/s", color: "#0f766e", values: x.map((t) => oom.get(t) ?? 0) },
      ],
    },
  };
}

/** The harness process's own memory through the run: a soak's must stay flat (its trend is among the instrument's facts). */
function harnessChart(r: RunReport): ChartSpec | string {
  const s = r.harnessMemory?.samples ?? [];
  if (s.length < 2) return "The harness's own memory was not sampled (a report of an older harness).";
  return {
    x: s.map((m) => round3(m.tMs / 1000)),
    stepped: false,
    unit: "bytes",
    note: `Every ${(r.harnessMemory!.intervalMs / 1000).toFixed(0)} s: the harness process's RSS (its driver threads included), the heap in use of the thread that runs the run (a garbage collector's saw-tooth; its floor is what stays live) and its array buffers. A soak's harness must not grow: one that does swaps and pauses, and its latencies grow with it.`,
    series: [
      { label: "RSS", color: "#2563eb", values: s.map((m) => m.rssBytes) },
      { label: "heap in use", color: "#16a34a", values: s.map((m) => m.heapUsedBytes) },
      { label: "array buffers", color: "#9333ea", values: s.map((m) => m.arrayBuffersBytes) },
    ],
  };
}

/** "64×", "2.5×": how many times one amount is another. */
const formatRatio = (r: number) => `${r >= 10 ? Math.round(r) : Math.round(r * 10) / 10}×`;

export function chartData(r: RunReport): ChartData {
  // The app's load stops just after Redis's: its last (partial) second widens every chart, so they stay aligned.
  const endMs = Math.max(r.perSecond.length * 1000, (r.app?.perSecond.length ?? 0) * 1000, r.workload.loadDurationMs);
  const app = appChart(r);
  const marks = markers(r.timeline, endMs);
  const replication = replicationChart(r, endMs);
  const cluster = clusterChart(r, endMs);
  const memory = memoryChart(r, endMs);
  const cache = cacheChart(r);
  const harness = harnessChart(r);
  return {
    endS: endMs / 1000,
    windows: windows(r, endMs),
    markers: [...marks.markers, ...violationMarkers(r)].sort((a, b) => a.tS - b.tS),
    markersDropped: marks.dropped,
    charts: {
      latency: latencyChart(r),
      ...(app ? { app } : {}),
      throughput: throughputChart(r),
      ...(typeof replication === "string" ? {} : { replication }),
      ...(typeof cluster === "string" ? {} : { cluster }),
      ...(typeof memory === "string" ? {} : { memory }),
      ...(cache ? { cache } : {}),
      instrument: instrumentChart(r),
      ...(typeof harness === "string" ? {} : { harness }),
    },
    skipped: {
      ...(typeof replication === "string" ? { replication } : {}),
      ...(typeof cluster === "string" ? { cluster } : {}),
      ...(typeof memory === "string" ? { memory } : {}),
      ...(typeof harness === "string" ? { harness } : {}),
    },
  };
}
