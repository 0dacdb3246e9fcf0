import type { Command } from "commander";
import { EXIT } from "../infra/errors.js";
import { loadSettings, type Settings } from "../infra/settings.js";
import { parseSize } from "../infra/units.js";
import { Progress } from "../report/progress.js";
import { newReportDir } from "../report/write.js";
import { runScenario } from "../run/run.js";
import { loadScenario } from "../scenario/load.js";
import { findEvidence, type Evidence } from "../study/evidence.js";
import { runForkStudy } from "../study/fork-study.js";
import { recommend, type Requirements } from "../study/recommend.js";
import { recommendView } from "../study/recommend-view.js";
import { runThroughputStudy } from "../study/throughput-study.js";
import { writeStudy } from "../study/write-study.js";
import { interruptSignal } from "./interrupt.js";
import { milliseconds, one, rate, share } from "./options.js";
import { printFiles } from "./study.js";

interface Flags {
  dataset: string;
  rto: string;
  rpo: string;
  readRatio: string;
  ops: string;
  p99: string;
  operatorResponse: string;
  measure?: boolean;
  quiet?: boolean;
}

/** What --measure runs: only the pieces the reports folder lacks, each short (the studies' long forms are their own commands). */
async function measureMissing(ev: Evidence, p99Ms: number, settings: Settings, progress: Progress, signal: AbortSignal): Promise<void> {
  const root = settings.reportsDir;
  for (const topology of ["standalone", "cluster"] as const)
    if (!ev.throughput[topology] && !signal.aborted)
      await runThroughputStudy({ topology, sloP99Ms: p99Ms, startRate: 1000, maxRate: 200_000, stepSeconds: 10, readRatio: 0.5, settings, progress, signal, dir: newReportDir(root, `study-throughput-${topology}`) });
  if (!ev.fork && !signal.aborted)
    await runForkStudy({ sizes: [256, 512, 1024].map((m) => m * 2 ** 20), rates: [1000], repeats: 1, persistence: ["rdb"], target: 25 * 2 ** 30, settings, progress, signal, dir: newReportDir(root, "study-fork") });
  // The suites' own scenarios: a master killed (RTO), a master partitioned from its clients' majority (lost writes).
  const runs: Array<[string, boolean]> = [
    ["sentinel-master-kill", !ev.failover.sentinel],
    ["cluster-master-kill", !ev.failover.cluster],
    ["replication-manual-promotion", !ev.failover.replication],
    ["sentinel-split-brain", !ev.loss.sentinel],
    ["cluster-split-brain", !ev.loss.cluster],
  ];
  for (const [name, missing] of runs) {
    if (!missing || signal.aborted) continue;
    progress.step(`recommend --measure: running ${name}`);
    await runScenario(loadScenario(name), { settings, progress, signal });
  }
}

/** `recommend`: the seed's decision flow on the numbers measured here. */
export function registerRecommend(program: Command, done: (code: number) => void): void {
  program
    .command("recommend")
    .description("which topology for your requirements, on the studies and runs measured here (reports/): each branch of the decision flow with the number that decided it")
    .requiredOption("--dataset <40gb>", "your dataset size")
    .requiredOption("--rto <10s>", "how long writes may be unavailable when a master dies")
    .requiredOption("--rpo <0>", "how much acknowledged data a failover may lose (0: none)")
    .option("--read-ratio <0..1>", "share of reads", "0.5")
    .requiredOption("--ops <50000>", "operations a second")
    .option("--p99 <2ms>", "the P99 objective", "2ms")
    .option("--operator-response <5m>", "how long a person takes to replace a dead master by hand (an assumption, stated in the answer)", "5m")
    .option("--measure", "first run the studies and runs the reports folder lacks (short forms; may take 30 minutes)")
    .option("--quiet", "no progress lines")
    .action(async (o: Flags) => {
      const q: Requirements = {
        datasetBytes: one("dataset", o.dataset, parseSize),
        rtoMs: one("rto", o.rto, milliseconds),
        rpoMs: one("rpo", o.rpo, milliseconds),
        readRatio: one("read-ratio", o.readRatio, share),
        ops: one("ops", o.ops, rate),
        p99Ms: one("p99", o.p99, milliseconds),
        operatorResponseMs: one("operator-response", o.operatorResponse, milliseconds),
      };
      const settings = loadSettings();
      const progress = new Progress(process.stderr, o.quiet);
      let ev = findEvidence(settings.reportsDir, q.p99Ms);
      if (o.measure) {
        await measureMissing(ev, q.p99Ms, settings, progress, interruptSignal());
        ev = findEvidence(settings.reportsDir, q.p99Ms);
      }
      const r = recommend(q, ev);
      const dir = newReportDir(settings.reportsDir, "recommend");
      const view = recommendView(r, ev);
      writeStudy(dir, { kind: "recommendation", ...r }, view, "recommendation");
      for (const s of r.steps) {
        process.stdout.write(`${s.question} (asked: ${s.asked})\n`);
        for (const [k, c] of Object.entries(s.perTopology)) process.stdout.write(`  ${k.padEnd(12)} ${c.judgement.padEnd(13)} ${c.measured}\n`);
      }
      process.stdout.write(`recommended: ${r.recommended}${r.runnerUp ? `; runner-up: ${r.runnerUp}` : ""}\n`);
      for (const u of r.unmet) process.stdout.write(`unmet by every topology: ${u.requirement}\n`);
      if (r.unknown.length) process.stdout.write(`not measured for ${r.recommended}: ${r.unknown.join(", ")}\n`);
      printFiles(dir, ["recommendation.md", "recommendation.html", "recommendation.json"]);
      done(EXIT.pass);
    });
}
