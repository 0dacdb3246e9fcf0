import "../harness/infra/preload.js";
import test from "ava";
import { loadSettings } from "../harness/infra/settings.js";
import { Progress } from "../harness/report/progress.js";
import { readScenarioSources, validateScenario } from "../harness/scenario/load.js";
import { runScenario } from "../harness/scenario/run.js";

// Every standalone scenario, as declared in standalone.json, must meet its budgets on this machine.
// Nightly CI runs this file; a broken budget fails the test with the budget and the measured value.
const scenarios = readScenarioSources()
  .filter((s) => s.file.endsWith("standalone.json"))
  .map((s) => validateScenario(s.input, s.file));

for (const scenario of scenarios) {
  test.serial(`${scenario.name}: ${scenario.description}`, async (t) => {
    const { report, files } = await runScenario(scenario, {
      settings: { ...loadSettings(), reportsDir: process.env.REPORTS_DIR ?? "reports/suites" },
      progress: new Progress(process.stderr, true),
    });
    t.log(`report: ${files.markdown}`);
    for (const c of report.verdict.checks) t.log(`${c.pass ? "ok  " : "FAIL"} ${c.name}: measured ${c.measured} (budget ${c.budget})`);
    t.is(report.status, "completed", report.problem);
    t.true(report.verdict.checks.length > 0, "a scenario in a suite declares budgets");
    t.deepEqual(report.verdict.failures, []);
  });
}
