import test from "ava";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BadInputError } from "../../harness/infra/errors.js";
import { REPORT_SCHEMA_VERSION } from "../../harness/report/types.js";
import type { Budgets } from "../../harness/check/metrics.js";
import { compareAndWrite } from "../../harness/report/compare-files.js";
import { compareRuns, comparisonExitCode, findReports, inMemory, SINGLE_RUN_NOTE, type Comparison } from "../../harness/report/compare.js";
import { FIXTURES, syntheticReport } from "../helpers/synthetic-run.js";
import { renderComparisonHtml, renderComparisonMarkdown, renderComparisonText } from "../../harness/report/compare-render.js";
import type { RunReport } from "../../harness/report/types.js";

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
  /** The instrument's calibrated P99 through the fault layer (µs). */
  floorP99Us?: number;
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
  for (const [p, v] of Object.entries(s.p99 ?? {})) r.phases[p as PhaseName].latency.p99Us = v * 1000;
  for (const [p, v] of Object.entries(s.p999 ?? {})) r.phases[p as PhaseName].latency.p999Us = v * 1000;
  if (s.baselineOk !== undefined) r.phases.baseline.ok = s.baselineOk;
  if (s.rtoMs === null) Object.assign(r.availability, { rtoMs: null, rtoCensored: true, rtoLowerBoundMs: 18_000, rtoNote: "writes had not recovered by the end of the run" });
  else if (s.rtoMs !== undefined) r.availability.rtoMs = s.rtoMs;
  if (s.lost !== undefined) r.dataLoss!.lost = s.lost;
  if (s.forkUs !== undefined) (r.faults[0].details as { forkUs?: number }).forkUs = s.forkUs;
  if (s.floorP99Us !== undefined) r.instrument.calibration!.faultLayer.p99Us = s.floorP99Us;
  if (s.pass !== undefined) r.verdict = { ...r.verdict, pass: s.pass, failures: s.failures ?? (s.pass ? [] : ["RTO: budget ≤ 1 ms, measured 3,500 ms"]) };
  return r;
}

const compare = (base: RunReport[], candidate: RunReport[], o: { threshold: number }) => compareRuns(inMemory(base), inMemory(candidate), o);

/** One run per value, each with the P99 of the fault phase at that value (ms). */
const p99FaultRuns = (side: "base" | "candidate", ms: number[], extra: RunSpec = {}) => ms.map((v) => run({ side, p99: { fault: v }, ...extra }));

const metric = (c: Comparison, key: string, scenario = "sentinel-master-kill") => {
  const m = c.scenarios.find((s) => s.name === scenario)?.metrics.find((x) => x.key === key);
  if (!m) throw new Error(`no metric ${key} in ${scenario}`);
  return m;
};

const T = { threshold: 0.05 };
const budgetOnFaultP99 = { p99Ms: { fault: 50 } };

// ---- the rules --------------------------------------------------------------------------------------------------------

test("a P99 regression larger than the threshold and than the run-to-run spread is flagged, and a budgeted one exits 1", (t) => {
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
  t.is(comparisonExitCode(c), 1);
  const md = renderComparisonMarkdown(c);
  t.regex(md, /★ P99 latency, fault .*\*\*REGRESSED\*\*/);
  t.regex(md, /redis-chaos\/redis:7\.0.*redis 7\.0\.15/, "the table says what was compared: base image and server");
  t.regex(md, /redis-chaos\/valkey:8\.1.*valkey 8\.1\.1/, "and the candidate's");
});

test("the same scenario secured two ways compares as two sides (what TLS costs), not as a changed definition", (t) => {
  const secured = (r: RunReport) => ((r.scenario.security = { auth: "acl", tls: true }), r);
  const c = compare([run({ baselineOk: 60_000 })], [secured(run({ baselineOk: 45_000 }))], T);
  const s = c.scenarios[0];
  t.deepEqual([s.base.security, s.candidate.security], [["none"], ["acl+tls"]]);
  t.deepEqual([c.base.security, c.candidate.security], [["none"], ["acl+tls"]]);
  t.false(s.notes.some((n) => /definition differs/.test(n)), s.notes.join("; "));
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
  t.regex(m.note, /within noise/);
  t.is(comparisonExitCode(c), 0);
});

