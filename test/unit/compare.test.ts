import test from "ava";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BadInputError } from "../../harness/infra/errors.js";
import { REPORT_SCHEMA_VERSION } from "../../harness/report/types.js";
import type { Budgets } from "../../harness/check/metrics.js";
import { compareAndWrite } from "../../harness/report/compare-files.js";
import { compareRuns, comparisonExitCode, findReports, inMemory, METHOD, TOO_FEW_NOTE, type Comparison } from "../../harness/report/compare.js";
import { FIXTURES, syntheticReport } from "../helpers/synthetic-run.js";
import { renderComparisonHtml, renderComparisonMarkdown, renderComparisonText } from "../../harness/report/compare-render.js";
import type { RunReport } from "../../harness/report/types.js";
import type { LatencySummary } from "../../harness/measure/histogram.js";
import { recordedFaultWindow } from "../helpers/recorded-window.js";

// ---- runs: a synthetic run built by buildReport (test/helpers/synthetic-run.ts), with the compared values set ----------

type PhaseName = "baseline" | "fault" | "recovery";
type PerPhase = Partial<Record<PhaseName, number>>;

interface RunSpec {
  name?: string;
  side?: "base" | "candidate";
  status?: RunReport["status"];
  /** Latency in ms per phase; unset phases keep the synthetic run's. */
  p99?: PerPhase;
  p999?: PerPhase;
  baselineOk?: number;
  rtoMs?: number | null;
  lost?: number;
  pass?: boolean;
  failures?: string[];
  budgets?: Budgets;
  forkUs?: number;
  /** The fault phase's latency as a Recorder summarized it (percentiles with their intervals), in place of the planted. */
  faultLatency?: LatencySummary;
}

const SIDES = {
  base: { image: "redis-chaos/redis:7.0", server: { server: "redis" as const, version: "7.0.15" } },
  candidate: { image: "redis-chaos/valkey:8.1", server: { server: "valkey" as const, version: "8.1.1" } },
};
const built = new Map<string, RunReport>();
/** The synthetic Sentinel master kill (or BGSAVE, for fork time) of a side, built once and cloned per run. */
function synthetic(side: "base" | "candidate", bgsave: boolean, failed: boolean): RunReport {
  const key = `${side}-${bgsave}-${failed}`;
  if (!built.has(key)) {
    const spec = bgsave ? FIXTURES["report-standalone-bgsave.json"] : FIXTURES["report-sentinel-master-kill.json"];
    built.set(key, syntheticReport({ ...spec, ...SIDES[side], budgets: {}, ...(failed ? { status: "failed", problem: "no Docker engine answered" } : {}) }));
  }
  return structuredClone(built.get(key)!);
}
let started = 0;

function run(s: RunSpec = {}): RunReport {
  const r = synthetic(s.side ?? "base", s.forkUs !== undefined, s.status === "failed");
  r.scenario.name = s.name ?? "sentinel-master-kill";
  r.scenario.budgets = s.budgets ?? {};
  r.startedAt = new Date(Date.UTC(2026, 10, 25, 10, 0, started++)).toISOString();
  // A planted percentile, known to ±1% by its own run (its interval).
  const plant = (key: "p99Us" | "p999Us", values: PerPhase | undefined) => {
    for (const [p, v] of Object.entries(values ?? {})) {
      const latency = r.phases[p as PhaseName].latency;
      latency[key] = v * 1000;
      latency.interval95![key] = [v * 990, v * 1010];
    }
  };
  plant("p99Us", s.p99);
  plant("p999Us", s.p999);
  if (s.faultLatency) r.phases.fault.latency = s.faultLatency;
  if (s.baselineOk !== undefined) r.phases.baseline.ok = s.baselineOk;
  if (s.rtoMs === null)
    Object.assign(r.availability, { rtoMs: null, rtoCensored: true, rtoLowerBoundMs: 18_000, rtoNote: "writes had not recovered by the end of the window" });
  else if (s.rtoMs !== undefined) r.availability.rtoMs = s.rtoMs;
  if (s.lost !== undefined) r.dataLoss!.lost = s.lost;
  if (s.forkUs !== undefined) (r.faults[0].details as { forkUs?: number }).forkUs = s.forkUs;
  if (s.pass !== undefined) r.verdict = { ...r.verdict, pass: s.pass, failures: s.failures ?? (s.pass ? [] : ["RTO: budget ≤ 1 ms, measured 3,500 ms"]) };
  return r;
}

