import test from "ava";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeReport } from "../../harness/report/write.js";
import * as hdr from "hdr-histogram-js";
import { PhaseClock } from "../../harness/measure/phases.js";
import { Recorder } from "../../harness/measure/recorder.js";
import { hdrIntervalLog } from "../../harness/report/hdr-log.js";
import { renderJUnit } from "../../harness/report/junit.js";
import type { RunReport } from "../../harness/report/types.js";
import { FIXTURES, syntheticReport } from "../helpers/synthetic-run.js";

test("the HdrHistogram interval log holds one histogram per second and tag, readable by HdrHistogram's reader", (t) => {
  const r = new Recorder(new PhaseClock());
  for (let i = 0; i < 300; i++) r.record({ kind: "write", intendedMs: i * 10, sentMs: i * 10 + 0.1, doneMs: i * 10 + (i === 150 ? 250 : 0.5) });
  const log = hdrIntervalLog(r, 1_700_000_000_000);
  t.regex(log, /#\[StartTime: 1700000000/);
  const reader = new hdr.HistogramLogReader(log);
  const read: Array<{ tag: string; count: number; max: number }> = [];
  for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) read.push({ tag: h.tag, count: h.totalCount, max: h.maxValue });
  t.is(read.length, 6, "3 seconds x (latency, service)");
  t.deepEqual(
    read.filter((x) => x.tag === "latency").map((x) => x.count),
    [100, 100, 100],
  );
  t.true(
    read.some((x) => x.tag === "latency" && Math.abs(x.max - 250_000) / 250_000 < 0.001),
    "the 250 ms stall survives the round trip",
  );
});

const spec = FIXTURES["report-sentinel-master-kill.json"];
const named = (r: RunReport, name: string) => ({ ...r, scenario: { ...r.scenario, name } });

test("JUnit: one test case per scenario; a broken budget is a failure naming budget and measurement; a run that could not finish is an error; an inconclusive one is skipped", (t) => {
  const pass = named(syntheticReport(spec), "a");
  const broken = named(syntheticReport({ ...spec, budgets: { rtoMs: 1000 } }), "b<&>");
  const failed = named(syntheticReport({ ...spec, status: "failed", problem: "no Docker engine" }), "c");
  // The synthetic baseline's floor is 0.234 ms (twice its lag, plus the calibrated round trip's median of 0.214 ms): its
  // P99 of 0.569 ms breaks a 0.5 ms budget by less than that, so the budget cannot be judged.
  const open = named(syntheticReport({ ...spec, budgets: { p99Ms: { baseline: 0.5 } } }), "d");
  const xml = renderJUnit("sentinel", [pass, broken, failed, open]);
  t.regex(xml, /<testsuite name="sentinel" tests="4" failures="1" errors="1" skipped="1">/);
  t.regex(
    xml,
    /name="d"[^]*<skipped message="inconclusive: p99 baseline: budget ≤ 0\.5 ms, measured [^"]*within this phase&#39;s instrument floor of 0\.234 ms/,
  );
  t.regex(xml, /<testcase classname="sentinel" name="a" time="44.000">\n    <system-out>/);
  t.regex(xml, /name="b&lt;&amp;&gt;"[^]*<failure message="RTO: budget ≤ 1,000 ms, measured 3,500 ms">/);
  t.regex(xml, /<error message="run failed: no Docker engine">/);
});

test("JUnit: a run that left no report at all is still a test case, in error", (t) => {
  const xml = renderJUnit("tour", [named(syntheticReport(spec), "a")], [{ name: "b", error: "TypeError: boom" }]);
  t.regex(xml, /tests="2" failures="0" errors="1" skipped="0"/);
  t.regex(xml, /<testcase classname="tour" name="b" time="0">\n    <error message="TypeError: boom">/);
});

test("every view is written after the JSON, and one that fails costs no other", (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "report-files-"));
  const files = writeReport(dir, syntheticReport(spec), () => {
    throw new Error("the log broke");
  });
  for (const f of [files.json, files.markdown, files.html, files.junit]) t.true(existsSync(f), path.basename(f));
  t.false(existsSync(files.hdrLog));
  t.is(files.problems.length, 1);
  t.regex(readFileSync(path.join(dir, "render-errors.txt"), "utf8"), /latency\.hlog could not be written[^]*the log broke/);
});
