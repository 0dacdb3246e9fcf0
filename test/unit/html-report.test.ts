import test from "ava";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { formatNumber } from "../../harness/infra/units.js";
import { FAULT_SHADE, renderHtml, type ChartData } from "../../harness/report/html.js";
import { writeReport } from "../../harness/report/write.js";
import { FIXTURES, syntheticReport } from "../helpers/synthetic-run.js";

// The HTML report from synthetic runs built by buildReport (test/helpers/synthetic-run.ts): self-contained, its embedded
// data faithful to the report, budgets beside their values, and no text from the run able to break out of the page's
// data or markup. Drawing is checked in a browser by html-browser.test.ts.

const sentinel = () => syntheticReport(FIXTURES["report-sentinel-master-kill.json"]);
const cluster = () => syntheticReport(FIXTURES["report-cluster-master-kill.json"]);
const tourApp = () => syntheticReport(FIXTURES["report-tour-sentinel-app.json"]);

function embedded(html: string): ChartData {
  const m = /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(html);
  if (!m) throw new Error("no embedded data");
  return JSON.parse(m[1]) as ChartData;
}

test("self-contained: no external script, style, image or link; uPlot and the chart script are inline", (t) => {
  const html = renderHtml(sentinel());
  t.notRegex(html, /src=["']?https?:/i);
  t.notRegex(html, /href=["']?https?:/i);
  t.notRegex(html, /<script[^>]+src=/i);
  t.notRegex(html, /<link\b/i);
  t.notRegex(html, /@import|url\(\s*["']?https?:/i);
  t.true(
    html.includes(
      readFileSync(createRequire(import.meta.url).resolve("uplot/dist/uPlot.iife.min.js"), "utf8")
        .trim()
        .slice(0, 2000),
    ),
    "uPlot itself is inlined",
  );
  t.regex(html, /document\.body\.dataset\.chartsRendered/);
  t.regex(html, /data-chart="latency"/);
  t.regex(html, /data-chart="throughput"/);
  t.regex(html, /data-chart="replication"/);
});

test("the embedded data holds the per-second series, the fault window and the marked events", (t) => {
  const r = sentinel();
  const data = embedded(renderHtml(r));
  const lat = data.charts.latency;
  t.deepEqual(
    lat.x,
    r.perSecond.map((s) => s.second),
  );
  const p99 = lat.series.find((s) => s.label === "P99")!;
  t.deepEqual(
    p99.values,
    r.perSecond.map((s) => (s.ops ? s.latency.p99Us / 1000 : null)),
  );
  t.deepEqual(
    data.charts.throughput.series.find((s) => s.label === "ok")!.values,
    r.perSecond.map((s) => s.ok),
  );
  t.deepEqual(
    data.charts.throughput.series.map((s) => s.label),
    ["ok", "timeout errors"],
    "only the error classes that occurred",
  );
  const f = r.faults[0];
  t.deepEqual(
    data.windows.filter((w) => w.color === FAULT_SHADE),
    [{ fromS: f.sentAtMs! / 1000, toS: f.healedAtMs! / 1000, label: "kill", color: FAULT_SHADE }],
  );
  const labels = data.markers.map((m) => m.label);
  t.true(labels.includes("kill injected") && labels.includes("kill healed"));
  t.true(labels.includes("+switch-master ×3"), "three Sentinels announcing the switch make one marker");
  t.false(
    labels.some((l) => l.startsWith("client-")),
    "client reconnections are not marked",
  );
});

test("app tier: HTTP P99 and max beside the Redis P99 per second, errors per second under them, right after the latency chart", (t) => {
  const r = tourApp();
  const app = r.app!;
  const html = renderHtml(r);
  const data = embedded(html);
  const c = data.charts.app!;
  t.truthy(c, "an app chart when the report has an app tier");
  t.deepEqual(Object.keys(data.charts), ["latency", "app", "throughput", "replication", "instrument", "harness"]);
  // One x axis, the run clock's seconds, covering both loads (the app's stops a moment after Redis's).
  t.deepEqual(
    c.x,
    app.perSecond.map((s) => s.second),
  );
  t.deepEqual(
    c.x.slice(0, r.perSecond.length),
    r.perSecond.map((s) => s.second),
  );
  t.is(data.endS, Math.max(r.perSecond.length * 1000, app.perSecond.length * 1000, r.workload.loadDurationMs) / 1000);
  t.true(data.endS > r.perSecond.length, "the app's last second widens every chart");
  const values = (label: string) => c.series.find((s) => s.label === label)!.values;
  t.deepEqual(
    values("HTTP P99"),
    app.perSecond.map((s) => (s.ops ? s.latency.p99Us / 1000 : null)),
  );
  t.deepEqual(
    values("HTTP max"),
    app.perSecond.map((s) => (s.ops ? s.latency.maxUs / 1000 : null)),
  );
  t.deepEqual(
    values("Redis P99").slice(0, r.perSecond.length),
    r.perSecond.map((s) => (s.ops ? s.latency.p99Us / 1000 : null)),
  );
  t.deepEqual(
    values("Redis P99").slice(r.perSecond.length),
    c.x.slice(r.perSecond.length).map(() => null),
    "no Redis second, no point",
  );
  t.deepEqual(values("Redis P99"), data.charts.latency.series.find((s) => s.label === "P99")!.values.concat(values("Redis P99").slice(r.perSecond.length)));
  t.false(
    data.charts.latency.series.some((s) => s.label.startsWith("HTTP")),
    "the Redis latency chart stays Redis's",
  );
  // Errors per second by class, only the classes that occurred; they add up to each second's HTTP errors.
  const strip = c.strip!;
  t.deepEqual(strip.x, c.x);
  t.deepEqual(
    strip.series.map((s) => s.label),
    ["HTTP timeout errors"],
  );
  t.deepEqual(
    c.x.map((_, i) => strip.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0)),
    app.perSecond.map((s) => s.errors),
  );
  t.true(Math.max(...(strip.series[0].values as number[])) >= 95, "the fault's seconds fail almost every request");
  // The section: right after the latency chart, with its own fault shading (the windows are shared).
  t.regex(html, /data-chart="latency"[^]*data-chart="app"[^]*data-chart="throughput"/);
  t.regex(
    html,
    /<section class="chart" data-chart="app"><h2>What the application&#39;s users saw<\/h2>[^]*?<div class="plot main"><\/div><div class="plot strip"><\/div>/,
  );
  t.true(data.windows.some((w) => w.color === FAULT_SHADE));
  // HTTP RTO beside Redis's in the availability section.
  const rto = (v: number | null) => `${Math.round(v!).toLocaleString("en-US")} ms`;
  t.regex(
    html,
    new RegExp(
      `<section class="availability" id="availability"><h2>Availability \\(writes\\)</h2><div class="block"><dl class="facts"><dt>RTO</dt><dd>${rto(r.availability.rtoMs)}[^]*?</dd>` +
        `<dt>RTO over HTTP \\(app users\\)</dt><dd>${rto(app.availability.rtoMs)}</dd>`,
    ),
  );
});

test("no app tier: no app chart, no HTTP RTO", (t) => {
  const r = sentinel();
  t.is(r.app, null);
  const html = renderHtml(r);
  const data = embedded(html);
  t.is(data.charts.app, undefined);
  t.deepEqual(Object.keys(data.charts), ["latency", "throughput", "replication", "instrument", "harness"]);
  t.notRegex(html, /data-chart="app"/);
  t.notRegex(html, /RTO over HTTP/);
  t.is(data.endS, Math.max(r.perSecond.length * 1000, r.workload.loadDurationMs) / 1000, "the chart span is Redis's load alone");
});

const sample = (tMs: number, node: string, values: Record<string, number | string>) => ({ tMs, node, infoLatencyMs: 1, values });
/** A replica's INFO as the sampler keeps it: the master it follows is the fault-layer address that master announces. */
const replicaOf = (master: string, slave_repl_offset: number) => {
  const port = { "redis-0": 22000, "redis-1": 22001, "redis-2": 22002 }[master]!;
  return { role: "slave", slave_repl_offset, master_host: "toxiproxy", master_port: port, master_link_status: "up" };
};

test("replication lag: bytes each replica is behind the master it follows (its announced master_host:master_port)", (t) => {
  const r = sentinel();
  // The fixture's topology, as every report has it: each node announces its peer link on the fault layer.
  t.deepEqual(
    r.topology!.nodes.map((n) => [n.name, n.config["replica-announce-ip"], n.config["replica-announce-port"]]),
    [
      ["redis-0", "toxiproxy", "22000"],
      ["redis-1", "toxiproxy", "22001"],
      ["redis-2", "toxiproxy", "22002"],
    ],
  );
  r.samples = [
    sample(1000, "redis-0", { role: "master", master_repl_offset: 5000, connected_slaves: 2 }),
    sample(1001, "redis-1", replicaOf("redis-0", 4400)),
    sample(1002, "redis-2", replicaOf("redis-0", 5000)),
    sample(2000, "redis-1", replicaOf("redis-0", 5000)),
    sample(2001, "redis-2", replicaOf("redis-0", 4000)),
  ];
  r.timeline = [{ tMs: 1500, kind: "sampler-unreachable", detail: { node: "redis-0", error: "ECONNREFUSED" } }];
  const rep = embedded(renderHtml(r)).charts.replication!;
  t.deepEqual(rep.x, [1.002, 1.5, 2.001]);
  t.deepEqual(
    rep.series.map((s) => [s.label, s.values]),
    [
      ["redis-1", [600, null, null]],
      ["redis-2", [0, null, null]],
    ],
    "a gap while the followed master does not answer",
  );
  t.regex(rep.note!, /behind the master it follows/);
  t.notRegex(rep.note!, /estimate/);
});

test("replication lag in a split brain: a replica still following the old master is measured against it, not the new one", (t) => {
  const r = sentinel();
  // A fourth data node, announcing its own peer link like the others.
  r.topology!.nodes.push({
    name: "redis-3",
    role: "slave",
    config: { "replica-announce-ip": "toxiproxy", "replica-announce-port": "22003", replicaof: "toxiproxy 22000" },
  });
  const follows = (master: string, offset: number) => ({
    ...replicaOf(master === "redis-3" ? "redis-0" : master, offset),
    ...(master === "redis-3" ? { master_port: 22003 } : {}),
  });
  r.samples = [
    // Before: redis-0 the master of all three.
    sample(1000, "redis-0", { role: "master", master_repl_offset: 5000, connected_slaves: 3 }),
    sample(1001, "redis-1", replicaOf("redis-0", 4900)),
    sample(1002, "redis-2", replicaOf("redis-0", 5000)),
    sample(1003, "redis-3", replicaOf("redis-0", 5000)),
    // Split brain: redis-0 cut off with redis-1 still behind it, both still taking writes; redis-2 promoted, with redis-3.
    // The old master has fewer replicas and a higher offset: the most-connected estimate would measure redis-1
    // against redis-2 (6000 − 8700: clamped to 0, no lag shown).
    sample(2000, "redis-0", { role: "master", master_repl_offset: 9000, connected_slaves: 1 }),
    sample(2001, "redis-1", replicaOf("redis-0", 8700)),
    sample(2002, "redis-2", { role: "master", master_repl_offset: 6000, connected_slaves: 2 }),
    sample(2003, "redis-3", replicaOf("redis-2", 5800)),
    // Healed: redis-0 rejoins as a replica of redis-2, redis-1 moved too.
    sample(3000, "redis-0", replicaOf("redis-2", 6500)),
    sample(3001, "redis-1", replicaOf("redis-2", 6000)),
    sample(3002, "redis-2", { role: "master", master_repl_offset: 7000, connected_slaves: 3 }),
    sample(3003, "redis-3", follows("redis-2", 7000)),
  ];
  r.timeline = [];
  const rep = embedded(renderHtml(r)).charts.replication!;
  t.deepEqual(rep.x, [1.003, 2.003, 3.003]);
  t.deepEqual(
    rep.series.map((s) => [s.label, s.values]),
    [
      ["redis-0", [null, null, 500]],
      ["redis-1", [100, 300, 1000]],
      ["redis-2", [0, null, null]],
      ["redis-3", [0, 200, 0]],
    ],
  );
  // A chained replica (following another replica) is measured against the node it copies from.
  r.samples = [
    sample(1000, "redis-0", { role: "master", master_repl_offset: 9000, connected_slaves: 1 }),
    sample(1001, "redis-3", { ...replicaOf("redis-0", 8000), master_repl_offset: 8000 }), // a replica's INFO has both
    sample(1002, "redis-1", follows("redis-3", 7500)),
  ];
  t.deepEqual(
    embedded(renderHtml(r)).charts.replication!.series.map((s) => [s.label, s.values]),
    [
      ["redis-1", [500]],
      ["redis-3", [1000]],
    ],
  );
  // Two masters at once, the replica already moved to the new one while the old one still counts it (stale
  // connected_slaves, higher offset): measured against the new one, which the estimate would have missed too.
  r.samples = [
    sample(2000, "redis-0", { role: "master", master_repl_offset: 9000, connected_slaves: 1 }),
    sample(2001, "redis-1", replicaOf("redis-2", 5900)),
    sample(2002, "redis-2", { role: "master", master_repl_offset: 6000, connected_slaves: 1 }),
  ];
  t.deepEqual(
    embedded(renderHtml(r)).charts.replication!.series.map((s) => [s.label, s.values]),
    [["redis-1", [100]]],
  );
});

test("replication lag: an address no node announces falls back to the estimate for those points, and the note says so", (t) => {
  const r = sentinel();
  r.samples = [
    sample(1000, "redis-0", { role: "master", master_repl_offset: 5000, connected_slaves: 2 }),
    sample(1001, "redis-1", replicaOf("redis-0", 4400)),
    sample(1002, "redis-2", { ...replicaOf("redis-0", 4000), master_host: "10.0.0.9", master_port: 6379 }),
  ];
  r.timeline = [];
  const rep = embedded(renderHtml(r)).charts.replication!;
  t.deepEqual(
    rep.series.map((s) => [s.label, s.values]),
    [
      ["redis-1", [600]],
      ["redis-2", [1000]],
    ],
  );
  t.regex(rep.note!, /behind the master it follows/);
  t.regex(rep.note!, /Where a sample does not say which master[^]*estimate/);
});

test("cluster: nodes answering and masters over time; the replication chart is left out", (t) => {
  const html = renderHtml(cluster());
  const data = embedded(html);
  t.regex(html, /data-chart="cluster"/);
  t.notRegex(html, /data-chart="replication"/);
  const c = data.charts.cluster!;
  const answering = c.series.find((s) => s.label === "nodes answering INFO")!.values;
  const masters = c.series.find((s) => s.label === "masters")!.values;
  t.is(Math.max(...(answering as number[])), 6);
  t.is(Math.min(...(answering as number[])), 5, "the killed master stops answering");
  t.deepEqual([Math.min(...(masters as number[])), masters.at(-1)], [2, 3], "a replica is promoted back to 3 masters");
});

test("container memory: each data node's cgroup usage against its limit (dashed), the OOM kill marked; none sampled, none drawn", (t) => {
  const r = structuredClone(cluster());
  t.regex(renderHtml(r), /data-chart-skipped="memory"/, "a run without the probe's samples says why there is no chart");
  const limit = 256 * 2 ** 20;
  const nodes = r.topology!.nodes.map((n) => n.name);
  const memory = [0, 500, 1000].flatMap((tMs, i) =>
    nodes.map((node) => ({ tMs, node, usageBytes: (100 + i * 50) * 2 ** 20, anonBytes: 90 * 2 ** 20, cacheBytes: 10 * 2 ** 20 })),
  );
  memory.push({ tMs: 500, node: "sentinel-0", usageBytes: 5 * 2 ** 20, anonBytes: 5 * 2 ** 20, cacheBytes: 0 });
  r.containers = { memoryLimits: Object.fromEntries([...nodes.map((n) => [n, limit]), ["toxiproxy", 512 * 2 ** 20]]), memory };
  r.timeline.push({ tMs: 1000, kind: "container-oom", detail: { node: "redis-0", limitBytes: limit } });
  const data = embedded(renderHtml(r));
  const c = data.charts.memory!;
  t.deepEqual(c.x, [0, 0.5, 1]);
  t.deepEqual(
    c.series.map((s) => s.label),
    [...nodes, "limit"],
    "data nodes only, one limit line for the one limit they share",
  );
  t.deepEqual(
    c.series[0].values,
    [100, 150, 200].map((m) => m * 2 ** 20),
  );
  t.deepEqual(c.series.at(-1)!.dash, [6, 4]);
  t.true(c.series.at(-1)!.values.every((v) => v === limit));
  t.true(
    data.markers.some((m) => m.label === "OOM kill in redis-0" && m.tS === 1),
    "the kill is marked where it happened",
  );
});

test("verdict: PASS, or FAIL with the broken budget named in the header and marked next to its value", (t) => {
  t.regex(renderHtml(sentinel()), /<div class="verdict PASS" data-verdict="PASS">PASS<\/div>/);
  // The same run with a recovery budget it cannot meet: the verdict and the view follow from the checkers.
  const r = syntheticReport({ ...FIXTURES["report-sentinel-master-kill.json"], budgets: { p99Ms: { baseline: 50, recovery: 0.5 } } });
  const measured = r.phases.recovery.latency.p99Us / 1000;
  const html = renderHtml(r);
  t.regex(html, /<div class="verdict FAIL" data-verdict="FAIL">FAIL<\/div>/);
  t.true(
    html.includes(`<ul class="broken"><li>p99 recovery: budget ≤ 0.5 ms, measured ${formatNumber(measured)} ms</li>`),
    "the header names the broken budget and the measurement",
  );
  t.regex(html, /<tr data-phase="recovery">[^]*?<span class="budget broken">≤ 0.5 ms ✗ broken<\/span>/);
  t.regex(html, /<tr data-phase="baseline">[^]*?<span class="budget ok">≤ 50 ms ✓<\/span>/);
  t.regex(html, /<table class="budgets">[^]*<tr class="broken"><td>p99 recovery<\/td>/);
});

test("text from the run cannot break out: </script> in the data stays data, markup in names is escaped", (t) => {
  const evil = `</script><script>alert(1)</script><!--`;
  const r = sentinel();
  r.scenario.name = evil;
  r.otherErrors = [evil];
  r.timeline.push({ tMs: 15000, kind: "fault-injected", detail: { fault: evil, nodes: [evil] } });
  const html = renderHtml(r);
  // Exactly the page's own three scripts open and close, and its two styles.
  t.is(html.match(/<script\b/g)!.length, 3);
  t.is(html.match(/<\/script>/g)!.length, 3);
  t.is(html.match(/<\/style>/g)!.length, 2);
  t.notRegex(html, /<script>alert/);
  t.regex(html, /<h1>&lt;\/script&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;!--<\/h1>/);
  const data = embedded(html);
  t.true(
    data.markers.some((m) => m.label === `${evil} injected`),
    "the text round-trips intact",
  );
});

test("writeReport writes report.html beside the JSON", (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "html-report-"));
  const files = writeReport(dir, sentinel());
  t.is(files.html, path.join(dir, "report.html"));
  t.true(existsSync(files.html));
  t.regex(readFileSync(files.html, "utf8"), /^<!doctype html>/);
});

test("section classes never collide with the stylesheet's component classes (a section styled as the verdict badge)", (t) => {
  const html = renderHtml(sentinel());
  const css = readFileSync("harness/report/style.css", "utf8");
  const components = new Set([...css.matchAll(/\.([a-zA-Z][\w-]*)/g)].map((m) => m[1]));
  const sections = [...html.matchAll(/<section class="([^"]+)"/g)].flatMap((m) => m[1].split(" "));
  t.true(sections.length > 5);
  t.deepEqual(
    sections.filter((c) => components.has(c) && c !== "chart"),
    [],
  );
});

test("a history that is not linearizable: each key's counterexample marked on the charts where its last operation was called, and tabled in the Linearizability section", (t) => {
  const r = structuredClone(sentinel());
  r.linearizability = {
    result: "not linearizable",
    operations: 10_500,
    keys: 8,
    indeterminate: 0,
    violations: [
      {
        key: "reg:2",
        operations: 1307,
        minimal: true,
        counterBound: false,
        counterexample: [
          { client: 0, op: "set", value: "2584", ok: true, callMs: 8614, returnMs: 8614.4 },
          { client: 0, op: "set", value: "3992", ok: true, callMs: 13307, returnMs: 13307.3 },
          { client: 2, op: "get", value: "2584", ok: true, callMs: 13540, returnMs: 13619 },
        ],
      },
    ],
    unknownKeys: [],
    visualization: "linearizability.html",
    elapsedMs: 75,
  };
  const page = renderHtml(r);
  const mark = embedded(page).markers.find((m) => m.label === "not linearizable: reg:2");
  t.truthy(mark);
  t.is(mark!.tS, 13.54, "at the stale read");
  t.regex(mark!.detail, /SET 2584 \(client 0, 8\.614 s\); SET 3992 .*; GET → 2584 \(client 2, 13\.54 s\)/);
  t.regex(page, /Linearizability \(registers\)/);
  t.regex(page, /<a href="linearizability.html">/);
  t.regex(page, /GET → 2584/);
});

// ---- Issue 26 item 4: what a new user found hard to read on the page --------------------------------------------------

/** The marker labels' layout exactly as the page runs it (marker-labels.js is inlined before html-charts.js). */
type LabelGroup = { text: string; left: number; width: number; row: number; members: number[] };
type LabelOptions = {
  left: number;
  right: number;
  rows: number;
  gap: number;
  maxShift: number;
  measure: (text: string) => number;
  groupText: (members: number[]) => string;
};
const layoutMarkerLabels = new Function(`${readFileSync("harness/report/marker-labels.js", "utf8")}\nreturn layoutMarkerLabels;`)() as (
  markers: Array<{ x: number; label: string }>,
  opts: LabelOptions,
) => LabelGroup[];

/** A plot as wide as the page draws at a 1400 px viewport (about 1,090 px between the axes), three rows of labels. */
const PLOT = { left: 86, right: 1176, rows: 3, gap: 4, maxShift: 48 };
// 11 px system-ui runs under 6.5 px a character; 7 here, so the test is stricter than the browser.
const wide = (text: string) => text.length * 7 + 8;
function layout(labels: Array<[tS: number, label: string]>, endS: number) {
  const markers = labels.map(([tS, label]) => ({ x: PLOT.left + (tS / endS) * (PLOT.right - PLOT.left), label }));
  const groups = layoutMarkerLabels(markers, { ...PLOT, measure: wide, groupText: (m) => `${markers[m[0]].label} (+${m.length - 1} more)` });
  return { markers, groups };
}
function assertReadable(t: import("ava").ExecutionContext, markers: Array<{ x: number }>, groups: LabelGroup[]) {
  t.deepEqual(
    groups.flatMap((g) => g.members).sort((a, b) => a - b),
    markers.map((_, i) => i),
    "every event is in exactly one label",
  );
  for (const g of groups) {
    t.true(g.left <= markers[g.members[0]].x + PLOT.maxShift, `"${g.text}" starts near its event`);
    t.true(g.row >= 0 && g.row < PLOT.rows, `row ${g.row}`);
    t.true(g.left >= PLOT.left && g.left + g.width <= PLOT.right, `"${g.text}" within the plot: ${g.left}..${g.left + g.width}`);
    if (g.members.length > 1) t.regex(g.text, new RegExp(`\\(\\+${g.members.length - 1} more\\)$`), "a merged label says how many it stands for");
  }
  for (const a of groups)
    for (const b of groups)
      if (a !== b && a.row === b.row)
        t.true(a.left + a.width + PLOT.gap <= b.left || b.left + b.width + PLOT.gap <= a.left, `"${a.text}" and "${b.text}" overlap in row ${a.row}`);
}

test("event labels: a burst of events 200 ms apart at the fault gets boxes that never overlap, the overflow merged into a label with a count", (t) => {
  const burst: Array<[number, string]> = [
    "kill injected",
    "redis-0 unreachable",
    "+sdown ×3",
    "+odown ×3",
    "redis-2 → master",
    "+switch-master ×2",
    "+failover-end",
    "+switch-master",
    "redis-0 → slave",
    "kill healed",
    "redis-0 reachable",
    "rejoined as a replica",
  ].map((label, i) => [9 + i * 0.2, label]);
  const { markers, groups } = layout(burst, 30);
  assertReadable(t, markers, groups);
  t.true(groups.length < markers.length, "twelve labels do not fit in three rows 7 px apart: some merge");
  t.is(groups[0].text, "kill injected", "the first event keeps its own label");
  t.true(groups.some((g) => g.members.length > 1));
  // The same events spread out each get their own label, none merged.
  const spread = layout(
    burst.map(([, label], i) => [1 + i * 2.4, label]),
    30,
  );
  assertReadable(t, spread.markers, spread.groups);
  t.deepEqual(
    spread.groups.map((g) => g.text),
    burst.map(([, label]) => label),
  );
  // Events a couple of seconds apart after a burst of three (a BGSAVE: injected, started, fork; then healed and
  // finished 2.6 s later) each keep a label of their own, moved right of their lines if need be.
  const save = layout(
    [
      [10.002, "bgsave injected"],
      [10.04, "bgsave: bgsave-started"],
      [10.252, "fork redis-0"],
      [12.862, "bgsave healed"],
      [13.001, "bgsave-finished redis-0"],
    ],
    40,
  );
  assertReadable(t, save.markers, save.groups);
  t.is(save.groups.length, 5);
  // A burst at the right edge stays inside the plot.
  const edge = layout(
    burst.map(([, label], i) => [29 + i * 0.08, label]),
    30,
  );
  assertReadable(t, edge.markers, edge.groups);
});

test("event labels: the Sentinel master kill's own markers, laid out at 1400 px, never overlap; the page inlines that layout before the chart script", (t) => {
  const html = renderHtml(sentinel());
  const data = embedded(html);
  const { markers, groups } = layout(
    data.markers.map((m) => [m.tS, m.label]),
    data.endS,
  );
  assertReadable(t, markers, groups);
  t.true(
    html.indexOf("function layoutMarkerLabels") > 0 && html.indexOf("function layoutMarkerLabels") < html.indexOf("const labelBand"),
    "the layout is defined before the chart script uses it",
  );
});

test("container memory: the y axis comes from the data; a limit far above the use is named in the note, not drawn on the scale", (t) => {
  const r = structuredClone(cluster());
  const nodes = r.topology!.nodes.map((n) => n.name);
  const MiB = 2 ** 20;
  const limit = 256 * MiB;
  const withUse = (mib: number[]) => {
    r.containers = {
      memoryLimits: Object.fromEntries(nodes.map((n) => [n, limit])),
      memory: [0, 500, 1000].flatMap((tMs, i) => nodes.map((node) => ({ tMs, node, usageBytes: mib[i] * MiB, anonBytes: mib[i] * MiB, cacheBytes: 0 }))),
    };
    return embedded(renderHtml(r)).charts.memory!;
  };
  // 4 to 5.6 MiB used of 256 MiB: drawn against the limit, the lines would lie on 0.
  const small = withUse([4, 5, 5.6]);
  t.deepEqual(
    small.series.map((s) => s.label),
    nodes,
    "no limit line far off the scale",
  );
  const peak = 5.6 * MiB;
  t.is(small.yMax, peak * 1.15, "the axis reaches just past the peak use");
  t.true(small.yMax! < limit / 10);
  t.regex(small.note!, /The Docker memory limit \(256\.0 MiB per container\) is 46× the peak use \(5\.6 MiB\)/);
  // 200 MiB of 256 MiB: the limit is within view, drawn dashed, and the axis reaches it.
  const big = withUse([100, 150, 200]);
  t.deepEqual(
    big.series.map((s) => s.label),
    [...nodes, "limit"],
  );
  t.is(big.yMax, limit * 1.05);
  t.regex(big.note!, /against its Docker memory limit \(dashed\)/);
  t.notRegex(big.note!, /left off the scale/);
});

test("no two sections share a title: the instrument's chart and its facts say what each is", (t) => {
  for (const r of [sentinel(), cluster(), tourApp()]) {
    const titles = [...renderHtml(r).matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
    t.deepEqual(
      titles.filter((x, i) => titles.indexOf(x) !== i),
      [],
      `repeated titles in ${r.scenario.name}`,
    );
    const instrument = titles.filter((x) => x.startsWith("The instrument"));
    t.is(instrument.length, 2, "the chart and the facts, both still findable as the instrument");
    t.regex(instrument[0], /over time/);
    t.regex(instrument[1], /calibrated floor/);
  }
});

test("fact lists stay inside their card: the value column may shrink and its long values wrap", (t) => {
  const css = readFileSync("harness/report/style.css", "utf8");
  const rule = (selector: string) => new RegExp(`${selector.replace(/[.]/g, "\\.")} \\{([^}]*)\\}`).exec(css)?.[1] ?? "";
  t.regex(rule("dl.facts"), /grid-template-columns: fit-content\(40%\) minmax\(0, 1fr\)/, "a 1fr column alone grows to its longest unbreakable value");
  t.regex(rule("dl.facts dd"), /min-width: 0/);
  t.regex(rule("dl.facts dd"), /overflow-wrap: anywhere/);
  // The pinned client options, the longest value, break between options.
  const html = renderHtml(sentinel());
  t.regex(html, /<dt>client options \(pinned\)<\/dt><dd>\{ &quot;\w+&quot;: [^,]+, &quot;/);
});

test("the harness's own memory: RSS, heap in use and array buffers every 5 s; a report of an older harness says why there is no chart", (t) => {
  const r = sentinel();
  const c = embedded(renderHtml(r)).charts.harness!;
  t.deepEqual(
    c.series.map((s) => s.label),
    ["RSS", "heap in use", "array buffers"],
  );
  t.is(c.x.length, r.harnessMemory!.samples.length);
  t.is(c.series[0].values[0], r.harnessMemory!.samples[0].rssBytes);
  const html = renderHtml({ ...r, harnessMemory: undefined });
  t.false("harness" in embedded(html).charts);
  t.regex(html, /data-chart-skipped="harness">.*?own memory was not sampled \(a report of an older harness\)/);
});
