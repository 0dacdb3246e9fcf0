import test from "ava";
import * as hdr from "hdr-histogram-js";
import { PhaseClock } from "../../harness/check/phases.js";
import { Recorder } from "../../harness/measure/recorder.js";
import { hdrIntervalLog } from "../../harness/report/hdr-log.js";
import { renderJUnit } from "../../harness/report/junit.js";
import type { RunReport } from "../../harness/report/types.js";

test("the HdrHistogram interval log holds one histogram per second and tag, readable by HdrHistogram's reader", (t) => {
  const r = new Recorder(new PhaseClock());
  for (let i = 0; i < 300; i++) r.record({ kind: "write", intendedMs: i * 10, sentMs: i * 10 + 0.1, doneMs: i * 10 + (i === 150 ? 250 : 0.5) });
  const log = hdrIntervalLog(r, 1_700_000_000_000);
  t.regex(log, /#\[StartTime: 1700000000/);
  const reader = new hdr.HistogramLogReader(log);
  const read: Array<{ tag: string; count: number; max: number }> = [];
  for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) read.push({ tag: h.tag, count: h.totalCount, max: h.maxValue });
  t.is(read.length, 6, "3 seconds x (latency, service)");
  t.deepEqual(read.filter((x) => x.tag === "latency").map((x) => x.count), [100, 100, 100]);
  t.true(read.some((x) => x.tag === "latency" && Math.abs(x.max - 250_000) / 250_000 < 0.001), "the 250 ms stall survives the round trip");
});

const run = (name: string, pass: boolean, status: RunReport["status"] = "completed") =>
  ({
    scenario: { name, topology: { kind: "sentinel" } },
    status,
    problem: status === "completed" ? undefined : "no Docker engine",
    startedAt: "2026-11-25T10:00:00.000Z",
    finishedAt: "2026-11-25T10:00:30.500Z",
    verdict: {
      pass,
      failures: pass ? [] : ["RTO: budget ≤ 5000 ms, measured 7400 ms"],
      checks: [{ name: "RTO", budget: 5000, measured: pass ? 1200 : 7400, unit: "ms", pass }],
    },
  }) as unknown as RunReport;

test("JUnit: one test case per scenario; a broken budget is a failure naming budget and measurement; a run that could not finish is an error", (t) => {
  const xml = renderJUnit("sentinel", [run("a", true), run("b<&>", false), run("c", false, "failed")]);
  t.regex(xml, /<testsuite name="sentinel" tests="3" failures="1" errors="1">/);
  t.regex(xml, /<testcase classname="sentinel" name="a" time="30.500">\n    <system-out>/);
  t.regex(xml, /name="b&lt;&amp;&gt;"[^]*<failure message="RTO: budget ≤ 5000 ms, measured 7400 ms">/);
  t.regex(xml, /<error message="run failed: no Docker engine">/);
});

test("JUnit: a run that left no report at all is still a test case, in error", (t) => {
  const xml = renderJUnit("tour", [run("a", true)], [{ name: "b", error: "TypeError: boom" }]);
  t.regex(xml, /tests="2" failures="0" errors="1"/);
  t.regex(xml, /<testcase classname="tour" name="b" time="0">\n    <error message="TypeError: boom">/);
});