const compare = (base: RunReport[], candidate: RunReport[], o: { threshold: number }) => compareRuns(inMemory(base), inMemory(candidate), o);

/** One run per value, each with the P99 of the fault phase at that value (ms). */
const p99FaultRuns = (side: "base" | "candidate", ms: number[], extra: RunSpec = {}) => ms.map((v) => run({ side, p99: { fault: v }, ...extra }));
/** Three runs of a side, each with its own spec (a value a run). */
const three = <V>(side: "base" | "candidate", values: V[], spec: (v: V) => RunSpec) => values.map((v) => run({ side, ...spec(v) }));

const metric = (c: Comparison, key: string, scenario = "sentinel-master-kill") => {
  const m = c.scenarios.find((s) => s.name === scenario)?.metrics.find((x) => x.key === key);
  if (!m) throw new Error(`no metric ${key} in ${scenario}`);
  return m;
};

const T = { threshold: 0.05 };
const budgetOnFaultP99 = { p99Ms: { fault: 50 } };

// ---- the rules --------------------------------------------------------------------------------------------------------

test("a P99 regression the runs show (rank test, beyond the threshold and twice the spread) is flagged, and a budgeted one exits 1", (t) => {
  const c = compare(
    p99FaultRuns("base", [10, 10.4, 10.2], { budgets: budgetOnFaultP99 }),
    p99FaultRuns("candidate", [14, 14.3, 13.9], { budgets: budgetOnFaultP99 }),
    T,
  );
  const m = metric(c, "p99.fault");
  t.is(m.outcome, "regressed");
  t.true(m.budgetRelevant);
  t.is(m.budget, 50);
  t.deepEqual([m.base.median, m.base.min, m.base.max, m.base.n], [10.2, 10, 10.4, 3]);
  t.is(m.candidate.median, 14);
  t.is(Math.round(m.change * 1000) / 1000, 3.8);
  t.is(Math.round(m.noise * 1000) / 1000, 0.4);
  t.is(m.p, 0.05, "3 runs a side, every candidate run above every base run: the exact one-sided p is 1/20");
  t.is(comparisonExitCode(c), 1);
  t.is(c.method, METHOD, "the report names its method");
  const md = renderComparisonMarkdown(c);
  t.regex(md, /★ P99 latency, fault .*\*\*REGRESSED\*\*/);
  t.regex(md, /redis-chaos\/redis:7\.0.*redis 7\.0\.15/, "the table says what was compared: base image and server");
  t.regex(md, /redis-chaos\/valkey:8\.1.*valkey 8\.1\.1/, "and the candidate's");
});

test("the same scenario secured two ways compares as two sides (what TLS costs), not as a changed definition", (t) => {
  const secured = (r: RunReport) => ((r.scenario.security = { auth: "acl", tls: true }), r);
  const c = compare(
    three("base", [60_000, 60_100, 59_900], (baselineOk) => ({ baselineOk })),
    three("candidate", [45_000, 45_100, 44_900], (baselineOk) => ({ baselineOk })).map(secured),
    T,
  );
  const s = c.scenarios[0];
  t.deepEqual([s.base.security, s.candidate.security], [["none"], ["acl+tls"]]);
  t.deepEqual([c.base.security, c.candidate.security], [["none"], ["acl+tls"]]);
  t.false(
    s.notes.some((n) => /definition differs/.test(n)),
    s.notes.join("; "),
  );
  t.is(metric(c, "throughput").outcome, "regressed");
  const md = renderComparisonMarkdown(c);
  t.regex(md, /\| security \| none \| acl\+tls \|/);
  t.regex(md, /candidate: .*security acl\+tls/);
  t.regex(renderComparisonText(c), /candidate: .*security acl\+tls/);
});