test("a 3% change is below the 5% threshold; single runs are said to leave the spread unknown", (t) => {
  const c = compare([run({ p99: { fault: 10 }, budgets: budgetOnFaultP99 })], [run({ side: "candidate", p99: { fault: 10.3 } })], T);
  const m = metric(c, "p99.fault");
  t.is(m.outcome, "same");
  t.regex(m.note, /below threshold/);
  t.true(c.summary.singleRun);
  t.true(renderComparisonMarkdown(c).includes(SINGLE_RUN_NOTE));
  t.true(renderComparisonHtml(c).includes(SINGLE_RUN_NOTE));
});

test("a latency change smaller than either run's calibrated instrument floor is not flagged; above both floors it is", (t) => {
  // P99 1 ms -> 1.5 ms: what a planted 0.5 ms latency toxic does to a quiet baseline.
  const quiet = compare([run({ p99: { baseline: 1 }, floorP99Us: 300 })], [run({ side: "candidate", p99: { baseline: 1.5 }, floorP99Us: 320 })], T);
  t.is(metric(quiet, "p99.baseline").outcome, "regressed");
  t.is(metric(quiet, "p99.baseline").floor, 0.32);
  // The same change, with a candidate whose instrument could not see below 0.6 ms at P99.
  const noisy = compare([run({ p99: { baseline: 1 }, floorP99Us: 300 })], [run({ side: "candidate", p99: { baseline: 1.5 }, floorP99Us: 600 })], T);
  const m = metric(noisy, "p99.baseline");
  t.is(m.outcome, "same");
  t.is(m.floor, 0.6);
  t.regex(m.note, /below the 600 µs floor|below the 0\.6 ms floor/);
});

test("an improvement is the mirror image of a regression", (t) => {
  const c = compare(p99FaultRuns("base", [20, 21, 20.5]), p99FaultRuns("candidate", [12, 12.5, 12.2]), T);
  t.is(metric(c, "p99.fault").outcome, "improved");
  t.is(c.summary.improvements, 1);
  t.is(comparisonExitCode(c), 0);
});

test("a regression on a metric with no budget is reported but exits 0", (t) => {
  const c = compare([run({ p999: { fault: 10 }, budgets: budgetOnFaultP99 })], [run({ side: "candidate", p999: { fault: 30 }, budgets: budgetOnFaultP99 })], T);
  const m = metric(c, "p999.fault");
  t.is(m.outcome, "regressed");
  t.false(m.budgetRelevant);
  t.is(c.summary.regressions, 1);
  t.is(c.summary.budgetRegressions, 0);
  t.is(comparisonExitCode(c), 0);
  t.regex(renderComparisonMarkdown(c), /P99\.9 latency, fault .*\*\*REGRESSED\*\*/);
});

test("lost writes 0 → 5 is a regression, whatever the threshold; with a loss budget it exits 1", (t) => {
  const c = compare([run({ lost: 0, budgets: { maxLostWrites: 0 } })], [run({ side: "candidate", lost: 5, budgets: { maxLostWrites: 0 } })], { threshold: 10 });
  const m = metric(c, "lostWrites");
  t.is(m.outcome, "regressed");
  t.true(m.budgetRelevant);
  t.regex(m.note, /never noise/);
  t.is(comparisonExitCode(c), 1);
});

test("one extra lost write in one candidate repeat counts, even though the median did not move", (t) => {
  const c = compare([0, 0, 0].map((lost) => run({ lost })), [0, 1, 0].map((lost) => run({ side: "candidate", lost })), T);
  const m = metric(c, "lostWrites");
  t.is(m.change, 0);
  t.is(m.outcome, "regressed");
  t.regex(m.note, /a candidate run lost 1 write, more than any base run/);
});

