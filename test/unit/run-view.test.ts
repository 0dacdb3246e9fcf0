import test from "ava";
import { availability } from "../../harness/check/availability.js";
import { formatUs } from "../../harness/infra/units.js";
import { renderHtml } from "../../harness/report/html.js";
import { renderMarkdown } from "../../harness/report/markdown.js";
import { recoveryCaption, rtoBeside, runView } from "../../harness/report/run-view.js";
import { renderTerminal } from "../../harness/report/terminal.js";
import { FIXTURES, syntheticReport } from "../helpers/synthetic-run.js";

// One view model, three renderers: every value is formatted once (harness/report/run-view.ts), so Markdown, HTML and
// the terminal show the same text for the same number.

const bgsave = () => syntheticReport(FIXTURES["report-standalone-bgsave.json"]);

test("every renderer shows the same formatted values: P99 per phase, the budget beside it, the fault's measurements", (t) => {
  const r = bgsave();
  const p99 = formatUs(r.phases.fault.latency.p99Us);
  const md = renderMarkdown(r);
  const html = renderHtml(r);
  const term = renderTerminal(r);
  for (const [name, text] of [
    ["markdown", md],
    ["html", html],
    ["terminal", term],
  ] as const) {
    t.true(text.includes(p99), `${name} shows P99 of the fault phase as ${p99}`);
    t.true(text.includes("16.8 ms"), `${name} shows the fork time the BGSAVE measured`);
    t.true(text.includes("≤ 100 ms ✓"), `${name} shows the fault phase's P99 budget beside it`);
  }
  t.regex(md, /^# standalone-bgsave: \*\*PASS\*\*$/m);
  t.regex(term, /^PASS standalone-bgsave$/m);
});

test("the view has the sections a reader looks for, in order; an app section only when there is an app tier", (t) => {
  t.deepEqual(
    runView(bgsave()).sections.map((s) => s.id),
    ["budgets", "latency", "availability", "data", "faults", "instrument", "environment"],
  );
  t.deepEqual(
    runView(syntheticReport(FIXTURES["report-tour-sentinel-app.json"])).sections.map((s) => s.id),
    ["budgets", "latency", "availability", "data", "app", "faults", "nodes", "instrument", "environment"],
  );
});

test("a broken budget is named with its measurement in every view, and a run that failed says why", (t) => {
  const r = syntheticReport({ ...FIXTURES["report-standalone-bgsave.json"], budgets: { p99Ms: { fault: 1 } } });
  const line = `p99 fault: budget ≤ 1 ms, measured ${formatUs(r.phases.fault.latency.p99Us)}`;
  t.true(renderMarkdown(r).includes(`- FAILED ${line}`));
  t.true(renderTerminal(r).includes(`  broken: ${line}`));
  t.true(renderHtml(r).includes(`<li>${line}</li>`));
  const failed = syntheticReport({
    ...FIXTURES["report-standalone-bgsave.json"],
    status: "failed",
    problem: "fault failed: bgsave: BGSAVE ended with status err",
  });
  t.regex(renderMarkdown(failed), /^# standalone-bgsave: \*\*FAILED\*\*\n\n[^]*> fault failed: bgsave: BGSAVE ended with status err/m);
  t.regex(renderTerminal(failed), /^FAILED standalone-bgsave\n  broken: run failed: fault failed/m);
});

test("a budget under the run's own floor is shown as inconclusive in every view, never as broken or kept", (t) => {
  // The synthetic baseline's floor is 0.234 ms: its P99 of 0.568 ms breaks a 0.5 ms budget by less, so it cannot be judged.
  const r = syntheticReport({ ...FIXTURES["report-standalone-bgsave.json"], budgets: { p99Ms: { baseline: 0.5 } } });
  t.true(r.verdict.pass);
  t.deepEqual(r.verdict.failures, []);
  t.is(r.verdict.inconclusive.length, 1);
  const line = r.verdict.inconclusive[0];
  t.regex(line, /^p99 baseline: budget ≤ 0\.5 ms, measured .* within this phase's instrument floor of 0\.234 ms/);
  const md = renderMarkdown(r);
  t.true(md.includes(`- INCONCLUSIVE ${line}`));
  t.true(md.includes("≤ 0.5 ms ? inconclusive"));
  t.true(renderTerminal(r).includes(`  inconclusive: ${line}`));
  const html = renderHtml(r);
  t.true(html.includes("data-inconclusive"));
  t.true(html.includes('class="budget inconclusive"'));
  t.false(html.includes("budgets kept"), "the header does not claim every budget was kept");
  t.regex(md, /^# standalone-bgsave: \*\*INCONCLUSIVE\*\*$/m);
  t.regex(renderTerminal(r), /^INCONCLUSIVE standalone-bgsave$/m);
});

test("every view states the instrument's calibrated floor; a driver that fell behind marks the run DRIVER-BOUND everywhere, and one that kept up does not", (t) => {
  const kept = bgsave();
  t.is(kept.instrument.driverBound, null);
  t.is(kept.verdict.driverBound, undefined);
  const floor = `through the fault layer P50 ${formatUs(kept.instrument.calibration!.faultLayer.p50Us)}, P99 ${formatUs(kept.instrument.calibration!.faultLayer.p99Us)}`;
  for (const text of [renderMarkdown(kept), renderHtml(kept)]) {
    t.true(text.includes(floor), "the floor through the fault layer is shown");
    t.false(text.includes("DRIVER-BOUND"));
  }

  const late = syntheticReport({ ...FIXTURES["report-standalone-bgsave.json"], driverLagMs: 3 });
  t.truthy(late.instrument.driverBound);
  t.deepEqual(late.verdict.driverBound, late.instrument.driverBound!.reasons);
  t.regex(late.verdict.driverBound!.join("; "), /schedule lag P99 3\.\d\d ms/);
  t.regex(late.verdict.driverBound!.join("; "), /event loop was over 90% busy for \d+ s/);
  t.regex(renderMarkdown(late), /^> \*\*DRIVER-BOUND: schedule lag P99/m);
  t.regex(renderTerminal(late), /^ {2}DRIVER-BOUND: schedule lag P99/m);
  t.regex(renderHtml(late), /<p class="driver-bound" data-driver-bound>DRIVER-BOUND: schedule lag P99/);
});

test("a cluster's RTO far longer than its longest run of failed writes is explained in one sentence beside them, from the run's numbers", (t) => {
  // One shard of three down for 6 s: every third write fails, the others succeed between them. The real checker.
  const r = structuredClone(syntheticReport(FIXTURES["report-cluster-master-kill.json"]));
  const n = 30_000;
  const tMs = Float64Array.from({ length: n }, (_, i) => i);
  const ok = Uint8Array.from({ length: n }, (_, i) => (i >= 8000 && i < 14_000 && i % 3 === 0 ? 0 : 1));
  r.availability = availability({ writes: { t: tMs, ok, latencyMs: new Float64Array(n) }, faultStarts: [8000], endMs: n, objectiveMs: 1000 });
  r.perSecond = r.perSecond.map((s) =>
    s.second >= 8 && s.second < 14 ? { ...s, ok: s.ops - Math.floor(s.ops / 3), errors: Math.floor(s.ops / 3) } : { ...s, ok: s.ops, errors: 0 },
  );
  t.is(r.availability.rtoMs, 6000);
  t.is(r.availability.longestFailedRun!.durationMs, 0, "never two failures in a row");
  const sentence = rtoBeside(r)!;
  t.is(
    sentence,
    "Why the RTO (6,000 ms) is longer than the longest run of failed writes (0 ms): between 8 s and 14 s, 33% of operations failed, mixed with ones that succeeded (the shards still up kept answering); the RTO lasts until 99% of the writes in every 1-second stretch succeed, while a run of failed writes ends at the first write that succeeds.",
  );
  const html = renderHtml(r);
  t.regex(
    html,
    /<section class="availability"[^]*?<dt>RTO<\/dt>[^]*?<dt>longest run of failed writes<\/dt>[^]*?<\/dl><\/div><div class="block"><p class="note">What the RTO measured here: [^<]*<\/p><p class="note">Why the RTO \(6,000 ms\)/,
  );
  t.true(renderMarkdown(r).includes(sentence), "the Markdown summary says it too");
  // A Sentinel failover fails every write until the switch: the two numbers agree and need no sentence.
  const s = syntheticReport(FIXTURES["report-sentinel-master-kill.json"]);
  t.true(s.availability.longestFailedRun!.durationMs > s.availability.rtoMs! / 2);
  t.is(rtoBeside(s), undefined);
});

test("what the RTO measured: the fault, and a failover (a replica promoted) or none, once the fault healed, from the run's own timeline", (t) => {
  t.is(
    recoveryCaption(syntheticReport(FIXTURES["report-sentinel-master-kill.json"])),
    "kill on redis-0 (the primary): recovered by a failover to redis-1 (switched at +3.4 s); writes back at +3.5 s",
  );
  t.regex(
    recoveryCaption(syntheticReport(FIXTURES["report-cluster-master-kill.json"]))!,
    /^kill on redis-0 \(the primary\): recovered by a failover to redis-3 \(switched at \+3\.6 s\); writes back at \+6\.0 s$/,
  );
  // Plain replication: nothing promotes; writes come back when the killed master is started again.
  const repl = syntheticReport({
    name: "replication-master-kill",
    topology: "replication",
    fault: { kind: "kill", atS: 8, forS: 5 },
    outage: { fromS: 8, toS: 13.6, error: "connection" },
  });
  t.false(repl.timeline.some((e) => e.kind === "role-change"));
  t.regex(
    recoveryCaption(repl)!,
    /^kill on redis-0 \(the primary\): no failover; the same primary took writes again at \+5\.\d s, after the kill was healed at \+5\.0 s$/,
  );
  t.is(recoveryCaption(bgsave()), "bgsave on redis-0: writes never stopped");
  t.is(recoveryCaption(syntheticReport({ name: "quiet", topology: "standalone", durationS: 10 })), undefined, "no fault, nothing to say");
});