test("the same change inside the run-to-run spread of the repeats is not flagged: within noise", (t) => {
  const c = compare(
    p99FaultRuns("base", [10, 13, 16], { budgets: budgetOnFaultP99 }),
    p99FaultRuns("candidate", [12, 14.5, 17], { budgets: budgetOnFaultP99 }),
    T,
  );
  const m = metric(c, "p99.fault");
  t.is(m.outcome, "same");
  t.regex(m.note, /the runs overlap/);
  t.is(comparisonExitCode(c), 0);
});

test("a 3% change is below the 5% threshold, however clearly the runs show it", (t) => {
  const c = compare(p99FaultRuns("base", [10, 10.01, 10.02], { budgets: budgetOnFaultP99 }), p99FaultRuns("candidate", [10.3, 10.31, 10.32]), T);
  const m = metric(c, "p99.fault");
  t.is(m.outcome, "same");
  t.regex(m.note, /below threshold/);
});

test("with fewer than 3 runs a side nothing is told from the numbers: one run against one, RTO 5.9 → 6.2 s, is shown and exits 0 (finding 5)", (t) => {
  // The same image both sides: identical settings spread 1–2 s in RTO (5.4 / 6.4 / 5.4 s), so one run a side is noise.
  const c = compare([run({ rtoMs: 5900, budgets: { rtoMs: 10_000 } })], [run({ side: "candidate", rtoMs: 6200, budgets: { rtoMs: 10_000 } })], T);
  const m = metric(c, "rto");
  t.is(m.outcome, "too few runs");
  t.is(m.p, null);
  t.true(c.summary.tooFewRuns);
  t.is(c.summary.regressions, 0);
  t.is(comparisonExitCode(c), 0, "never exit 1 on a metric alone with fewer than 3 runs a side");
  t.true(renderComparisonMarkdown(c).includes(TOO_FEW_NOTE));
  t.true(renderComparisonHtml(c).includes(TOO_FEW_NOTE));
  t.regex(renderComparisonText(c), /1 run\(s\) a side: not judged/);
  const big = compare([run({ p99: { fault: 10 }, budgets: budgetOnFaultP99 })], [run({ side: "candidate", p99: { fault: 40 }, budgets: budgetOnFaultP99 })], T);
  t.is(metric(big, "p99.fault").outcome, "too few runs", "even a large change: one run is one minute of this host");
  t.is(comparisonExitCode(big), 0);
});

test("a calibrated instrument floor is a bias the runs share, not a resolution: P50 0.2 → 0.34 ms with three runs a side is a regression (finding 4)", (t) => {
  // The reproduction r2: the comparison read "same: below the 0.214 ms floor" although the spread was 0.001 ms.
  const side = (ms: number) => [1, 2, 3].map((seed) => syntheticReport({ name: "s", topology: "standalone", baseLatencyMs: ms, seed, rate: 1000 }));
  const c = compareRuns(inMemory(side(0.2)), inMemory(side(0.34)), T);
  const p50 = c.scenarios[0].metrics.find((m) => m.key === "p50.baseline")!;
  t.is(p50.outcome, "regressed", p50.note);
  t.is(p50.floor, 0.001, "the resolution is the histogram's microsecond");
});

