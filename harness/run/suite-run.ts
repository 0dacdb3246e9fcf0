import { writeFileSync } from "node:fs";
import path from "node:path";
import { EXIT, HarnessError } from "../infra/errors.js";
import { exitCodeOf, verdictWord } from "../report/outcome.js";
import type { Settings } from "../infra/settings.js";
import { renderIndexHtml, renderIndexMarkdown, type IndexEntry } from "../report/index-page.js";
import { renderJUnit } from "../report/junit.js";
import { Progress } from "../report/progress.js";
import { newReportDir } from "../report/write.js";
import { admitRun } from "./admit.js";
import { runScenario, type RunOptions, type RunResult } from "./run.js";
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
  /** Called after every run with its suite (its column) so far: a caller's own summary (a client matrix) kept up to date as the index is. */
  onRun?: (s: { dir: string; entries: IndexEntry[] }) => void;
  /** What runs one scenario (default runScenario): a test's stand-in runs none. */
  runOne?: (scenario: Scenario, opts: RunOptions) => Promise<RunResult>;
  /** What every scenario must pass before the first run starts (default admitRun: it fits, its images are there). */
  admit?: (scenario: Scenario, settings: Settings) => Promise<unknown>;
}

/** One column of a suite run side by side with others (a matrix's image or security level): its folder's name and its runs. */
export interface SuiteColumn {
  title: string;
  /** What progress calls it (default: its title). */
  label?: string;
  scenarios: Scenario[];
}

export type ColumnsRunOptions = Omit<SuiteRunOptions, "title">;

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
  const [run] = await runColumns([{ title: o.title, scenarios }], o);
  return run;
}

/**
 * Several suites as runSuite runs one, each into its own folder with its own index, but interleaved run by run: for
 * each repeat, for each scenario, one run on every column in turn (A B C A B C …). A slow quarter-hour of a shared host
 * then falls on every column alike instead of reading as one column's regression.
 */
export async function runColumns(columns: SuiteColumn[], o: ColumnsRunOptions): Promise<SuiteRun[]> {
  // A suite that cannot be done right is refused whole, before its folder and its first run: not run by run.
  const admit = o.admit ?? admitRun;
  for (const s of new Set(columns.flatMap((c) => c.scenarios))) await admit(s, o.settings);
  const root = o.root ?? o.settings.reportsDir;
  const runs = columns.map((column) => ({
    column,
    run: { dir: newReportDir(root, column.title), entries: [] as IndexEntry[], exitCode: EXIT.pass as number },
  }));
  await interleave(runs, o);
  for (const { column, run } of runs) {
    if (o.signal.aborted) run.exitCode = EXIT.interrupted;
    writeIndex(column.title, run);
  }
  return runs.map((r) => r.run);
}

/** The runs in their order: repeat, then scenario, then column. Returns at once on Ctrl-C. */
async function interleave(runs: Array<{ column: SuiteColumn; run: SuiteRun }>, o: ColumnsRunOptions): Promise<void> {
  const repeats = o.repeats ?? 1;
  const total = repeats * runs.reduce((n, r) => n + r.column.scenarios.length, 0);
  for (const { column, run } of runs) {
    const n = column.scenarios.length * repeats;
    o.progress.step(`${column.title}: ${n} run${n > 1 ? "s" : ""}, results in ${run.dir}`);
  }
  const longest = Math.max(0, ...runs.map((r) => r.column.scenarios.length));
  let done = 0;
  for (let rep = 1; rep <= repeats; rep++) {
    for (let i = 0; i < longest; i++) {
      for (const { column, run } of runs) {
        if (o.signal.aborted) return;
        const scenario = column.scenarios[i];
        if (!scenario) continue;
        const on = runs.length > 1 ? ` on ${column.label ?? column.title}` : "";
        o.progress.step(`── ${++done}/${total}: ${scenario.name}${on}${repeats > 1 ? ` (repeat ${rep})` : ""}`);
        await runInto(run, scenario, o);
        writeIndex(column.title, run);
        o.onRun?.({ dir: run.dir, entries: run.entries });
      }
    }
  }
}

/**
 * One run into a column: recorded with what it measured whether it passed or failed; only an interruption stops the
 * suite. A run that could not even build its report (a harness bug) is an entry with the error.
 */
async function runInto(run: SuiteRun, scenario: Scenario, o: ColumnsRunOptions): Promise<void> {
  let result: RunResult | undefined;
  let failure: unknown;
  try {
    result = await (o.runOne ?? runScenario)(scenario, { settings: { ...o.settings, reportsDir: run.dir }, progress: o.progress, signal: o.signal });
    failure = result.failure;
  } catch (err) {
    failure = err;
  }
  const error = failure === undefined ? undefined : failure instanceof Error ? failure.message : String(failure);
  run.entries.push({ scenario, ...(result ? { report: result.report, dir: result.files.dir } : {}), ...(error ? { error } : {}) });
  const code = failure === undefined ? exitCodeOf(result!.report, o.settings.inconclusive) : failure instanceof HarnessError ? failure.exitCode : EXIT.internal;
  run.exitCode = worst(run.exitCode, code);
  o.progress.step(`${scenario.name}: ${error ? `ERROR ${error.split("\n")[0]}` : verdictWord(result!.report)}`);
}

function writeIndex(title: string, run: SuiteRun): void {
  writeFileSync(path.join(run.dir, "index.html"), renderIndexHtml(title, run.dir, run.entries));
  writeFileSync(path.join(run.dir, "index.md"), renderIndexMarkdown(title, run.dir, run.entries));
  const reports = run.entries.flatMap((e) => (e.report ? [e.report] : []));
  const unreported = run.entries.flatMap((e) => (e.report ? [] : [{ name: e.scenario.name, error: e.error ?? "no report" }]));
  writeFileSync(path.join(run.dir, "junit.xml"), renderJUnit(title, reports, unreported));
}

/** Which exit code wins when runs end differently: interrupted, then harness bug, environment, budget, pass. */
function worst(a: number, b: number): number {
  const rank = (c: number) => [EXIT.pass, EXIT.budgetFailed, EXIT.badInput, EXIT.environment, EXIT.internal, EXIT.interrupted].indexOf(c as never);
  return rank(b) > rank(a) ? b : a;
}
