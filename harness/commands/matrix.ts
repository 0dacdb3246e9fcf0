import path from "node:path";
import type { Command } from "commander";
import { BadInputError, EXIT } from "../infra/errors.js";
import { loadSettings } from "../infra/settings.js";
import { checkThreshold, compareAndWrite } from "../report/compare-files.js";
import { Progress } from "../report/progress.js";
import { newReportDir } from "../report/write.js";
import { runSuite, type SuiteRun } from "../run/suite-run.js";
import { loadSuite } from "../scenario/load.js";
import { interruptSignal } from "./interrupt.js";
import { overridesOf, positiveInt, repeatsOption, withOverrides, type OverrideFlags } from "./options.js";
import { printSuite } from "./suite.js";

/** An image name as a folder name: redis-chaos/valkey:8.1 -> redis-chaos-valkey-8.1 */
export function slug(image: string): string {
  return image.replace(/[^A-Za-z0-9.]+/g, "-").replace(/^-+|-+$/g, "");
}

/**
 * `matrix`: the same suite on several images (repeats each, 3 by default so the spread is known), then each image
 * compared with the first. Exit code: 130 interrupted, 3 a run could not finish, 1 a budget-relevant metric regressed or
 * a budget broke, else 0. Bad input (a suite, the images, the threshold) is refused before any run starts.
 */
export function registerMatrix(program: Command, done: (code: number) => void): void {
  withOverrides(
    program
      .command("matrix")
      .description("run a suite on each image, then compare each image with the first")
      .argument("<suite>", "a suite (a file in suites/)")
      .requiredOption("--images <a,b[,c]>", "the images, comma-separated; the first is the base")
      .option("--threshold <0.05>", "relative change that counts as a regression, if also beyond the spread"),
    false,
  )
    .addOption(repeatsOption("3"))
    .action(async (suite: string, o: OverrideFlags & { images: string; threshold?: string; repeats: string }) => {
      const images = o.images.split(",").map((i) => i.trim()).filter(Boolean);
      if (images.length < 2) throw new BadInputError("matrix needs --images with at least two images, comma-separated.", "e.g. --images redis-chaos/redis:7.0,redis-chaos/valkey:8.1");
      const threshold = o.threshold === undefined ? undefined : checkThreshold(Number(o.threshold));
      const repeats = positiveInt("repeats", o.repeats);
      loadSuite(suite, overridesOf(o)); // bad input shows before any container starts
      done(await runMatrix(suite, images, o, repeats, threshold));
    });
}

async function runMatrix(suite: string, images: string[], o: OverrideFlags, repeats: number, threshold: number | undefined): Promise<number> {
  const settings = loadSettings();
  const progress = new Progress(process.stderr, o.quiet);
  const signal = interruptSignal();
  const root = newReportDir(settings.reportsDir, `matrix-${suite}`);
  const runs: SuiteRun[] = [];
  for (const image of images) {
    if (signal.aborted) break;
    progress.step(`matrix: ${suite} on ${image}`);
    const scenarios = loadSuite(suite, { ...overridesOf(o), image });
    runs.push(await runSuite(scenarios, { settings, progress, signal, repeats, title: `${suite}-${slug(image)}`, root }));
  }
  for (const run of runs) printSuite(run);
  if (signal.aborted) return EXIT.interrupted;
  // A run that could not finish (or a harness bug) outranks a broken budget; either outranks a pass.
  const rank = (c: number) => [EXIT.pass, EXIT.budgetFailed, EXIT.environment, EXIT.internal].indexOf(c as never);
  let code: number = EXIT.pass;
  const note = (c: number) => (code = rank(c) > rank(code) ? c : code);
  for (const r of runs) note(r.exitCode === EXIT.pass || r.exitCode === EXIT.budgetFailed || r.exitCode === EXIT.internal ? r.exitCode : EXIT.environment);
  for (let k = 1; k < runs.length; k++) {
    process.stdout.write(`\n${images[0]} → ${images[k]}\n`);
    try {
      const r = compareAndWrite({ base: [runs[0].dir], candidate: [runs[k].dir], threshold, outDir: path.join(root, `compare-${slug(images[0])}-vs-${slug(images[k])}`) });
      process.stdout.write(`${r.text}comparison: ${r.files.markdown}\n`);
      if (r.code) note(EXIT.budgetFailed);
    } catch (err) {
      // e.g. a side without a single report: the runs failed before writing one; say so and compare the rest.
      process.stdout.write(`could not compare: ${(err as Error).message}\n`);
      note(EXIT.environment);
    }
  }
  process.stdout.write(`matrix: ${root}\n`);
  return code;
}
