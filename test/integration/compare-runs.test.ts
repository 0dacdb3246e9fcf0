import test, { type ExecutionContext } from "ava";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { type Comparison, compareRuns, comparisonExitCode, findReports } from "../../harness/report/compare.js";
import { DEFAULT_COMPARE_THRESHOLD } from "../../harness/report/compare-files.js";
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
  workload: { rate: 500, duration: "6s", warmup: "1s", keys: "random" },
  faults: [{ kind: "pause", at: "3s", for: `${pauseS}s` }],
  budgets: { p99Ms: { fault: 5000 } },
});

/** `n` runs of a scenario, each passing its budgets; their report folders. */
async function runs(t: ExecutionContext, scenario: object, n: number): Promise<string[]> {
  const dirs: string[] = [];
  for (let k = 0; k < n; k++) {
    const r = await cli(["run", "--file", scenarioFile(scenario), "--quiet"]);
    t.is(r.code, 0, r.stderr);
    dirs.push(reportDir(r.stdout));
  }
  return dirs;
}

test.serial("compare exits 1 when a budget-relevant metric really got worse: P99 under a 1.5 s pause against a 0.1 s pause, 3 runs a side", async (t) => {
  const base = await runs(t, paused(0.1), 3);
  const candidate = await runs(t, paused(1.5), 3);
  const out = "reports/test/compare-pause";
  const r = await cli(["compare", "--base", ...base, "--candidate", ...candidate, "--out", out]);
  t.log(r.stdout);
  t.is(r.code, 1, "a regression of a metric with a budget fails the comparison");
  const c = jsonOf(path.join(out, "compare.json")) as Comparison;
  const p99 = c.scenarios[0].metrics.find((m) => m.key === "p99.fault")!;
  t.is(p99.outcome, "regressed", p99.note);
  t.true(p99.budgetRelevant);
  // Operations caught by the 1.5 s pause wait until the client gives up (commandTimeout 1 s): P99 reaches it.
  t.true(p99.candidate.median >= 1000 && p99.candidate.median > 4 * p99.base.median, `P99 in the fault ${p99.base.median} → ${p99.candidate.median} ms`);
  t.regex(r.stdout, /p99/i);

  const back = await cli(["compare", "--base", ...candidate, "--candidate", ...base, "--out", `${out}-reverse`]);
  t.is(back.code, 0, "the other way round it is an improvement");
  const one = await cli(["compare", "--base", base[0], "--candidate", candidate[0], "--out", `${out}-one`]);
  t.is(one.code, 0, "one run a side: not enough runs to tell, so no exit 1 on a metric alone");
  t.regex(one.stdout, /not enough runs to tell/);
});

/**
 * A quiet standalone server on the lean engine, with latency planted on the client link's replies from 3 s to 6 s:
 * `latencyMs` on the way back only (Toxiproxy adds whole milliseconds, so +1 ms a round trip is its smallest step), or
 * 0 for the control runs with the same phases.
 */
const planted = (latencyMs: number) => ({
  name: "compare-planted-latency",
  topology: { kind: "standalone" },
  workload: { engine: "lean", rate: 1000, duration: "8s", warmup: "1s", keys: "random", connections: 1 },
  faults: [{ kind: "latency-spike", at: "3s", for: "3s", latencyMs, direction: "replies" }],
});

test.serial(
  "compare flags a planted +1 ms round trip at P50 with 3 runs a side, and never flags two 3-run sides of the same runs, dealt 20 ways",
  async (t) => {
    const control = await runs(t, planted(0), 6);
    const toxic = await runs(t, planted(1), 3);
    const compared = async (base: string[], candidate: string[], out: string) => {
      const r = await cli(["compare", "--base", ...base, "--candidate", ...candidate, "--out", out]);
      return { code: r.code, c: jsonOf(path.join(out, "compare.json")) as Comparison };
    };
    const worse = await compared(control.slice(0, 3), toxic, "reports/test/compare-planted");
    const m = worse.c.scenarios[0].metrics.find((x) => x.key === "p50.fault")!;
    t.log(`P50 in the fault window ${m.base.values.join(", ")} → ${m.candidate.values.join(", ")} ms: ${m.note}`);
    t.is(m.outcome, "regressed", m.note);
    t.true(m.change > 0.9, `1 ms on the replies adds about 1 ms to a round trip: ${m.change} ms`);

    // Six runs of one scenario, dealt into two sides of three: a deterministic shuffle per trial. The deals are compared
    // in this process (the command line was driven just above; 20 more processes would cost half a minute of CI).
    const loaded = new Map(control.map((d) => [d, findReports([d])[0]]));
    let state = 7;
    const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const flagged: string[] = [];
    for (let trial = 0; trial < 20; trial++) {
      const order = control
        .map((d) => ({ d, k: random() }))
        .sort((a, b) => a.k - b.k)
        .map((x) => x.d);
      const side = (dirs: string[]) => dirs.map((d) => loaded.get(d)!);
      const same = compareRuns(side(order.slice(0, 3)), side(order.slice(3)), { threshold: DEFAULT_COMPARE_THRESHOLD });
      t.is(comparisonExitCode(same), 0, `trial ${trial}: the same scenario on both sides exits 0`);
      for (const x of same.scenarios[0].metrics) if (x.outcome === "regressed" || x.outcome === "improved") flagged.push(`trial ${trial} ${x.key}: ${x.note}`);
    }
    t.deepEqual(flagged, [], "no metric flagged in any of the 20 deals");
  },
);

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
  t.true(s.tooFewRuns, "two runs a side: shown, not judged");
  const p99 = s.metrics.find((m) => m.key === "p99.baseline")!;
  t.is(p99.base.values.length, 2);
  const spread = (v: number[]) => Math.max(...v) - Math.min(...v);
  t.is(p99.noise, Math.max(spread(p99.base.values), spread(p99.candidate.values)), "noise: the larger side's run-to-run spread");
  t.regex(r.stdout, new RegExp(`${images[0]} → ${images[1]}`));
  for (const image of images) t.truthy(readFileSync(path.join(folderIn(root, `smoke-${image.replace(/[^A-Za-z0-9.]+/g, "-")}`), "index.html"), "utf8"));
});
