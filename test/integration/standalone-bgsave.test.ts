import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import { getContainerRuntimeClient } from "testcontainers";
import { loadSettings } from "../../harness/infra/settings.js";
import { Progress } from "../../harness/report/progress.js";
import { verdictWord } from "../../harness/report/outcome.js";
import { loadScenario } from "../../harness/scenario/load.js";
import { runScenario } from "../../harness/run/run.js";
import { formatUs } from "../../harness/infra/units.js";
import type { RunReport } from "../../harness/report/types.js";

// A short BGSAVE run on real containers: every number asserted here was read from the server or measured by the
// driver during this run.
test("a short standalone BGSAVE run measures the fork, fills every phase and writes a report that parses", async (t) => {
  const scenario = loadScenario("standalone-bgsave", { duration: "9s", dataset: "256mb", at: "4s" });
  const { report, files } = await runScenario(scenario, {
    settings: { ...loadSettings(), reportsDir: "reports/test" },
    progress: new Progress(process.stderr, true),
  });
  t.is(report.status, "completed", report.problem);

  const fault = report.faults[0];
  if (fault.kind !== "bgsave") return t.fail(`the fault is a ${fault.kind}`);
  t.true(fault.details.forkUs! > 0, "latest_fork_usec read from the server");
  t.true(fault.details.forksAfter! > fault.details.forksBefore!, "total_forks went up");
  t.is(fault.details.bgsaveStatus, "ok");
  t.true(fault.details.usedMemoryBytes! > 256 * 2 ** 20, "the dataset is in memory");
  t.true(
    report.timeline.some((e) => e.kind === "fork"),
    "the sampler saw the fork",
  );

  for (const phase of ["baseline", "fault", "recovery"] as const) {
    const p = report.phases[phase];
    t.true(p.ops > 0 && p.latency.count === p.ops, `${phase} has a non-empty histogram (${p.ops} ops)`);
    t.true(p.latency.p50Us > 0 && p.latency.p99Us >= p.latency.p50Us && p.latency.maxUs >= p.latency.p999Us, phase);
    t.true(p.service.p50Us <= p.latency.p50Us, `${phase}: service time never exceeds latency from intended start`);
  }
  // Node's timers run on a millisecond loop clock, so "at 4 s" may fire a fraction of a millisecond either side.
  t.true(Math.abs(report.phases.fault.fromMs! - 4000) < 200, `the fault took effect on schedule (${report.phases.fault.fromMs} ms)`);
  t.is(report.perSecond.length, 9);
  t.true(report.samples.length > 10, "the INFO sampler ran");
  t.is(report.topology?.server.server, "redis");
  t.regex(report.topology!.server.version, /^\d+\.\d+\.\d+$/);
  t.truthy(report.environment.host?.kernel);
  t.true(report.environment.images.every((i) => i.id.startsWith("sha256:")));

  t.true(existsSync(files.json) && existsSync(files.markdown) && existsSync(files.junit) && existsSync(files.hdrLog));
  t.regex(readFileSync(files.junit, "utf8"), /<testcase classname="standalone" name="standalone-bgsave"/);
  t.is(
    readFileSync(files.hdrLog, "utf8")
      .split("\n")
      .filter((l) => /^\d/.test(l) || l.startsWith("Tag=")).length,
    2 * 9,
    "9 seconds x 2 tags",
  );
  const parsed = JSON.parse(readFileSync(files.json, "utf8")) as RunReport;
  t.is(parsed.phases.fault.ops, report.phases.fault.ops);
  // The summary states this run's verdict and the fork time it measured (not just any verdict word).
  const summary = readFileSync(files.markdown, "utf8");
  t.true(summary.startsWith(`# standalone-bgsave: **${verdictWord(report)}**`), summary.split("\n")[0]);
  t.true(summary.includes(`- fork (latest_fork_usec): ${formatUs(fault.details.forkUs!)}`), "the fork time in the summary is the one measured");

  // Nothing of this run is left running but the reaper (which removes itself once this process exits).
  const runtime = await getContainerRuntimeClient();
  const reaper = loadSettings().ryukImage;
  const left = (await runtime.container.list()).filter((c) => c.Labels["org.testcontainers"] === "true" && c.Image !== reaper);
  t.deepEqual(
    left.map((c) => c.Names),
    [],
  );
});
