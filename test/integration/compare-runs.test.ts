import test from "ava";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { instrumentFloor } from "../../harness/check/metrics.js";
import type { Comparison } from "../../harness/report/compare.js";
import type { RunReport } from "../../harness/report/types.js";
import { cli, scenarioFile } from "../helpers/cli.js";

// Comparing real runs from the command line: the upgrade question (the same suite on two images) and the CI question
// (did a budget-relevant number get worse beyond noise? then exit 1). Serial: each drives load, and two at once on
// these 2 cores would be each other's noise (the matrix once saw a 25 ms baseline P99 beside the others).

const jsonOf = (file: string) => JSON.parse(readFileSync(file, "utf8"));
const folderIn = (dir: string, part: string) => path.join(dir, readdirSync(dir).find((n) => n.includes(part))!);
const reportDir = (stdout: string) => /report: (.*)\/report\.json/.exec(stdout)![1];

/** One standalone server paused for `pauseS` mid-load: the fault phase's P99 is about the pause. */
const paused = (pauseS: number) => ({
  name: "compare-pause",
  topology: { kind: "standalone" },
  workload: { rate: 500, duration: "9s", warmup: "1s", keys: "random" },
  faults: [{ kind: "pause", at: "3s", for: `${pauseS}s` }],
  budgets: { p99Ms: { fault: 5000 } },
});

test.serial("compare exits 1 when a budget-relevant metric really got worse: P99 under a 1.5 s pause against a 0.1 s pause", async (t) => {
  const base = await cli(["run", "--file", scenarioFile(paused(0.1)), "--quiet"]);
  const candidate = await cli(["run", "--file", scenarioFile(paused(1.5)), "--quiet"]);
  t.is(base.code, 0, base.stderr);
  t.is(candidate.code, 0, "both runs keep their own budget (P99 ≤ 5 s in the fault)");

  const out = "reports/test/compare-pause";
  const r = await cli(["compare", "--base", reportDir(base.stdout), "--candidate", reportDir(candidate.stdout), "--out", out]);
  t.log(r.stdout);
  t.is(r.code, 1, "a regression of a metric with a budget fails the comparison");
  const c = jsonOf(path.join(out, "compare.json")) as Comparison;
  const p99 = c.scenarios[0].metrics.find((m) => m.key === "p99.fault")!;
  t.is(p99.outcome, "regressed");
  t.true(p99.budgetRelevant);
  // Operations caught by the 1.5 s pause wait until the client gives up (commandTimeout 1 s): P99 reaches it.
  t.true(p99.candidate.median >= 1000 && p99.candidate.median > 4 * p99.base.median, `P99 in the fault ${p99.base.median} → ${p99.candidate.median} ms`);
  t.regex(r.stdout, /p99/i);

  const back = await cli(["compare", "--base", reportDir(candidate.stdout), "--candidate", reportDir(base.stdout), "--out", `${out}-reverse`]);
  t.is(back.code, 0, "the other way round it is an improvement");
});

/**
 * A quiet standalone server on the lean engine, with latency planted on the client link's replies from 3 s to 7 s:
 * `latencyMs` on the way back only (Toxiproxy adds whole milliseconds, so +1 ms a round trip is its smallest step), or
 * 0 for the control run with the same phases.
 */
const planted = (latencyMs: number) => ({
  name: "compare-planted-latency",
  topology: { kind: "standalone" },
  workload: { engine: "lean", rate: 1000, duration: "10s", warmup: "1s", keys: "random", connections: 1 },
  faults: [{ kind: "latency-spike", at: "3s", for: "4s", latencyMs, direction: "replies" }],
});

// +5 ms: above the instrument's floor even on this host's noisy days (calibrated P50 up to 3.7 ms seen at 1000 ops/s
// under CPU steal); +1 ms, Toxiproxy's smallest step, is flagged only on a quiet one, where the floor is below it.
test.serial("compare flags a planted +5 ms round trip (a latency toxic on the client link's replies), and two identical runs not at all; the floor is the runs' own", async (t) => {
  const a = await cli(["run", "--file", scenarioFile(planted(0)), "--quiet"]);
  const b = await cli(["run", "--file", scenarioFile(planted(0)), "--quiet"]);
  const toxic = await cli(["run", "--file", scenarioFile(planted(5)), "--quiet"]);
  for (const r of [a, b, toxic]) t.is(r.code, 0, r.stderr);
  const p50 = (out: string) => (jsonOf(path.join(out, "compare.json")) as Comparison).scenarios[0].metrics.find((m) => m.key === "p50.fault")!;

  const same = await cli(["compare", "--base", reportDir(a.stdout), "--candidate", reportDir(b.stdout), "--out", "reports/test/compare-identical"]);
  t.is(same.code, 0, "two identical runs are not a regression");
  t.is(p50("reports/test/compare-identical").outcome, "same");

  const worse = await cli(["compare", "--base", reportDir(a.stdout), "--candidate", reportDir(toxic.stdout), "--out", "reports/test/compare-planted"]);
  const m = p50("reports/test/compare-planted");
  t.log(`P50 in the fault window ${m.base.median} → ${m.candidate.median} ms; floor ${m.floor} ms`);
  t.is(m.outcome, "regressed", m.note);
  // 5 ms on the replies: at least 5 ms on a round trip (more on a slow minute; never an upper bound).
  t.true(m.change > 4.5, `5 ms on the replies adds at least 5 ms to a round trip: ${m.change} ms`);
  // Each run's floor: its calibrated P50, or the driver's own schedule lag (over the run and in the phase) when higher.
  const floors = [a, toxic].map((r) => instrumentFloor(jsonOf(path.join(reportDir(r.stdout), "report.json")) as RunReport, "p50", "fault"));
  t.is(m.floor, Math.max(0.1, ...floors), "the floor is the higher of the two runs' own floors");
});

test.serial("matrix runs a suite on two images with repeats and compares them side by side", async (t) => {
  const images = ["redis-chaos/redis:7.0", "redis-chaos/valkey:8.1"];
  const r = await cli(["matrix", "smoke", "--images", images.join(","), "--repeats", "2", "--quiet"]);
  t.log(r.stdout);
  const root = /matrix: (.*)/.exec(r.stdout)![1].trim();
  const c = jsonOf(path.join(folderIn(root, "compare-"), "compare.json")) as Comparison & { exitCode: number };
  const s = c.scenarios.find((x) => x.name === "smoke-standalone")!;
  t.is(s.base.passes, 2, "every run on the base image kept its budgets");
  t.is(s.candidate.passes, 2, "and on the candidate");
  t.is(r.code, c.exitCode, "so the exit code is the comparison's");
  t.is(s.base.runs, 2);
  t.is(s.candidate.runs, 2);
  t.is(s.base.images.length, 1);
  t.true(s.base.images[0].startsWith(images[0]), s.base.images[0]);
  t.true(s.candidate.images[0].startsWith(images[1]), s.candidate.images[0]);
  t.false(s.singleRun, "two runs a side: the spread is known");
  const p99 = s.metrics.find((m) => m.key === "p99.baseline")!;
  t.is(p99.base.values.length, 2);
  const spread = (v: number[]) => Math.max(...v) - Math.min(...v);
  t.is(p99.noise, Math.max(spread(p99.base.values), spread(p99.candidate.values)), "noise: the larger side's run-to-run spread");
  t.regex(r.stdout, new RegExp(`${images[0]} → ${images[1]}`));
  for (const image of images) t.truthy(readFileSync(path.join(folderIn(root, `smoke-${image.replace(/[^A-Za-z0-9.]+/g, "-")}`), "index.html"), "utf8"));
});
