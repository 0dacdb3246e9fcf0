import path from "node:path";
import type { Command } from "commander";
import { BadInputError, EXIT } from "../infra/errors.js";
import { checkThreshold, compareAndWrite } from "../report/compare-files.js";
import { Progress } from "../report/progress.js";
import { newReportDir } from "../report/write.js";
import { admitRun } from "../run/admit.js";
import { runColumns } from "../run/suite-run.js";
import { loadSuite } from "../scenario/load.js";
import { interruptSignal } from "./interrupt.js";
import { overridesOf, positiveInt, repeatsOption, settingsOf, withOverrides, type OverrideFlags } from "./options.js";
import { printSuite } from "./suite.js";
import { recordRuns } from "./record-runs.js";

/** An image name (or a security level) as a folder name: redis-chaos/valkey:8.1 -> redis-chaos-valkey-8.1, acl+tls -> acl-tls */
export function slug(image: string): string {
  return image.replace(/[^A-Za-z0-9.]+/g, "-").replace(/^-+|-+$/g, "");
}

/** One column of a matrix: what it is called, and what it changes in every scenario of the suite. */
interface Variant {
  name: string;
  overrides: Partial<OverrideFlags>;
}

/** The matrix's columns, from --images or --security-levels (one of the two, at least two values). */
function variantsOf(o: { images?: string; securityLevels?: string; secure?: boolean; security?: string }): Variant[] {
  const list = (v: string) =>
    v
      .split(",")
      .map((i) => i.trim())
      .filter(Boolean);
  if ((o.images === undefined) === (o.securityLevels === undefined))
    throw new BadInputError(
      "matrix needs one dimension: --images or --security-levels.",
      "e.g. --images redis-chaos/redis:7.0,redis-chaos/valkey:8.1, or --security-levels none,tls,acl+tls",
    );
  if (o.images !== undefined) {
    const images = list(o.images);
    if (images.length < 2)
      throw new BadInputError("matrix needs --images with at least two images, comma-separated.", "e.g. --images redis-chaos/redis:7.0,redis-chaos/valkey:8.1");
    return images.map((image) => ({ name: image, overrides: { image } }));
  }
  const levels = list(o.securityLevels!);
  if (levels.length < 2)
    throw new BadInputError("matrix needs --security-levels with at least two levels, comma-separated.", "e.g. --security-levels none,tls,acl+tls");
  if (o.secure || o.security !== undefined)
    throw new BadInputError(
      "--security-levels already says how each column is secured; --secure and --security would override it.",
      "Drop --secure / --security.",
    );
  return levels.map((security) => ({ name: security, overrides: { security } }));
}

/**
 * `matrix`: the same suite on several images, or secured several ways (repeats each, 3 by default so the spread is
 * known), the columns taking turns run by run (runColumns) so that the host's drift falls on all of them, then each
 * column compared with the first. Exit code: 130 interrupted, 3 a run could not finish, 1 a
 * budget-relevant metric regressed or a budget broke, else 0. Bad input (a suite, the columns, the threshold) is
 * refused before any run starts.
 */
export function registerMatrix(program: Command, done: (code: number) => void): void {
  withOverrides(
    program
      .command("matrix")
      .description("run a suite on each image (or each security level), the columns taking turns run by run, then compare each with the first")
      .argument("<suite>", "a suite (a file in suites/)")
      .option("--images <a,b[,c]>", "the images, comma-separated; the first is the base")
      .option("--security-levels <none,tls,acl+tls>", "instead of images: security levels (as --security takes), the first is the base; e.g. what TLS costs")
      .option(
        "--threshold <0.05>",
        "relative change that counts as a regression, when the runs also show it (at least 3 a side: rank test, beyond three times the spread)",
      ),
    false,
  )
    .addOption(repeatsOption("3"))
    .action(async (suite: string, o: OverrideFlags & { images?: string; securityLevels?: string; threshold?: string; repeats: string }) => {
      const variants = variantsOf(o);
      const threshold = o.threshold === undefined ? undefined : checkThreshold(o.threshold);
      const repeats = positiveInt("repeats", o.repeats);
      for (const v of variants) loadSuite(suite, { ...overridesOf(o), ...v.overrides }); // bad input shows before any container starts
      done(await runMatrix(suite, variants, o, repeats, threshold));
    });
}

async function runMatrix(suite: string, variants: Variant[], o: OverrideFlags, repeats: number, threshold: number | undefined): Promise<number> {
  const settings = settingsOf(o);
  const progress = new Progress(process.stderr, o.quiet);
  const signal = interruptSignal();
  const columns = variants.map((v) => ({
    title: `${suite}-${slug(v.name)}`,
    label: v.name,
    scenarios: loadSuite(suite, { ...overridesOf(o), ...v.overrides }),
  }));
  // Every run admitted (it fits, its images are there) before the matrix's folder exists.
  for (const s of columns.flatMap((c) => c.scenarios)) await admitRun(s, settings, progress);
  const root = newReportDir(settings.reportsDir, `matrix-${suite}`);
  progress.step(`matrix: ${suite} on ${variants.map((v) => v.name).join(", ")}, the columns taking turns run by run`);
  const runs = await runColumns(columns, { settings, progress, signal, repeats, root, admit: async () => {} }); // admitted above
  await recordRuns([root]);
  for (const run of runs) printSuite(run);
  if (signal.aborted) return EXIT.interrupted;
  const rank = (c: number) => [EXIT.pass, EXIT.budgetFailed, EXIT.environment, EXIT.internal].indexOf(c as never);
  let code: number = EXIT.pass;
  const note = (c: number) => (code = rank(c) > rank(code) ? c : code);
  for (const r of runs) note(r.exitCode === EXIT.pass || r.exitCode === EXIT.budgetFailed || r.exitCode === EXIT.internal ? r.exitCode : EXIT.environment);
  for (let k = 1; k < runs.length; k++) {
    process.stdout.write(`\n${variants[0].name} → ${variants[k].name}\n`);
    try {
      const r = compareAndWrite({
        base: [runs[0].dir],
        candidate: [runs[k].dir],
        threshold,
        outDir: path.join(root, `compare-${slug(variants[0].name)}-vs-${slug(variants[k].name)}`),
      });
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