test("two 3-run sides of the same scenario are never flagged, over 20 ways of dealing 6 runs into two sides", (t) => {
  // Six runs that differ only by their seed (the synthetic run's jitter), dealt into two sides of three 20 ways.
  const runs = [1, 2, 3, 4, 5, 6].map((seed) => syntheticReport({ ...FIXTURES["report-sentinel-master-kill.json"], seed }));
  let state = 42;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let trial = 0; trial < 20; trial++) {
    const order = runs
      .map((r) => ({ r, k: random() }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.r);
    const c = compareRuns(inMemory(order.slice(0, 3)), inMemory(order.slice(3)), T);
    const flagged = c.scenarios.flatMap((s) =>
      s.metrics.filter((m) => m.outcome === "regressed" || m.outcome === "improved").map((m) => `${m.key}: ${m.note}`),
    );
    t.deepEqual(flagged, [], `trial ${trial}`);
    t.is(comparisonExitCode(c), 0);
  }
});

test("three runs with one stall each against three without are not a P99 change: one second of each run set it (CI saw 4.7 against 0.6 ms)", (t) => {
  const stalled = recordedFaultWindow(0, 35);
  const clean = recordedFaultWindow(0);
  const c = compare(
    [stalled, stalled, stalled].map((faultLatency) => run({ faultLatency })),
    [clean, clean, clean].map((faultLatency) => run({ side: "candidate", faultLatency })),
    T,
  );
  const m = metric(c, "p99.fault");
  t.is(m.outcome, "same", m.note);
  t.regex(m.note, /sampling error/);
  // The same P99s known only as independent draws (±1%) would have been called a change: the widening is what holds.
  const asDraws = compare(p99FaultRuns("base", [5.6, 5.6, 5.6]), p99FaultRuns("candidate", [0.6, 0.6, 0.6]), T);
  t.is(metric(asDraws, "p99.fault").outcome, "improved");
});

test("an improvement is the mirror image of a regression", (t) => {
  const c = compare(p99FaultRuns("base", [20, 21, 20.5]), p99FaultRuns("candidate", [12, 12.5, 12.2]), T);
  t.is(metric(c, "p99.fault").outcome, "improved");
  t.is(c.summary.improvements, 1);
  t.is(comparisonExitCode(c), 0);
});

test("a regression on a metric with no budget is reported but exits 0", (t) => {
  const c = compare(
    three("base", [10, 10.1, 10.2], (v) => ({ p999: { fault: v }, budgets: budgetOnFaultP99 })),
    three("candidate", [30, 30.5, 31], (v) => ({ p999: { fault: v }, budgets: budgetOnFaultP99 })),
    T,
  );
  const m = metric(c, "p999.fault");
  t.is(m.outcome, "regressed");
  t.false(m.budgetRelevant);
  t.is(c.summary.regressions, 1);
  t.is(c.summary.budgetRegressions, 0);
  t.is(comparisonExitCode(c), 0);
  t.regex(renderComparisonMarkdown(c), /P99\.9 latency, fault .*\*\*REGRESSED\*\*/);
});

test("lost writes 0 → 5 is a regression, whatever the threshold; with a loss budget it exits 1", (t) => {
  const c = compare(
    three("base", [0, 0, 0], (lost) => ({ lost, budgets: { maxLostWrites: 0 } })),
    three("candidate", [5, 5, 5], (lost) => ({ lost, budgets: { maxLostWrites: 0 } })),
    { threshold: 10 },
  );
  const m = metric(c, "lostWrites");
  t.is(m.outcome, "regressed");
  t.true(m.budgetRelevant);
  t.regex(m.note, /never noise/);
  t.is(comparisonExitCode(c), 1);
});

test("one extra lost write in one candidate repeat counts, even though the median did not move", (t) => {
  const c = compare(
    [0, 0, 0].map((lost) => run({ lost })),
    [0, 1, 0].map((lost) => run({ side: "candidate", lost })),
    T,
  );
  const m = metric(c, "lostWrites");
  t.is(m.change, 0);
  t.is(m.outcome, "regressed");
  t.regex(m.note, /a candidate run lost 1 write, more than any base run/);
});

