import path from "node:path";
import { loadSettings } from "../infra/settings.js";
import { Progress } from "../report/progress.js";
import { runSuite, type SuiteRun } from "../scenario/suite-run.js";
import type { Scenario } from "../scenario/schema.js";
import { interruptSignal } from "./interrupt.js";
import { verdictWord } from "../report/outcome.js";
import { formatMs } from "../scenario/units.js";

/** `suite` and `tour`: every scenario of a suite into one folder with an index; one line per run on stdout. */
export async function suiteCommand(title: string, scenarios: Scenario[], o: { quiet: boolean; repeats: number }): Promise<number> {
  const run = await runSuite(scenarios, {
    settings: loadSettings(),
    progress: new Progress(process.stderr, o.quiet),
    signal: interruptSignal(),
    repeats: o.repeats,
    title,
  });
  printSuite(run);
  return run.exitCode;
}

export function printSuite(run: SuiteRun): void {
  const lines = run.entries.map((e) => {
    const r = e.report;
    const verdict = r ? verdictWord(r) : "ERROR";
    const rto = r?.faults.length ? ` RTO ${formatMs(r.availability.rtoMs)}` : "";
    const lost = r?.dataLoss ? ` lost ${r.dataLoss.lost}` : "";
    const http = r?.app ? ` | HTTP errors ${r.app.total.errors}/${r.app.total.ops}, RTO ${formatMs(r.app.availability.rtoMs)}` : "";
    const why = r ? r.verdict.failures.map((f) => `\n    broken: ${f}`).join("") : `\n    ${e.error}`;
    return `${verdict.padEnd(7)} ${e.scenario.name}${rto}${lost}${http}${why}`;
  });
  process.stdout.write(`${lines.join("\n")}\nindex: ${path.join(run.dir, "index.html")}\n       ${path.join(run.dir, "index.md")}\njunit: ${path.join(run.dir, "junit.xml")}\n`);
}
