import type { Command } from "commander";
import { EXIT, HarnessError, BadInputError } from "../infra/errors.js";
import { exitCodeOf } from "../report/outcome.js";
import { Progress } from "../report/progress.js";
import { renderTerminal } from "../report/terminal.js";
import { runScenario } from "../run/run.js";
import { pickProfiles } from "../scenario/client-profiles.js";
import { loadScenario, loadScenarioFile } from "../scenario/load.js";
import { checkScenarioOnTarget, loadTargetFile } from "../scenario/target-file.js";
import { dryRun } from "../run/dry-run.js";
import type { Overrides } from "../scenario/overrides.js";
import { runClientMatrix } from "./clients.js";
import { recordRuns } from "./record-runs.js";
import { interruptSignal } from "./interrupt.js";
import { overridesOf, positiveInt, settingsOf, withOverrides, type OverrideFlags } from "./options.js";

/** `run`: one scenario, a verdict and its numbers on stdout, the exit code of the verdict (with --clients, runClientMatrix's). */
export function registerRun(program: Command, done: (code: number) => void): void {
  withOverrides(
    program
      .command("run")
      .description("run one scenario by name (see list), or --file <scenario.json|yaml>")
      .argument("[scenario]", "a scenario's name")
      .option("--file <path>", "a scenario file of your own (JSON or YAML) instead of a named scenario")
      .option("--export", "also write history.csv and readback.csv (every write, every key read back)")
      .option(
        "--clients <a,b,…>",
        "run the scenario once per client profile (suites/clients/profiles.json) and compare them: RTO, errors, indeterminate, duplicated and lost writes, reconnections, each against the scenario's budgets; exits 0 once every run completed, whatever budgets a profile missed",
      )
      .option("--profiles <file>", "client profiles of your own, added to the project's (same format as suites/clients/profiles.json)")
      .option("--repeats <n>", "with --clients: runs of each profile (the matrix shows each run, so the spread shows)")
      .option(
        "--target <deployment.yaml>",
        "run against a deployment the harness did not start (docs/targets.md): its nodes, its allow-list of hosts, how the harness may act on them",
      )
      .option("--dry-run", "with --target: print every action the run would take against the target, in order, and do none of them"),
  ).action(
    async (
      name: string | undefined,
      o: OverrideFlags & { file?: string; export?: boolean; clients?: string; profiles?: string; repeats?: string; target?: string; dryRun?: boolean },
    ) => {
      if (o.file && name) throw new BadInputError("Give either a scenario name or --file, not both.");
      if (!o.file && !name) throw new BadInputError("run needs a scenario name or --file.", "List them with `npm run harness -- list`.");
      const load = (overrides: Overrides) => (o.file ? loadScenarioFile(o.file, overrides) : loadScenario(name!, overrides));
      for (const flag of ["profiles", "repeats"] as const)
        if (o[flag] !== undefined && !o.clients)
          throw new BadInputError(`--${flag} goes with --clients, which is not given.`, `Add --clients <names>, or leave --${flag} out.`);
      if (o.clients) {
        if (o.target)
          throw new BadInputError("--target runs one scenario against your deployment; --clients makes several runs.", "Leave --clients out with --target.");
        if (o.export)
          throw new BadInputError("--export writes one run's history; --clients makes several runs.", "Leave --export out, or run one profile at a time.");
        // Every profile applied and validated before the first container starts.
        const runs = pickProfiles(o.clients, o.profiles).map((profile) => ({ profile, scenario: load({ ...overridesOf(o), clientProfile: profile }) }));
        const matrix = await runClientMatrix(load(overridesOf(o)).name, runs, {
          settings: settingsOf(o),
          quiet: o.quiet,
          repeats: o.repeats === undefined ? 1 : positiveInt("repeats", o.repeats),
        });
        return done(matrix.exitCode);
      }
      if (o.dryRun && !o.target)
        throw new BadInputError(
          "--dry-run goes with --target (it shows what a run would do to a deployment of yours).",
          "Add --target <file>, or leave --dry-run out.",
        );
      const scenario = load(overridesOf(o));
      if (o.export && scenario.workload.ledgerKeys !== undefined)
        throw new BadInputError(
          "--export writes every key as read back after the load; with workload.ledgerKeys the keys are read and removed as the load goes.",
          "Leave --export out, or leave workload.ledgerKeys out of the scenario.",
        );
      const target = o.target ? loadTargetFile(o.target) : undefined;
      const settings = settingsOf(o);
      const progress = new Progress(process.stderr, o.quiet);
      if (target && o.dryRun) {
        checkScenarioOnTarget(scenario, target.spec);
        const plan = await dryRun(scenario, target, progress);
        process.stdout.write(`${plan.lines.join("\n")}\n`);
        if (plan.refused.length)
          throw new BadInputError(
            `A run against ${target.spec.name} would be refused: ${plan.refused.join("; ")}.`,
            "Fix what the REFUSED lines say, then run again.",
          );
        return done(EXIT.pass);
      }
      const { report, files, failure } = await runScenario(scenario, {
        settings,
        progress,
        signal: interruptSignal(),
        exportHistory: o.export ?? false,
        ...(target ? { target } : {}),
      });
      await recordRuns([files.json]);
      const paths = [
        `report: ${files.json}`,
        `summary: ${files.markdown}`,
        `charts: ${files.html}`,
        ...(files.history ? [`history: ${files.history}`, `readback: ${files.readback}`] : []),
      ];
      process.stdout.write(renderTerminal(report) + paths.map((p) => `  ${p}\n`).join(""));
      if (failure === undefined) return done(exitCodeOf(report, settings.inconclusive));
      // What stopped the run: the user's to act on (a HarnessError says what to do), or a bug of the harness.
      if (failure instanceof HarnessError) {
        process.stderr.write(`error: ${failure.message}\n${failure.hint ? `what to do: ${failure.hint}\n` : ""}`);
      } else {
        process.stderr.write(`unexpected error (a bug of the harness: please report it with this text): ${(failure as Error)?.stack ?? failure}\n`);
      }
      process.stderr.write(`what was measured before the failure: ${files.markdown}\n`);
      done(failure instanceof HarnessError ? failure.exitCode : EXIT.internal);
    },
  );
}