test("a scenario that expects loss judges lost writes like any other metric: on threshold and spread", (t) => {
  const budgets = { minLostWrites: 1 };
  const c = compare(
    [900, 1000, 1100].map((lost) => run({ lost, budgets })),
    [950, 1050, 1120].map((lost) => run({ side: "candidate", lost, budgets })),
    T,
  );
  const m = metric(c, "lostWrites");
  t.is(m.outcome, "same");
  t.false(m.budgetRelevant, "minLostWrites asks for loss; it is no limit on it");
});

test("a verdict that went from pass to fail exits 1, even when no metric moved beyond noise", (t) => {
  const c = compare([run({ pass: true })], [run({ side: "candidate", pass: false, failures: ["RTO: budget ≤ 2000 ms, measured 3000 ms"] })], T);
  const s = c.scenarios[0];
  t.is(s.base.verdict, "pass");
  t.is(s.candidate.verdict, "fail");
  t.is(s.verdictChange, "regressed");
  t.is(c.summary.regressions, 0);
  t.is(comparisonExitCode(c), 1);
  t.regex(renderComparisonMarkdown(c), /candidate failed: RTO: budget ≤ 2000 ms/);
});

test("repeats where some candidate runs fail make the candidate's verdict mixed: worse than an all-pass base", (t) => {
  const c = compare([run(), run()], [run({ side: "candidate" }), run({ side: "candidate", pass: false })], T);
  t.is(c.scenarios[0].candidate.verdict, "mixed");
  t.is(c.scenarios[0].verdictChange, "regressed");
  t.is(comparisonExitCode(c), 1);
});

test("throughput is higher-is-better: fewer ops/s in the baseline is a regression", (t) => {
  const c = compare(
    three("base", [4000, 4010, 3990], (baselineOk) => ({ baselineOk })),
    three("candidate", [3000, 3010, 2990], (baselineOk) => ({ baselineOk })),
    T,
  );
  const m = metric(c, "throughput");
  const b = run().phases.baseline;
  t.is(m.better, "higher");
  t.is(m.base.median, 4000 / ((b.toMs! - b.fromMs!) / 1000), "successful baseline operations per second of the baseline");
  t.is(m.outcome, "regressed");
});

test("an RTO that never recovered is a lower bound: it proves only what a value at least that high would (finding 6)", (t) => {
  const budgets = { rtoMs: 10_000 };
  const worse = compare(
    three("base", [3000, 3100, 2900], (rtoMs) => ({ rtoMs, budgets })),
    three("candidate", [null, null, null], (rtoMs) => ({ rtoMs, budgets })),
    T,
  );
  const m = metric(worse, "rto");
  t.is(m.candidate.median, 18_000, "the lower bound stands in for the value");
  t.is(m.outcome, "regressed", "a bound already worse than every base run proves it");
  t.regex(m.note, /never recovered: their value is a lower bound/);
  t.is(comparisonExitCode(worse), 1);
  const better = compare(
    three("base", [null, null, null], (rtoMs) => ({ rtoMs, budgets })),
    three("candidate", [3000, 3100, 2900], (rtoMs) => ({ rtoMs, budgets })),
    T,
  );
  t.is(metric(better, "rto").outcome, "improved", "a base that never recovered within 18 s is worse than 3 s, whatever its true RTO");
  const unknown = compare(
    three("base", [30_000, 31_000, 29_000], (rtoMs) => ({ rtoMs, budgets })),
    three("candidate", [null, null, null], (rtoMs) => ({ rtoMs, budgets })),
    T,
  );
  t.is(metric(unknown, "rto").outcome, "same", "a candidate that never recovered, cut off at 18 s, may be better than 30 s or not");
  t.regex(metric(unknown, "rto").note, /only a lower bound/);
});

