import type { Command } from "commander";
import { BadInputError, EXIT } from "../infra/errors.js";
import { loadSettings, type Settings } from "../infra/settings.js";
import { parseDurationS, parseSize } from "../infra/units.js";
import { Progress } from "../report/progress.js";
import { newReportDir } from "../report/write.js";
import { runScenario } from "../run/run.js";
import { loadScenario } from "../scenario/load.js";
import { findEvidence, type Evidence } from "../study/evidence.js";
import { runForkStudy } from "../study/fork-study.js";
import { recommend, type Recommendation } from "../study/recommend.js";
import { recommendText, recommendView } from "../study/recommend-view.js";
import { OPEN, ORDER, type Requirements } from "../study/requirements.js";
import { studiedAs } from "../study/shapes.js";
import { runThroughputStudy } from "../study/throughput-study.js";
import { writeStudy } from "../study/write-study.js";
import { interruptSignal } from "./interrupt.js";
import { one, rate, share } from "./options.js";
import { printFiles } from "./study.js";
import { recordRuns } from "./record-runs.js";

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

const BARE_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/**
 * A time flag in the user's words: a bare 10 could be seconds or milliseconds, so a unit is required (0 needs none).
 * `zero`: why 0 is refused, when it is.
 */
function timeFlag(flag: string, value: string, example: string, zero?: string): number {
  const v = value.trim();
  if (BARE_NUMBER.test(v) && Number(v) !== 0)
    throw new BadInputError(`--${flag} needs a unit: ${example}`, `--${flag} ${v}s for seconds, --${flag} ${v}ms for milliseconds`);
  let ms: number;
  try {
    ms = parseDurationS(v) * 1000;
  } catch {
    throw new BadInputError(`--${flag}: "${value}" is not valid: write it like ${example}`);
  }
  if (ms === 0 && zero) throw new BadInputError(`--${flag} ${v}: ${zero}`);
  return ms;
}

/** The dataset's size: a bare 40 would be 40 bytes, never what is meant, so a unit is required. */
function datasetFlag(value: string): number {
  const v = value.trim();
  if (BARE_NUMBER.test(v)) throw new BadInputError(`--dataset needs a unit: 40gb or 512mb`, `--dataset ${v}gb for gigabytes, --dataset ${v}mb for megabytes`);
  const bytes = one("dataset", value, parseSize);
  if (bytes === 0) throw new BadInputError(`--dataset ${v}: give your dataset's size, e.g. 40gb`);
  return bytes;
}

function requirementsOf(o: Flags): Requirements {
  return {
    datasetBytes: datasetFlag(o.dataset),
    rtoMs: timeFlag("rto", o.rto, "10s or 800ms", "no failover takes no time; give the longest outage you accept, e.g. 10s"),
    rpoMs: timeFlag("rpo", o.rpo, "1s or 500ms (0: nothing lost)"),
    readRatio: one("read-ratio", o.readRatio, share),
    ops: one("ops", o.ops, rate),
    p99Ms: timeFlag("p99", o.p99, "2ms or 0.5s", "an objective of 0 is met by nothing; give the P99 you need, e.g. 2ms"),
    operatorResponseMs: timeFlag("operator-response", o.operatorResponse, "5m or 90s", "a person takes some time; give yours, e.g. 5m"),
  };
}

/**
 * What --measure runs: only what the reports folder lacks, each short (the studies' long forms are their own
 * commands): the throughput and fork studies, and the suite scenario of every run-decided judgement left open.
 */
async function measureMissing(r: Recommendation, ev: Evidence, p99Ms: number, settings: Settings, progress: Progress, signal: AbortSignal): Promise<string[]> {
  const root = settings.reportsDir;
  /** Where what it measured went, for the results store. */
  const made: string[] = [];
  const dir = (name: string) => {
    const d = newReportDir(root, name);
    made.push(d);
    return d;
  };
  for (const topology of new Set(ORDER.map(studiedAs)))
    if (!ev.throughput[topology] && !signal.aborted)
      await runThroughputStudy({
        topology,
        sloP99Ms: p99Ms,
        startRate: 1000,
        maxRate: 200_000,
        stepSeconds: 10,
        readRatio: 0.5,
        settings,
        progress,
        signal,
        dir: dir(`study-throughput-${topology}`),
      });
  if (!ev.fork && !signal.aborted)
    await runForkStudy({
      sizes: [256, 512, 1024].map((m) => m * 2 ** 20),
      rates: [1000],
      repeats: 1,
      persistence: ["rdb"],
      target: 25 * 2 ** 30,
      settings,
      progress,
      signal,
      dir: dir("study-fork"),
    });
  const open = r.steps.flatMap((s) => ORDER.map((k) => s.perTopology[k]).filter((c) => OPEN.includes(c.judgement) && c.scenario));
  for (const name of new Set(open.map((c) => c.scenario!))) {
    if (signal.aborted) break;
    progress.step(`recommend --measure: running ${name}`);
    made.push((await runScenario(loadScenario(name), { settings, progress, signal })).files.json);
  }
  return made;
}

/** `recommend`: the seed's decision flow on the numbers measured here. */
export function registerRecommend(program: Command, done: (code: number) => void): void {
  program
    .command("recommend")
    .description(
      "which topology for your requirements, on the studies and runs measured here (reports/): each branch of the decision flow with the number that decided it",
    )
    .requiredOption("--dataset <40gb>", "your dataset size")
    .requiredOption("--rto <10s>", "how long writes may be unavailable when a master dies, with a unit (10s, 800ms)")
    .requiredOption("--rpo <0>", "how much acknowledged data a failover may lose, as time (1s, 500ms; 0: none)")
    .option("--read-ratio <0..1>", "share of reads", "0.5")
    .requiredOption("--ops <50000>", "operations a second")
    .option("--p99 <2ms>", "the P99 objective, with a unit (2ms, 0.5s)", "2ms")
    .option("--operator-response <5m>", "how long a person takes to replace a dead master by hand (an assumption, stated in the answer)", "5m")
    .option("--measure", "first run the studies and runs the reports folder lacks (short forms; may take 30 minutes)")
    .option("--quiet", "no progress lines")
    .action(async (o: Flags) => {
      const q = requirementsOf(o);
      const settings = loadSettings();
      const progress = new Progress(process.stderr, o.quiet);
      let ev = findEvidence(settings.reportsDir, q.p99Ms);
      if (o.measure) {
        const made = await measureMissing(recommend(q, ev), ev, q.p99Ms, settings, progress, interruptSignal());
        if (made.length) await recordRuns(made);
        ev = findEvidence(settings.reportsDir, q.p99Ms);
      }
      const r = recommend(q, ev);
      const dir = newReportDir(settings.reportsDir, "recommend");
      writeStudy(dir, { kind: "recommendation", ...r }, recommendView(r, ev), "recommendation");
      process.stdout.write(recommendText(r));
      printFiles(dir, ["recommendation.md", "recommendation.html", "recommendation.json"]);
      done(EXIT.pass);
    });
}