test("a scenario that expects loss judges lost writes like any other metric: on threshold and spread", (t) => {
  const budgets = { minLostWrites: 1 };
  const c = compare([900, 1000, 1100].map((lost) => run({ lost, budgets })), [950, 1050, 1120].map((lost) => run({ side: "candidate", lost, budgets })), T);
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
  const c = compare([run({ baselineOk: 4000 })], [run({ side: "candidate", baselineOk: 3000 })], T);
  const m = metric(c, "throughput");
  const b = run().phases.baseline;
  t.is(m.better, "higher");
  t.is(m.base.median, 4000 / ((b.toMs! - b.fromMs!) / 1000), "successful baseline operations per second of the baseline");
  t.is(m.outcome, "regressed");
});

test("RTO of a run whose writes never recovered counts as the rest of the run (a lower bound), so it regresses", (t) => {
  const c = compare(
    [run({ rtoMs: 3000, budgets: { rtoMs: 10_000 } })],
    [run({ side: "candidate", rtoMs: null, budgets: { rtoMs: 10_000 } })],
    T,
  );
  const m = metric(c, "rto");
  t.is(m.candidate.median, 18_000);
  t.is(m.outcome, "regressed");
  t.regex(m.note, /never recovered/);
  t.is(comparisonExitCode(c), 1);
});

test("fork time from a bgsave fault is compared where both sides measured it", (t) => {
  const c = compare([run({ forkUs: 3000 })], [run({ side: "candidate", forkUs: 20_000 })], T);
  t.is(metric(c, "forkUs.0", "sentinel-master-kill").outcome, "regressed");
  const none = compare([run()], [run({ side: "candidate", forkUs: 20_000 })], T);
  t.false(none.scenarios[0].metrics.some((m) => m.key.startsWith("forkUs")), "a metric on one side only is not compared");
});

test("scenarios on one side only are listed; runs that did not complete are skipped with their reason", (t) => {
  const c = compare(
    [run({ name: "a" }), run({ name: "only-base" })],
    [run({ side: "candidate", name: "a" }), run({ side: "candidate", name: "only-candidate" }), run({ side: "candidate", name: "a", status: "failed" })],
    T,
  );
  t.deepEqual(c.scenarios.map((s) => s.name), ["a"]);
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
    [run({ p99: { fault: 10, recovery: 20 }, budgets: budgetOnFaultP99 })],
    [run({ side: "candidate", p99: { fault: 20, recovery: 10 }, pass: false, failures: ["p99 <fault> & more"], budgets: budgetOnFaultP99 })],
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
  t.throws(() => findReports([bad]), { instanceOf: BadInputError, message: (m) => m.includes(`schemaVersion: 1, and this harness reads version ${REPORT_SCHEMA_VERSION} only (the report was written by an older harness)`) });
  writeFileSync(bad, JSON.stringify({ ...run(), phases: {} }));
  t.throws(() => findReports([bad]), { instanceOf: BadInputError, message: /phases\.baseline/ });
  writeFileSync(bad, "{ not json");
  t.throws(() => findReports([bad]), { instanceOf: BadInputError, message: /not a readable JSON report/ });
});

test("compareAndWrite writes compare.json, compare.md and compare.html, gives the terminal's table and the exit code", (t) => {
  const root = tmp();
  for (const [dir, r] of [
    ["base/r1", run({ p99: { fault: 10 }, budgets: budgetOnFaultP99 })],
    ["cand/r1", run({ side: "candidate", p99: { fault: 30 }, budgets: budgetOnFaultP99 })],
  ] as const) {
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
  t.throws(() => compareAndWrite({ base: [path.join(root, "nope")], candidate: [path.join(root, "cand")], outDir }), { instanceOf: BadInputError, message: /nope/ });
});