test("fork time from a bgsave fault is compared where both sides measured it", (t) => {
  const c = compare(
    three("base", [3000, 3100, 2900], (forkUs) => ({ forkUs })),
    three("candidate", [20_000, 20_100, 19_900], (forkUs) => ({ forkUs })),
    T,
  );
  t.is(metric(c, "forkUs.0", "sentinel-master-kill").outcome, "regressed");
  const none = compare([run()], [run({ side: "candidate", forkUs: 20_000 })], T);
  t.false(
    none.scenarios[0].metrics.some((m) => m.key.startsWith("forkUs")),
    "a metric on one side only is not compared",
  );
});

test("scenarios on one side only are listed; runs that did not complete are skipped with their reason", (t) => {
  const c = compare(
    [run({ name: "a" }), run({ name: "only-base" })],
    [run({ side: "candidate", name: "a" }), run({ side: "candidate", name: "only-candidate" }), run({ side: "candidate", name: "a", status: "failed" })],
    T,
  );
  t.deepEqual(
    c.scenarios.map((s) => s.name),
    ["a"],
  );
  t.deepEqual(c.onlyBase, ["only-base"]);
  t.deepEqual(c.onlyCandidate, ["only-candidate"]);
  t.is(c.skipped.length, 1);
  t.like(c.skipped[0], { side: "candidate", scenario: "a", status: "failed", reason: "no Docker engine answered" });
  t.is(c.scenarios[0].candidate.runs, 1, "the failed run is no repeat");
  const md = renderComparisonMarkdown(c);
  t.regex(md, /not compared: only-base \(completed runs in base only\)/);
  t.regex(md, /candidate a: failed: no Docker engine answered/);
  t.is(comparisonExitCode(c), 1, "a candidate that could not finish a run, or any run of a scenario, is worse");
});

// ---- the views --------------------------------------------------------------------------------------------------------

