import path from "node:path";
import type { Command } from "commander";
import { BadInputError, EXIT } from "../infra/errors.js";
import { loadSettings } from "../infra/settings.js";
import { formatBytes, parseSize } from "../infra/units.js";
import { Progress } from "../report/progress.js";
import { newReportDir } from "../report/write.js";
import { runForkStudy } from "../study/fork-study.js";
import { interruptSignal } from "./interrupt.js";
import { positiveInt } from "./options.js";

interface ForkFlags {
  sizes: string;
  rates: string;
  repeats: string;
  target: string;
  persistence: string;
  quiet?: boolean;
}

/** A comma-separated list, each item parsed, or bad input naming the flag and the item. */
function listOf<T>(flag: string, value: string, parse: (s: string) => T): T[] {
  const items = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new BadInputError(`--${flag} is empty.`, `Give a comma-separated list, e.g. --${flag} ${flag === "sizes" ? "0.5gb,1gb,2gb" : "1000,10000"}`);
  return items.map((item) => {
    try {
      return parse(item);
    } catch (err) {
      throw new BadInputError(`--${flag}: "${item}" is not valid: ${(err as Error).message}`);
    }
  });
}

const rate = (s: string) => {
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new Error("a rate is a positive number of operations a second");
  return n;
};

/** `study fork`: capacity studies (issue 11). Each writes reports/<time>-study-<kind>/ with study.json and study.md. */
export function registerStudy(program: Command, done: (code: number) => void): void {
  const study = program.command("study").description("capacity studies: fork cost against dataset size");
  study
    .command("fork")
    .description("BGSAVE under load at several dataset sizes: fork time, copy-on-write, save duration, latency; fitted and extrapolated")
    .option("--sizes <0.5gb,1gb,...>", "dataset sizes", "0.5gb,1gb,2gb,4gb,8gb")
    .option("--rates <ops/s,...>", "load during the save (half writes)", "1000,10000")
    .option("--repeats <n>", "runs of each point", "3")
    .option("--target <25gb>", "your dataset size, extrapolated to beside the seed's 25 GB", "25gb")
    .option("--persistence <rdb>", "rdb (BGSAVE); aof (BGREWRITEAOF) is not measured yet", "rdb")
    .option("--quiet", "no progress lines")
    .action(async (o: ForkFlags) => {
      if (o.persistence !== "rdb") throw new BadInputError(`--persistence ${o.persistence}: only rdb is measured so far.`, "Use --persistence rdb (the default).");
      const sizes = listOf("sizes", o.sizes, parseSize);
      const rates = listOf("rates", o.rates, rate);
      const repeats = positiveInt("repeats", o.repeats);
      const target = listOf("target", o.target, parseSize)[0];
      const settings = loadSettings();
      const progress = new Progress(process.stderr, o.quiet);
      const dir = newReportDir(settings.reportsDir, "study-fork");
      progress.step(`fork study: ${sizes.map(formatBytes).join(", ")} × ${rates.join(", ")} ops/s × ${repeats}, into ${dir}`);
      const s = await runForkStudy({ sizes, rates, repeats, target, settings, progress, signal: interruptSignal(), dir });
      for (const c of s.claims) process.stdout.write(`${c.verdict.padEnd(26)} ${c.claim}: ${c.measured}\n`);
      if (s.fit) process.stdout.write(`fork: ${s.fit.forkMsPerGb} ms/GB (95% ${s.fit.ci95.join("–")}), R² ${s.fit.r2}, ${s.fit.n} points\n`);
      process.stdout.write(`study: ${path.join(dir, "study.md")}\n       ${path.join(dir, "study.json")}\n`);
      done(s.points.length === 0 ? EXIT.environment : EXIT.pass);
    });
}
