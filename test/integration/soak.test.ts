import test from "ava";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { loadSettings } from "../../harness/infra/settings.js";
import { runScenario } from "../../harness/run/run.js";
import { readScenarioSources, validateScenario } from "../../harness/scenario/load.js";
import { runView } from "../../harness/report/run-view.js";

// The soak scenarios (suites/soak.json: two hours, and 20 minutes) are commands (`npm run soak`); here the 20-minute
// one runs for 60 s with one kill, for what a soak relies on beyond its budgets: the harness samples its own memory
// through the load, what its records spilled to the temporary folder is gone when the run ends, and the ledger's
// reused keys are read as the load goes (until the kill; none within 30 s after its heal), the rest after it.

const spillDirs = () => readdirSync(tmpdir()).filter((f) => /^redis-chaos-(oplog|ledger|reads)-/.test(f));

test.serial(
  "sentinel-soak-20m, 60 s with one kill: within budget, the harness's memory sampled through the load, nothing of its records left on disk, the ledger read as the load went",
  async (t) => {
    const source = readScenarioSources().find((s) => s.input.name === "sentinel-soak-20m")!;
    const input = source.input as { workload: Record<string, unknown>; faults: Array<Record<string, unknown>> };
    const scenario = validateScenario({ ...input, workload: { ...input.workload, duration: "60s" }, faults: [{ ...input.faults[0], at: "30s" }] }, source.file);
    const before = spillDirs();
    const { report, failure } = await runScenario(scenario, { settings: loadSettings() });
    if (failure) throw failure;
    t.is(report.status, "completed", report.problem);
    t.true(report.verdict.pass, report.verdict.failures.join("; "));
    const samples = report.harnessMemory!.samples;
    t.true(samples.length >= 12, `${samples.length} samples of the harness's memory, one every 5 s`);
    t.true(samples[0].tMs <= 0 && samples[samples.length - 1].tMs >= report.workload.loadDurationMs, "from before the load to after it");
    t.true(
      samples.every((s) => s.rssBytes > s.heapUsedBytes && s.heapUsedBytes > 0),
      "RSS holds the heap",
    );
    const fact = runView(report)
      .sections.find((s) => s.id === "instrument")!
      .blocks[0].facts!.find(([label]) => label === "harness memory")!;
    t.regex(String(fact[1]), /^RSS \d+ MB at the start, \d+ MB at the end, peak \d+ MB/);
    const readBack = report.timeline.find((e) => e.kind === "read-back")!.detail as { writes: number; present: number; verifiedDuringLoad?: number };
    const d = report.dataLoss!;
    const beforeKill = d.writes * (25 / 60);
    t.true(
      (readBack.verifiedDuringLoad ?? 0) > 0.8 * beforeKill,
      `${readBack.verifiedDuringLoad} of ${readBack.writes} writes read during the load: those settled 5 s before the kill at 30 s`,
    );
    t.is(readBack.present, d.acknowledged - d.lost + d.indeterminate, "every write present is acknowledged and not lost, or indeterminate");
    const data = runView(report).sections.find((s) => s.id === "data")!;
    t.regex(JSON.stringify(data), /read as the load went.*100,000 keys reused/);
    t.deepEqual(
      spillDirs().filter((d) => !before.includes(d)),
      [],
      "no spill folder of this run left",
    );
    t.log(`harness memory: ${fact[1]}; lost ${report.dataLoss?.lost}, RTO ${report.availability.rtoMs} ms`);
  },
);
