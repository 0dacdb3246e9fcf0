import test from "ava";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadSettings } from "../../harness/infra/settings.js";
import { Progress } from "../../harness/report/progress.js";
import type { Scenario } from "../../harness/scenario/schema.js";
import {
  maxRateAtSlo,
  runThroughputStudy,
  stepOf,
  stopAfter,
  throughputScenario,
  type ThroughputStep,
  type ThroughputStudy,
} from "../../harness/study/throughput-study.js";
import { throughputStudyView } from "../../harness/study/throughput-study-view.js";
import { studyMarkdown } from "../../harness/study/study-page.js";
import { syntheticReport } from "../helpers/synthetic-run.js";

// The latency–throughput study: what a step's run gives, when stepping stops, and which rate is the answer.

const step = (targetRate: number, extra: Partial<ThroughputStep> = {}): ThroughputStep => ({
  targetRate,
  achievedRate: targetRate,
  p50Ms: 0.5,
  p99Ms: 1.2,
  p999Ms: 3,
  errorRate: 0,
  driverBound: false,
  meetsSlo: true,
  floorP99Ms: 0.4,
  run: `reports/x/${targetRate}`,
  ...extra,
});

test("a step is a fresh topology of the kind under the lean engine's open loop at the step's rate, measured after a warm-up", (t) => {
  const s = throughputScenario("cluster", 3375, 15, 0.8);
  t.is(s.topology.kind, "cluster");
  t.is(s.workload.engine, "lean");
  t.is(s.workload.mode, "open-loop");
  t.is(s.workload.rate, 3375);
  t.is(s.workload.readRatio, 0.8);
  t.is(s.workload.duration - s.workload.warmup, 15);
  t.deepEqual(s.faults, []);
});

test("a run's report gives the step: achieved rate after the warm-up, percentiles, driver-bound from the instrument's self-check", (t) => {
  const report = syntheticReport({ name: "study-step", topology: "standalone", rate: 400, durationS: 12, warmupS: 2 });
  const st = stepOf(report, "reports/s1", 2);
  if ("reason" in st) return t.fail(st.reason);
  t.is(st.targetRate, 400);
  t.true(Math.abs(st.achievedRate - 400) <= 8, `${st.achievedRate} ops/s achieved of 400`);
  t.is(st.p99Ms, report.phases.baseline.latency.p99Us / 1000);
  t.false(st.driverBound);
  const lagging = stepOf(syntheticReport({ name: "study-step", topology: "standalone", rate: 400, durationS: 12, driverLagMs: 5 }), "reports/s2", 1000);
  if ("reason" in lagging) return t.fail(lagging.reason);
  t.true(lagging.driverBound);
  t.regex(lagging.driverBoundWhy!, /schedule lag P99/);
  t.deepEqual(stepOf({ ...report, status: "failed", problem: "no Docker engine answered" }, "x", 2), { reason: "the run failed: no Docker engine answered" });
});

