import { writeFileSync } from "node:fs";
import path from "node:path";
import { EXIT, HarnessError } from "../infra/errors.js";
import { exitCodeOf, verdictWord } from "../report/outcome.js";
import type { Settings } from "../infra/settings.js";
import { renderIndexHtml, renderIndexMarkdown, type IndexEntry } from "../report/index-page.js";
import { renderJUnit } from "../report/junit.js";
import { Progress } from "../report/progress.js";
import { newReportDir } from "../report/write.js";
import { runScenario, type RunResult } from "./run.js";
import type { Scenario } from "../scenario/schema.js";

export interface SuiteRunOptions {
  settings: Settings;
  progress: Progress;
  signal: AbortSignal;
  /** Where the suite's folder goes (default: the settings' reports folder). */
  root?: string;
  /** Runs of each scenario (for comparisons that must tell a change from noise). */
  repeats?: number;
  title: string;
  /** Called after every run with the suite so far: a caller's own summary (a client matrix) kept up to date as the index is. */
  onRun?: (s: { dir: string; entries: IndexEntry[] }) => void;
}

export interface SuiteRun {
  dir: string;
  entries: IndexEntry[];
  /** 0 all passed, 1 a budget broke, 3 a run could not finish, 130 interrupted: the worst of the runs. */
  exitCode: number;
}

/**
 * Runs scenarios one after another into one folder (reports/<time>-<title>/), each run in a folder of its own, and
 * keeps an index (index.html, index.md) and a combined junit.xml up to date after every run, so a suite stopped half-way
 * still shows what it measured. A run that fails is recorded and the suite goes on; an interruption stops it.
 */
export async function runSuite(scenarios: Scenario[], o: SuiteRunOptions): Promise<SuiteRun> {
  const dir = newReportDir(o.root ?? o.settings.reportsDir, o.title);
  const repeats = o.repeats ?? 1;
  const entries: IndexEntry[] = [];
  const total = scenarios.length * repeats;
  let exitCode = 0;
  const writeIndex = () => {
    writeFileSync(path.join(dir, "index.html"), renderIndexHtml(o.title, dir, entries));
    writeFileSync(path.join(dir, "index.md"), renderIndexMarkdown(o.title, dir, entries));
    const reports = entries.flatMap((e) => (e.report ? [e.report] : []));
    const unreported = entries.flatMap((e) => (e.report ? [] : [{ name: e.scenario.name, error: e.error ?? "no report" }]));
    writeFileSync(path.join(dir, "junit.xml"), renderJUnit(o.title, reports, unreported));
  };
  o.progress.step(`${o.title}: ${total} run${total > 1 ? "s" : ""}, results in ${dir}`);
  for (let rep = 1; rep <= repeats && !o.signal.aborted; rep++) {
    for (const scenario of scenarios) {
      if (o.signal.aborted) break;
      o.progress.step(`── ${entries.length + 1}/${total}: ${scenario.name}${repeats > 1 ? ` (repeat ${rep})` : ""}`);
      // A run that failed is recorded with what it measured and the suite goes on; only an interruption stops it. A run
      // that could not even build its report (a harness bug) is an entry with the error.
      let result: RunResult | undefined;
      let failure: unknown;
      try {
        result = await runScenario(scenario, { settings: { ...o.settings, reportsDir: dir }, progress: o.progress, signal: o.signal });
        failure = result.failure;
      } catch (err) {
        failure = err;
      }
      const error = failure === undefined ? undefined : failure instanceof Error ? failure.message : String(failure);
      entries.push({ scenario, ...(result ? { report: result.report, dir: result.files.dir } : {}), ...(error ? { error } : {}) });
      const code = failure === undefined ? exitCodeOf(result!.report) : failure instanceof HarnessError ? failure.exitCode : EXIT.internal;
      exitCode = worst(exitCode, code);
      o.progress.step(`${scenario.name}: ${error ? `ERROR ${error.split("\n")[0]}` : verdictWord(result!.report)}`);
      writeIndex();
      o.onRun?.({ dir, entries });
    }
  }
  if (o.signal.aborted) exitCode = EXIT.interrupted;
  writeIndex();
  return { dir, entries, exitCode };
}

/** Which exit code wins when runs end differently: interrupted, then harness bug, environment, budget, pass. */
function worst(a: number, b: number): number {
  const rank = (c: number) => [EXIT.pass, EXIT.budgetFailed, EXIT.badInput, EXIT.environment, EXIT.internal, EXIT.interrupted].indexOf(c as never);
  return rank(b) > rank(a) ? b : a;
}
