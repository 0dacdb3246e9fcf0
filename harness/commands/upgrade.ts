import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { BadInputError, EXIT } from "../infra/errors.js";
import { IMAGE_REFERENCE } from "../infra/fields.js";
import { checkThreshold, compareAndWrite } from "../report/compare-files.js";
import type { Comparison } from "../report/compare.js";
import type { IndexEntry } from "../report/index-page.js";
import { renderJUnit } from "../report/junit.js";
import { Progress } from "../report/progress.js";
import { newReportDir } from "../report/write.js";
import { admitRun } from "../run/admit.js";
import { runColumns, runSuite } from "../run/suite-run.js";
import { decideUpgrade } from "../study/upgrade-decision.js";
import { planUpgrade } from "../study/upgrade-plan.js";
import { upgradeView } from "../study/upgrade-view.js";
import { writeStudy } from "../study/write-study.js";
import { interruptSignal } from "./interrupt.js";
import { slug } from "./matrix.js";
import { positiveInt, repeatsOption, settingsOf } from "./options.js";
import { recordRuns } from "./record-runs.js";

interface UpgradeFlags {
  topology: string;
  from: string;
  to: string;
  performance: boolean;
  repeats: string;
  threshold?: string;
  quiet?: boolean;
}

const image = (flag: string, v: string) => {
  if (!IMAGE_REFERENCE.test(v)) throw new BadInputError(`${flag} ${v} is not an image name.`, `Write it like redis-chaos/redis:8.0 (${flag} takes one image).`);
  return v;
};

/**
 * `upgrade`: the rolling upgrade of a topology from one image to another under load, as suites/upgrade.json's
 * `<topology>-rolling-upgrade` does it, with the way back tried at its end; the crash trap on the same roll; the same
 * load without a fault on each image, interleaved, compared. One go/no-go page (go-no-go.md, .html, .json) and JUnit.
 * Exit code: 0 go, 1 no-go, 2 bad input, 3 a run could not finish, 130 interrupted.
 */
export function registerUpgrade(program: Command, done: (code: number) => void): void {
  program
    .command("upgrade")
    .description("a rolling upgrade under load, its traps, and the performance on each image: one go/no-go page")
    .requiredOption("--topology <replication|sentinel|cluster>", "the topology to roll")
    .requiredOption("--from <image>", "the image it runs now")
    .requiredOption("--to <image>", "the image it is upgraded to")
    .option("--no-performance", "skip the same load on each image (the roll and its traps only)")
    .option("--threshold <0.05>", "relative change that counts as a regression in the performance comparison")
    .option("--quiet", "no progress on stderr")
    .addOption(repeatsOption("3").default("3", "3, for the performance runs on each image"))
    .action(async (o: UpgradeFlags) => {
      const from = image("--from", o.from);
      const to = image("--to", o.to);
      const repeats = positiveInt("repeats", o.repeats);
      const threshold = o.threshold === undefined ? undefined : checkThreshold(o.threshold);
      const plan = planUpgrade(o.topology, from, to, o.performance);
      done(await runUpgrade(plan, o, repeats, threshold));
    });
}

async function runUpgrade(plan: ReturnType<typeof planUpgrade>, o: UpgradeFlags, repeats: number, threshold: number | undefined): Promise<number> {
  const settings = settingsOf({});
  const progress = new Progress(process.stderr, o.quiet);
  const signal = interruptSignal();
  const steady = plan.steady && [
    { ...plan.steady, topology: { ...plan.steady.topology, image: plan.from } },
    { ...plan.steady, topology: { ...plan.steady.topology, image: plan.to } },
  ];
  // Every run admitted (it fits, both images are there) before the folder exists.
  for (const s of [plan.roll, plan.crash, ...(steady ?? [])]) await admitRun(s, settings, progress);
  const root = newReportDir(settings.reportsDir, `upgrade-${plan.topology}`);
  progress.step(`upgrade: ${plan.topology} from ${plan.from} to ${plan.to}: the roll, its trap${steady ? ", then the same load on each image" : ""}`);
  const admitted = async () => {};
  const rolls = await runSuite([plan.roll, plan.crash], { settings, progress, signal, root, title: "roll", admit: admitted });
  const [roll, crash] = [plan.roll, plan.crash].map((s) => rolls.entries.find((e) => e.scenario === s) ?? { error: "not run" });
  let performance: Comparison | null = null;
  let perfDir: string | undefined;
  let code: number = rolls.exitCode === EXIT.interrupted ? EXIT.interrupted : EXIT.pass;
  if (steady && !signal.aborted) {
    const sides = await runColumns(
      steady.map((s) => ({ title: `steady-${slug(s.topology.image!)}`, label: s.topology.image!, scenarios: [s] })),
      { settings, progress, signal, root, repeats, admit: admitted },
    );
    perfDir = path.join(root, "compare");
    try {
      performance = compareAndWrite({ base: [sides[0].dir], candidate: [sides[1].dir], threshold, outDir: perfDir }).comparison;
    } catch (err) {
      progress.step(`could not compare the performance: ${(err as Error).message}`);
      perfDir = undefined;
    }
  }
  await recordRuns([root]);
  const decision = decideUpgrade(plan, roll, crash, performance, perfDir);
  const files = writeStudy(root, { plan: { topology: plan.topology, from: plan.from, to: plan.to }, decision }, upgradeView(decision, root), "go-no-go");
  const reports = [roll, crash].flatMap((e: IndexEntry | { error: string }) => ("report" in e && e.report ? [e.report] : []));
  writeFileSync(
    path.join(root, "junit.xml"),
    renderJUnit(`upgrade-${plan.topology}`, reports, decision.go ? [] : [{ name: "go/no-go", error: decision.headline }]),
  );
  process.stdout.write(`${decision.headline}\n${decision.cautions.map((c) => `  caution: ${c}\n`).join("")}go/no-go: ${files.html}\n          ${files.md}\n`);
  if (signal.aborted) return EXIT.interrupted;
  if (!roll || !("report" in roll) || !roll.report || roll.report.status !== "completed") code = EXIT.environment;
  else if (!decision.go) code = EXIT.budgetFailed;
  return code;
}
