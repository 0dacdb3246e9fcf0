import test from "ava";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EXIT } from "../../harness/infra/errors.js";
import { loadSettings } from "../../harness/infra/settings.js";
import { exitCodeOf } from "../../harness/report/outcome.js";
import { Progress } from "../../harness/report/progress.js";
import type { RunOptions, RunResult } from "../../harness/run/run.js";
import { runColumns, runSuite, type SuiteRun } from "../../harness/run/suite-run.js";
import { loadScenario } from "../../harness/scenario/load.js";
import type { Scenario } from "../../harness/scenario/schema.js";
import { syntheticReport } from "../helpers/synthetic-run.js";

// Suites without Docker: runOne stands in for runScenario, and records which column (the folder it was given) ran which
// scenario, in what order.

const report = syntheticReport({ name: "standalone-bgsave", topology: "standalone", durationS: 20, fault: { kind: "bgsave", atS: 6, forS: 3 } });
const scenarios = [loadScenario("standalone-bgsave"), loadScenario("standalone-baseline")];

interface Call {
  column: string;
  scenario: string;
}

function fakeRuns(onCall?: (n: number) => void) {
  const calls: Call[] = [];
  const runOne = async (scenario: Scenario, o: RunOptions): Promise<RunResult> => {
    calls.push({ column: path.basename(o.settings.reportsDir).replace(/^.*-/, ""), scenario: scenario.name });
    onCall?.(calls.length);
    const dir = path.join(o.settings.reportsDir, `${scenario.name}-${calls.length}`);
    mkdirSync(dir);
    const file = (f: string) => path.join(dir, f);
    return {
      report,
      files: {
        dir,
        json: file("report.json"),
        markdown: file("summary.md"),
        html: file("report.html"),
        junit: file("junit.xml"),
        hdrLog: file("latency.hlog"),
        problems: [],
      },
    };
  };
  return { calls, runOne };
}

function options(runOne: ReturnType<typeof fakeRuns>["runOne"], signal = new AbortController().signal) {
  const lines: string[] = [];
  const out = { isTTY: false, write: (s: string) => lines.push(s) > 0 } as unknown as NodeJS.WriteStream;
  const root = mkdtempSync(path.join(tmpdir(), "suite-run-"));
  return {
    lines,
    o: { settings: { ...loadSettings(), reportsDir: root }, progress: new Progress(out), signal, repeats: 2, root, runOne, admit: async () => {} },
  };
}

/** The run folders an index links to: each a folder of its own column (no "../"). */
const indexLinks = (run: SuiteRun) => [...readFileSync(path.join(run.dir, "index.md"), "utf8").matchAll(/\]\(([^)]*)\/summary\.md\)/g)].map((m) => m[1]);

test("a matrix's columns take turns run by run: per repeat, per scenario, every column (A B A B …), so drift falls on all", async (t) => {
  const { calls, runOne } = fakeRuns();
  const { lines, o } = options(runOne);
  const onRun: string[] = [];
  const columns = ["A", "B"].map((c) => ({ title: `suite-${c}`, label: `image-${c}`, scenarios }));
  const runs = await runColumns(columns, { ...o, onRun: (s) => onRun.push(`${path.basename(s.dir).replace(/^.*-/, "")}:${s.entries.length}`) });
  const [bgsave, baseline] = scenarios.map((s) => s.name);
  const rep = [
    { column: "A", scenario: bgsave },
    { column: "B", scenario: bgsave },
    { column: "A", scenario: baseline },
    { column: "B", scenario: baseline },
  ];
  t.deepEqual(calls, [...rep, ...rep], "repeat 1 then repeat 2; inside each, scenario by scenario, the columns innermost");
  t.deepEqual(onRun, ["A:1", "B:1", "A:2", "B:2", "A:3", "B:3", "A:4", "B:4"], "each column's own summary kept up to date after each of its runs");
  t.true(lines.includes("[harness] ── 2/8: standalone-bgsave on image-B (repeat 1)\n"), "progress names the column of each run");
  t.true(lines.includes("[harness] ── 7/8: standalone-baseline on image-A (repeat 2)\n"));
  for (const [k, run] of runs.entries()) {
    t.regex(path.basename(run.dir), new RegExp(`-suite-${"AB"[k]}$`), "each column in its own folder, named as before: <time>-<title>");
    t.is(run.entries.length, 4);
    t.true(
      run.entries.every((e) => path.dirname(e.dir!) === run.dir),
      "only its own runs",
    );
    t.deepEqual(
      indexLinks(run),
      run.entries.map((e) => path.basename(e.dir!)),
      "its index lists its own four runs, in order",
    );
    t.regex(readFileSync(path.join(run.dir, "junit.xml"), "utf8"), /tests="4"/);
    t.is(run.exitCode, exitCodeOf(report), "the worst of its own runs");
  }
});

test("Ctrl-C in a matrix stops at once: no further run on any column, every column interrupted, each index showing what ran", async (t) => {
  const abort = new AbortController();
  const { calls, runOne } = fakeRuns((n) => n === 3 && abort.abort());
  const { o } = options(runOne, abort.signal);
  const runs = await runColumns(
    ["A", "B"].map((c) => ({ title: `suite-${c}`, scenarios })),
    o,
  );
  t.is(calls.length, 3, "the run under way ends; none starts after it");
  t.deepEqual(
    runs.map((r) => r.exitCode),
    [EXIT.interrupted, EXIT.interrupted],
  );
  t.deepEqual(
    runs.map((r) => indexLinks(r).length),
    [2, 1],
  );
});

test("a suite is the one-column case: repeat by repeat, scenario by scenario, into one folder, progress as before", async (t) => {
  const { calls, runOne } = fakeRuns();
  const { lines, o } = options(runOne);
  const run = await runSuite(scenarios, { ...o, title: "tour" });
  t.deepEqual(
    calls.map((c) => c.scenario),
    [...scenarios, ...scenarios].map((s) => s.name),
  );
  t.regex(path.basename(run.dir), /-tour$/);
  t.is(indexLinks(run).length, 4);
  t.true(lines.includes("[harness] ── 3/4: standalone-bgsave (repeat 2)\n"), "no column named when there is one");
});