test("stepping stops at the first step that fails operations, breaks the P99 objective, or is driver-bound without proving it met; not before", (t) => {
  t.is(stopAfter(step(1000), 2), null);
  t.is(stopAfter(step(1000, { p99Ms: 2.5, meetsSlo: false }), 2)!.by, "slo");
  const floor = stopAfter(step(1000, { p99Ms: 2.5, meetsSlo: false, floorP99Ms: 2.2 }), 2)!;
  t.is(floor.by, "floor", "a break the instrument's own floor explains is not the topology's");
  t.regex(floor.why, /the instrument's own P99 floor there was 2\.2 ms: the objective is below what this harness resolves/);
  t.is(stopAfter(step(1000, { errorRate: 0.01, meetsSlo: false }), 2)!.by, "errors");
  const d = stopAfter(step(1000, { driverBound: true, driverBoundWhy: "schedule lag P99 3 ms", p99Ms: 3.4, meetsSlo: false }), 2)!;
  t.is(d.by, "driver", "the break may be the driver's lag: nothing is known of the topology there");
  t.regex(d.why, /the driver was the bottleneck at 1,000 ops\/s \(schedule lag P99 3 ms\): the rates beyond are the driver's limit, not the topology's/);
});

test("a step that would stop the study is repeated once at the same rate: a one-off stall goes on, a confirmed one stops", async (t) => {
  // The driver lags at 1,500 ops/s on the first try only, and at 3,375 ops/s every time.
  const tries = new Map<number, number>();
  const runStep = async (sc: Scenario) => {
    const rate = sc.workload.rate;
    tries.set(rate, (tries.get(rate) ?? 0) + 1);
    const lag = (rate === 1500 && tries.get(rate) === 1) || rate >= 3375 ? 5 : 0;
    return {
      report: syntheticReport({ name: sc.name, topology: "standalone", rate, durationS: 12, ...(lag ? { driverLagMs: lag } : {}) }),
      files: { dir: `reports/${rate}-${tries.get(rate)}` },
    };
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), "throughput-"));
  const s = await runThroughputStudy({
    topology: "standalone",
    sloP99Ms: 4,
    startRate: 1000,
    maxRate: 10_000,
    stepSeconds: 10,
    readRatio: 0.5,
    settings: loadSettings(),
    progress: new Progress(process.stderr, true),
    signal: new AbortController().signal,
    dir,
    runStep,
  });
  t.deepEqual(
    s.steps.map((st) => [st.targetRate, st.driverBound, st.repeated ?? false]),
    [
      [1000, false, false],
      [1500, true, true],
      [1500, false, false],
      [2250, false, false],
      [3375, true, true],
      [3375, true, false],
    ],
  );
  t.is(s.stoppedBy, "driver");
  t.is(s.maxRateAtSlo, s.steps[3].achievedRate, "the highest step the driver kept up with");
});

test("the answer is the highest achieved rate whose step proved the objective met; a driver-bound step proves it only if its P99, lag included, met it at the asked rate", (t) => {
  const steps = [
    step(1000),
    step(1500, { achievedRate: 1490 }),
    step(2250, { achievedRate: 2240, driverBound: true }),
    step(3375, { p99Ms: 9, meetsSlo: false }),
  ];
  t.is(maxRateAtSlo(steps), 2240, "latency counts from the intended start: the driver's lag only adds to it");
  t.is(stopAfter(steps[2], 2), null, "and the study goes on past it");
  const shortOfPace = step(2250, { achievedRate: 2100, driverBound: true, driverBoundWhy: "event loop saturated" });
  t.is(maxRateAtSlo([step(1000), shortOfPace]), 1000, "a driver that fell short of the rate asked measured its own ceiling");
  t.is(stopAfter(shortOfPace, 2)!.by, "driver");
  t.is(maxRateAtSlo([step(1000, { meetsSlo: false, p99Ms: 4 })]), null);
});

test("the view: the answer first, every step in the table, the knee plot with the objective and the driver-bound steps marked", (t) => {
  const s: ThroughputStudy = {
    kind: "throughput",
    topology: "standalone",
    sloP99Ms: 2,
    readRatio: 0.5,
    stepSeconds: 15,
    steps: [step(1000), step(1500, { achievedRate: 1490 }), step(2250, { achievedRate: 2100, driverBound: true, driverBoundWhy: "schedule lag P99 1.5 ms" })],
    maxRateAtSlo: 1490,
    stoppedBy: "driver",
    stopped: "the driver was the bottleneck",
  };
  const v = throughputStudyView(s);
  const md = studyMarkdown(v);
  t.regex(md, /Highest rate at P99 ≤ 2 ms: 1,490 ops\/s\. The driver, not the topology, was the limit/);
  t.is((md.match(/reports\/x\//g) ?? []).length, 3, "every step's run named");
  const knee = v.charts.find((c) => c.id === "knee")!;
  t.deepEqual(
    knee.refs.map((r) => [r.axis, r.at]),
    [
      ["y", 2],
      ["x", 1490],
    ],
  );
  t.truthy(knee.series.find((x) => x.label.startsWith("driver-bound")));
});
