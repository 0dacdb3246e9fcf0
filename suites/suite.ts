import test, { registerCompletionHandler, type ExecutionContext } from "ava";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describeCheck } from "../harness/check/verdict.js";
import { renderJUnit } from "../harness/report/junit.js";
import type { RunReport } from "../harness/report/types.js";
import { loadSettings } from "../harness/infra/settings.js";
import { Progress } from "../harness/report/progress.js";
import { runScenario, type RunResult } from "../harness/run/run.js";
import { readScenarioSources, validateScenario } from "../harness/scenario/load.js";

// Once ava has run every test of the file and its hooks, the worker's work is done (reports and JUnit are on disk):
// exit, as the command line does, rather than wait on a handle a client library may keep (a CI run once saw a suite
// worker that did not exit after all its tests had passed). What was still alive is printed, to find it if it recurs.
registerCompletionHandler(() => {
  const alive = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap" && r !== "PipeWrap");
  if (alive.length) process.stderr.write(`[suite] still alive at the end: ${alive.join(", ")}\n`);
  process.exit();
});

export type Extra = (t: ExecutionContext, run: RunResult) => void | Promise<void>;

/**
 * Registers one test per scenario of suites/<file>: it runs the scenario and fails, naming the budget and the measured
 * value, when a budget broke. `extra` adds what a scenario's own claim needs beyond its budgets: every scenario has one
 * (budgets alone are loose: a pause "longer than the failure detection" passes its RTO budget even if nothing failed
 * over), and a scenario without one is refused.
 */
export function suite(file: string, extra: Record<string, Extra> = {}, opts: { exportHistory?: string[]; pinnedBy?: Record<string, string> } = {}): void {
  // A scenario another test runs and pins (the upgrade command runs the sentinel roll) is not run twice: that test
  // must exist and name it.
  const pinnedElsewhere = (name: string) => {
    const by = opts.pinnedBy?.[name];
    if (by && !readFileSync(by, "utf8").includes(name)) throw new Error(`${file}: ${name} is said to be pinned by ${by}, which does not name it`);
    return by !== undefined;
  };
  const scenarios = readScenarioSources()
    .filter((s) => s.file.endsWith(`/${file}`))
    .map((s) => validateScenario(s.input, s.file))
    .filter((s) => !pinnedElsewhere(s.name));
  for (const name of Object.keys(extra)) if (!scenarios.some((s) => s.name === name)) throw new Error(`${file} has no scenario ${name}`);
  for (const s of scenarios) if (!extra[s.name]) throw new Error(`${file}: scenario ${s.name} has no claim beyond its budgets; add one to its suite test`);
  const reportsDir = process.env.REPORTS_DIR ?? "reports/suites";
  const runs: RunReport[] = [];
  // One JUnit file per suite, one test case per scenario, for CI to read.
  test.after.always(() => {
    mkdirSync(reportsDir, { recursive: true });
    writeFileSync(path.join(reportsDir, `junit-${path.basename(file, ".json")}.xml`), renderJUnit(path.basename(file, ".json"), runs));
  });
  for (const scenario of scenarios) {
    test.serial(`${scenario.name}: ${scenario.description}`, async (t) => {
      const run = await runScenario(scenario, {
        settings: { ...loadSettings(), reportsDir },
        progress: new Progress(process.stderr, true),
        exportHistory: opts.exportHistory?.includes(scenario.name),
      });
      const { report, files } = run;
      runs.push(report);
      t.log(`report: ${files.markdown}`);
      for (const c of report.verdict.checks)
        t.log(`${c.pass ? "ok  " : c.inconclusive ? "????" : "FAIL"} ${describeCheck(c)}${c.inconclusive ? ` (inconclusive: ${c.inconclusive})` : ""}`);
      t.is(run.failure, undefined, String((run.failure as Error)?.stack ?? ""));
      t.is(report.status, "completed", report.problem);
      t.true(report.verdict.checks.length > 0, "a scenario in a suite declares budgets");
      t.deepEqual(report.verdict.failures, []);
      await extra[scenario.name]?.(t, run);
    });
  }
}
