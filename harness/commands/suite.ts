import path from "node:path";
import type { Command } from "commander";
import { verdictWord } from "../report/outcome.js";
import { rtoCell } from "../report/run-view.js";
import { Progress } from "../report/progress.js";
import { runSuite, type SuiteRun } from "../run/suite-run.js";
import { loadSuite } from "../scenario/load.js";
import { interruptSignal } from "./interrupt.js";
import { recordRuns } from "./record-runs.js";
import { overridesOf, positiveInt, repeatsOption, settingsOf, withOverrides, type OverrideFlags } from "./options.js";

type SuiteFlags = OverrideFlags & { repeats: string };

/** `suite <name>` and `tour`: every scenario of a suite into one folder with an index; one line per run on stdout. */
export function registerSuite(program: Command, done: (code: number) => void): void {
  const run = async (name: string, o: SuiteFlags) => {
    const scenarios = loadSuite(name, overridesOf(o));
    const result = await runSuite(scenarios, {
      settings: settingsOf(o),
      progress: new Progress(process.stderr, o.quiet),
      signal: interruptSignal(),
      repeats: positiveInt("repeats", o.repeats),
      title: name,
    });
    await recordRuns([result.dir]);
    printSuite(result);
    done(result.exitCode);
  };
  withOverrides(
    program.command("suite").description("run every scenario of suites/<name> into one folder with an index").argument("<name>", "a suite (a file in suites/)"),
  )
    .addOption(repeatsOption("1"))
    .action(run);
  withOverrides(program.command("tour").description("the tour: all four topologies with their signature faults, one combined report (npm start)"))
    .addOption(repeatsOption("1"))
    .action((o: SuiteFlags) => run("tour", o));
}

export function printSuite(run: SuiteRun): void {
  const lines = run.entries.map((e) => {
    const r = e.report;
    const verdict = r ? verdictWord(r) : "ERROR";
    const rto = r?.faults.length ? ` RTO ${rtoCell(r.availability).text}` : "";
    const lost = r?.dataLoss ? ` lost ${r.dataLoss.lost}` : "";
    const http = r?.app ? ` | HTTP errors ${r.app.total.errors}/${r.app.total.ops}, RTO ${rtoCell(r.app.availability).text}` : "";
    const why = [...(r ? r.verdict.failures : []), ...(e.error ? [e.error] : [])].map((f) => `\n    broken: ${f}`).join("");
    return `${verdict.padEnd(7)} ${e.scenario.name}${rto}${lost}${http}${why}`;
  });
  process.stdout.write(
    `${lines.join("\n")}\nindex: ${path.join(run.dir, "index.html")}\n       ${path.join(run.dir, "index.md")}\njunit: ${path.join(run.dir, "junit.xml")}\n`,
  );
}
