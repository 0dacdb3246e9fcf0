import type { Command } from "commander";
import { EXIT, HarnessError, BadInputError } from "../infra/errors.js";
import { loadSettings } from "../infra/settings.js";
import { exitCodeOf } from "../report/outcome.js";
import { Progress } from "../report/progress.js";
import { renderTerminal } from "../report/terminal.js";
import { runScenario } from "../run/run.js";
import { loadScenario, loadScenarioFile } from "../scenario/load.js";
import { interruptSignal } from "./interrupt.js";
import { overridesOf, withOverrides, type OverrideFlags } from "./options.js";

/** `run`: one scenario, a verdict and its numbers on stdout, the exit code of the verdict. */
export function registerRun(program: Command, done: (code: number) => void): void {
  withOverrides(
    program
      .command("run")
      .description("run one scenario by name (see list), or --file <scenario.json|yaml>")
      .argument("[scenario]", "a scenario's name")
      .option("--file <path>", "a scenario file of your own (JSON or YAML) instead of a named scenario")
      .option("--export", "also write history.csv and readback.csv (every write, every key read back)"),
  ).action(async (name: string | undefined, o: OverrideFlags & { file?: string; export?: boolean }) => {
    if (o.file && name) throw new BadInputError("Give either a scenario name or --file, not both.");
    if (!o.file && !name) throw new BadInputError("run needs a scenario name or --file.", "List them with `npm run harness -- list`.");
    const scenario = o.file ? loadScenarioFile(o.file, overridesOf(o)) : loadScenario(name!, overridesOf(o));
    const { report, files, failure } = await runScenario(scenario, {
      settings: loadSettings(),
      progress: new Progress(process.stderr, o.quiet),
      signal: interruptSignal(),
      exportHistory: o.export ?? false,
    });
    const paths = [`report: ${files.json}`, `summary: ${files.markdown}`, `charts: ${files.html}`, ...(files.history ? [`history: ${files.history}`, `readback: ${files.readback}`] : [])];
    process.stdout.write(renderTerminal(report) + paths.map((p) => `  ${p}\n`).join(""));
    if (failure === undefined) return done(exitCodeOf(report));
    // What stopped the run: the user's to act on (a HarnessError says what to do), or a bug of the harness.
    if (failure instanceof HarnessError) {
      process.stderr.write(`error: ${failure.message}\n${failure.hint ? `what to do: ${failure.hint}\n` : ""}`);
    } else {
      process.stderr.write(`unexpected error (a bug of the harness: please report it with this text): ${(failure as Error)?.stack ?? failure}\n`);
    }
    process.stderr.write(`what was measured before the failure: ${files.markdown}\n`);
    done(failure instanceof HarnessError ? failure.exitCode : EXIT.internal);
  });
}
