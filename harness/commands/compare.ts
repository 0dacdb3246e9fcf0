import type { Command } from "commander";
import { loadSettings } from "../infra/settings.js";
import { checkThreshold, compareAndWrite, DEFAULT_COMPARE_THRESHOLD } from "../report/compare-files.js";
import { reportDirPath } from "../report/write.js";

/** `compare`: runs side by side; exit 1 when a budget-relevant metric regressed or a verdict got worse. */
export function registerCompare(program: Command, done: (code: number) => void): void {
  program
    .command("compare")
    .description("compare runs side by side (repeats of a scenario on a side are pooled)")
    .requiredOption("--base <run|folder...>", "report.json files, run folders or folders of runs: the base")
    .requiredOption("--candidate <run|folder...>", "the same for the candidate")
    .option(
      "--threshold <0.05>",
      "relative change that counts as a regression, when the runs also show it (at least 3 a side: rank test, beyond three times the spread)",
      String(DEFAULT_COMPARE_THRESHOLD),
    )
    .option("--out <dir>", "where compare.md/.html/.json go (default reports/<time>-compare)")
    .action((o: { base: string[]; candidate: string[]; threshold: string; out?: string }) => {
      const r = compareAndWrite({
        base: o.base,
        candidate: o.candidate,
        threshold: checkThreshold(o.threshold),
        outDir: o.out ?? reportDirPath(loadSettings().reportsDir, "compare"),
      });
      process.stdout.write(`${r.text}comparison: ${r.files.markdown}\n            ${r.files.html}\n            ${r.files.json}\n`);
      done(r.code);
    });
}
