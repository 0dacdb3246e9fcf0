import test from "ava";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { RunReport } from "../../harness/report/types.js";
import { cli, scenarioFile } from "../helpers/cli.js";

// The instrument's self-check on a real run: asked for far more than one Node thread can issue, the run must say it
// was driver-bound, and why, instead of passing the driver's ceiling off as Redis's. (That a driver that kept up is
// not called driver-bound is pinned on a synthetic history in test/unit/run-view.test.ts: on these 2-core machines
// a run's schedule lag P99 passes 1 ms even at 500 ops/s, so a real quiet run would say driver-bound, and rightly.)

const standalone = (name: string, rate: number) => ({
  name,
  topology: { kind: "standalone" },
  workload: { rate, duration: "6s", warmup: "1s", keys: "random", connections: 4 },
});
const reportOf = (stdout: string) => JSON.parse(readFileSync(path.join(/report: (.*)\/report\.json/.exec(stdout)![1], "report.json"), "utf8")) as RunReport;

test("a rate far beyond the driver (ioredis at 150k ops/s) is called driver-bound, with why, in the verdict, the terminal and the summary", async (t) => {
  const flooded = await cli(["run", "--file", scenarioFile(standalone("instrument-flooded", 150_000))]);
  const r = reportOf(flooded.stdout);
  const bound = r.verdict.driverBound ?? [];
  t.regex(bound.join("; "), /schedule lag P99 \d+(\.\d+)? ms \(over 1 ms\)/, `the verdict says how late operations left: ${bound.join("; ")}`);
  // Far past the few ms a quiet run's lag reaches here: the schedule ran away from the driver, and its loop was saturated.
  t.true(r.instrument.scheduleLag.p99Us > 100_000, `schedule lag P99 ${r.instrument.scheduleLag.p99Us} µs`);
  t.true(r.instrument.busySeconds > 1, `event loop over 90% busy for ${r.instrument.busySeconds} s`);
  t.regex(bound.join("; "), /event loop was over 90% busy/);
  t.truthy(r.instrument.calibration, "the floor was measured before the load");
  t.regex(flooded.stdout, /^ {2}DRIVER-BOUND: schedule lag P99/m, "the terminal says so");
  const dir = /report: (.*)\/report\.json/.exec(flooded.stdout)![1];
  t.regex(readFileSync(path.join(dir, "summary.md"), "utf8"), /^> \*\*DRIVER-BOUND: /m, "and the summary");
});