test("the HTML page is self-contained: inline CSS, no scripts or external resources; regressions red, improvements green, budgets marked", (t) => {
  const c = compare(
    three("base", [0, 0.1, 0.2], (d) => ({ p99: { fault: 10 + d, recovery: 20 + d }, budgets: budgetOnFaultP99 })),
    three("candidate", [0, 0.1, 0.2], (d) => ({
      p99: { fault: 20 + d, recovery: 10 + d },
      pass: false,
      failures: ["p99 <fault> & more"],
      budgets: budgetOnFaultP99,
    })),
    T,
  );
  const html = renderComparisonHtml(c);
  t.regex(html, /^<!DOCTYPE html>/);
  t.regex(html, /<style>[^]*tr\.regressed[^]*<\/style>/);
  t.notRegex(html, /<script|<link|<img|<iframe|src=|href=|url\(|@import|https?:\/\//i);
  t.regex(html, /<tr class="regressed"><td>★ P99 latency, fault<\/td><td>≤ 50 ms<\/td>/);
  t.regex(html, /<tr class="improved"><td>P99 latency, recovery/);
  t.true(html.includes("p99 &lt;fault&gt; &amp; more"), "text from reports is escaped");
});

// ---- loading ----------------------------------------------------------------------------------------------------------

const tmp = () => mkdtempSync(path.join(tmpdir(), "compare-test-"));

test("findReports on a missing path throws BadInputError naming the path and what to pass", (t) => {
  const missing = path.join(tmp(), "no-such-run");
  const e = t.throws(() => findReports([missing]), { instanceOf: BadInputError });
  t.true(e!.message.includes(missing));
  t.is(e!.exitCode, 2);
  t.regex((e as BadInputError).hint ?? "", /report\.json/);
});

test("findReports takes a report.json, a run directory, or a folder searched for runs; a folder with none is refused", (t) => {
  const root = tmp();
  const write = (rel: string, r: unknown) => {
    mkdirSync(path.join(root, path.dirname(rel)), { recursive: true });
    writeFileSync(path.join(root, rel), JSON.stringify(r));
  };
  write("suites/run-1/report.json", run({ name: "one" }));
  write("suites/run-2/report.json", run({ name: "two" }));
  write("single/report.json", run({ name: "three" }));
  const names = (paths: string[]) => findReports(paths).map((l) => l.report.scenario.name);
  t.deepEqual(names([path.join(root, "suites")]), ["one", "two"]);
  t.deepEqual(names([path.join(root, "single")]), ["three"]);
  t.deepEqual(names([path.join(root, "single", "report.json")]), ["three"]);
  t.is(findReports([path.join(root, "single")])[0].source, path.join(root, "single", "report.json"), "each report keeps where it came from");
  t.is(findReports([root, path.join(root, "single")]).length, 3, "a run reached twice is loaded once");
  mkdirSync(path.join(root, "empty"));
  const e = t.throws(() => findReports([path.join(root, "empty")]), { instanceOf: BadInputError });
  t.regex(e!.message, /empty holds no report\.json/);
});

test("findReports refuses a file that is not a report of this schema, naming it and why", (t) => {
  const root = tmp();
  const bad = path.join(root, "report.json");
  writeFileSync(bad, JSON.stringify({ ...run(), schemaVersion: 99 }));
  const e = t.throws(() => findReports([bad]), { instanceOf: BadInputError });
  t.true(e!.message.includes(bad));
  t.true(e!.message.includes(`schemaVersion: 99, and this harness reads version ${REPORT_SCHEMA_VERSION} only`), e!.message);
  writeFileSync(bad, JSON.stringify({ ...run(), schemaVersion: 1 }));
  t.throws(() => findReports([bad]), {
    instanceOf: BadInputError,
    message: (m) => m.includes(`schemaVersion: 1, and this harness reads version ${REPORT_SCHEMA_VERSION} only (the report was written by an older harness)`),
  });
  writeFileSync(bad, JSON.stringify({ ...run(), phases: {} }));
  t.throws(() => findReports([bad]), { instanceOf: BadInputError, message: /phases\.baseline/ });
  writeFileSync(bad, "{ not json");
  t.throws(() => findReports([bad]), { instanceOf: BadInputError, message: /not a readable JSON report/ });
});

test("compareAndWrite writes compare.json, compare.md and compare.html, gives the terminal's table and the exit code", (t) => {
  const root = tmp();
  for (const [dir, r] of [
    ...[10, 10.1, 10.2].map((v, k) => [`base/r${k}`, run({ p99: { fault: v }, budgets: budgetOnFaultP99 })] as const),
    ...[30, 30.1, 30.2].map((v, k) => [`cand/r${k}`, run({ side: "candidate", p99: { fault: v }, budgets: budgetOnFaultP99 })] as const),
  ]) {
    mkdirSync(path.join(root, dir), { recursive: true });
    writeFileSync(path.join(root, dir, "report.json"), JSON.stringify(r));
  }
  const outDir = path.join(root, "out", "nested");
  const r = compareAndWrite({ base: [path.join(root, "base")], candidate: [path.join(root, "cand")], outDir });
  t.is(r.code, 1);
  const json = JSON.parse(readFileSync(path.join(outDir, "compare.json"), "utf8"));
  t.is(json.exitCode, 1);
  t.is(json.summary.budgetRegressions, 1);
  t.regex(readFileSync(path.join(outDir, "compare.md"), "utf8"), /# Run comparison/);
  t.regex(readFileSync(path.join(outDir, "compare.html"), "utf8"), /<!DOCTYPE html>/);
  t.regex(r.text, /★ P99 latency, fault .*REGRESSED/);
  t.regex(r.text, /valkey 8\.1\.1/);
  t.throws(() => compareAndWrite({ base: [path.join(root, "nope")], candidate: [path.join(root, "cand")], outDir }), {
    instanceOf: BadInputError,
    message: /nope/,
  });
});
