import { writeFileSync } from "node:fs";
import path from "node:path";
import { EXIT } from "../infra/errors.js";
import type { Settings } from "../infra/settings.js";
import { clientMatrixRows, renderClientMatrixHtml, renderClientMatrixMarkdown, renderClientMatrixText } from "../report/client-matrix.js";
import { Progress } from "../report/progress.js";
import { runSuite, type SuiteRunOptions } from "../run/suite-run.js";
import type { ClientProfile } from "../scenario/client-profiles.js";
import type { Scenario } from "../scenario/schema.js";
import { interruptSignal } from "./interrupt.js";
import { printSuite } from "./suite.js";
import { recordRuns } from "./record-runs.js";

export interface ClientMatrixResult {
  dir: string;
  files: { markdown: string; html: string; json: string };
  exitCode: number;
}

/**
 * `run <scenario> --clients a,b,…`: the scenario once per client profile (each already applied, and validated, by the
 * caller), one report each in one folder, then the profiles side by side (client-matrix.md/.html/.json). The matrix
 * is rewritten after every run, so one stopped half-way still shows what it measured.
 *
 * Exit code: 0 when every run completed, 3 when a run could not finish, 4 a bug of the harness, 130 interrupted. Never
 * 1 for a budget: the scenario's budgets were written for the client it describes, and a profile that misses one is
 * what the matrix found (its "against the scenario's budgets" column says which), not a broken build.
 */
export async function runClientMatrix(
  scenario: string,
  runs: Array<{ profile: ClientProfile; scenario: Scenario }>,
  o: { settings: Settings; quiet?: boolean; repeats?: number; signal?: AbortSignal; runOne?: SuiteRunOptions["runOne"]; admit?: SuiteRunOptions["admit"] },
): Promise<ClientMatrixResult> {
  const progress = new Progress(process.stderr, o.quiet);
  const profiles = runs.map((r) => r.profile);
  let dir = "";
  const files = () => ({
    markdown: path.join(dir, "client-matrix.md"),
    html: path.join(dir, "client-matrix.html"),
    json: path.join(dir, "client-matrix.json"),
  });
  const suite = await runSuite(
    runs.map((r) => r.scenario),
    {
      settings: o.settings,
      progress,
      signal: o.signal ?? interruptSignal(),
      repeats: o.repeats ?? 1,
      title: `clients-${scenario}`,
      runOne: o.runOne,
      admit: o.admit,
      onRun: (s) => {
        dir = s.dir;
        const rows = clientMatrixRows(s.entries, s.dir);
        writeFileSync(files().markdown, renderClientMatrixMarkdown(scenario, rows, profiles));
        writeFileSync(files().html, renderClientMatrixHtml(scenario, rows, profiles));
        writeFileSync(files().json, JSON.stringify({ scenario, profiles, rows }, null, 2));
      },
    },
  );
  dir = suite.dir;
  await recordRuns([suite.dir]);
  printSuite(suite);
  const rows = clientMatrixRows(suite.entries, suite.dir);
  process.stdout.write(`\nclient matrix: ${scenario}\n${renderClientMatrixText(rows)}matrix: ${files().html}\n        ${files().markdown}\n`);
  return { dir, files: files(), exitCode: suite.exitCode === EXIT.budgetFailed ? EXIT.pass : suite.exitCode };
}
