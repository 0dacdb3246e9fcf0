import path from "node:path";
import { compareCommand } from "./compare.js";
import { EXIT } from "../infra/errors.js";
import { loadSettings } from "../infra/settings.js";
import { Progress } from "../report/progress.js";
import { newReportDir } from "../report/write.js";
import { runSuite, type SuiteRun } from "../scenario/suite-run.js";
import type { Scenario } from "../scenario/schema.js";
import { interruptSignal } from "./interrupt.js";
import { printSuite } from "./suite.js";

export interface MatrixOptions {
  quiet: boolean;
  repeats: number;
  threshold?: number;
}

/**
 * `matrix`: the same suite on several images (repeats each), then each image compared with the first. Exit code: 130
 * interrupted, 3 a run could not finish, 1 a budget-relevant metric regressed or a budget broke, else 0.
 */
export async function matrixCommand(suite: string, images: string[], scenariosFor: (image: string) => Scenario[], o: MatrixOptions): Promise<number> {
  const settings = loadSettings();
  const progress = new Progress(process.stderr, o.quiet);
  const signal = interruptSignal();
  const root = newReportDir(settings.reportsDir, `matrix-${suite}`);
  const runs: SuiteRun[] = [];
  for (const image of images) {
    if (signal.aborted) break;
    progress.step(`matrix: ${suite} on ${image}`);
    runs.push(await runSuite(scenariosFor(image), { settings, progress, signal, repeats: o.repeats, title: `${suite}-${slug(image)}`, root }));
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
      const regressed = await compareCommand({
        base: [runs[0].dir],
        candidate: [runs[k].dir],
        threshold: o.threshold,
        outDir: path.join(root, `compare-${slug(images[0])}-vs-${slug(images[k])}`),
      });
      if (regressed) note(EXIT.budgetFailed);
    } catch (err) {
      // e.g. a side without a single report: the runs failed before writing one; say so and compare the rest.
      process.stdout.write(`could not compare: ${(err as Error).message}\n`);
      note(EXIT.environment);
    }
  }
  process.stdout.write(`matrix: ${root}\n`);
  return code;
}

/** An image name as a folder name: redis-chaos/valkey:8.1 -> redis-chaos-valkey-8.1 */
export function slug(image: string): string {
  return image.replace(/[^A-Za-z0-9.]+/g, "-").replace(/^-+|-+$/g, "");
}
