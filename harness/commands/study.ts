import path from "node:path";
import type { Command } from "commander";
import { BadInputError, EXIT } from "../infra/errors.js";
import { requireRunImages } from "../run/admit.js";
import { requireResources } from "../scenario/resource-guard.js";
import { loadSettings, type Settings } from "../infra/settings.js";
import { formatBytes, parseDurationS, parseSize } from "../infra/units.js";
import { Progress } from "../report/progress.js";
import { newReportDir } from "../report/write.js";
import { requireSomePointFits, runForkStudy, type Persistence } from "../study/fork-study.js";
import { resyncScenario, runResyncStudy } from "../study/resync-study.js";
import { ONE_SERVER } from "../study/shapes.js";
import { runThroughputStudy } from "../study/throughput-study.js";
import { TOPOLOGIES, type TopologyKind } from "../topology/registry.js";
import { replicaCount } from "../topology/replicated-base.js";
import { interruptSignal } from "./interrupt.js";
import { choicesOf, listOf, milliseconds, one, positiveInt, rate, share } from "./options.js";
import { recordRuns } from "./record-runs.js";

interface ThroughputFlags {
  topology: string;
  sloP99: string;
  startRate: string;
  maxRate: string;
  stepSeconds: string;
  readRatio: string;
  quiet?: boolean;
}

interface ResyncFlags {
  backlogs: string;
  outages: string;
  rates: string;
  replicas: string;
  sync: string;
  valueBytes: string;
  dataset: string;
  repeats: string;
  quiet?: boolean;
}

interface ForkFlags {
  sizes: string;
  rates: string;
  repeats: string;
  target: string;
  persistence: string;
  thp?: boolean;
  quiet?: boolean;
}

const KINDS = TOPOLOGIES.map((t) => t.kind) as string[];

/** `study fork`, `study throughput`, `study resync`: capacity studies. Each writes reports/<time>-study-<kind>/ with study.json, study.md and study.html. */
export function registerStudy(program: Command, done: (code: number) => void): void {
  const study = program
    .command("study")
    .description("capacity studies: fork cost against dataset size, the latency–throughput curve of a topology, the replication backlog against outages");
  study
    .command("fork")
    .description("BGSAVE under load at several dataset sizes: fork time, copy-on-write, save duration, latency; fitted and extrapolated")
    .option("--sizes <0.5gb,1gb,...>", "dataset sizes", "0.5gb,1gb,2gb,4gb,8gb")
    .option("--rates <ops/s,...>", "load during the save (half writes)", "1000,10000")
    .option("--repeats <n>", "runs of each point", "3")
    .option("--target <25gb>", "your dataset size, extrapolated to beside the seed's 25 GB", "25gb")
    .option("--persistence <rdb,aof>", "the save measured: rdb (BGSAVE), aof (BGREWRITEAOF), or both; the fit is of rdb when measured", "rdb")
    .option("--thp", "also measure each point with transparent huge pages on for Redis (disable-thp no), where the host's THP setting allows it")
    .option("--quiet", "no progress lines")
    .action(async (o: ForkFlags) => {
      const persistence = choicesOf<Persistence>("persistence", o.persistence, ["rdb", "aof"]);
      const sizes = listOf("sizes", o.sizes, parseSize);
      const rates = listOf("rates", o.rates, rate);
      const repeats = positiveInt("repeats", o.repeats);
      const target = one("target", o.target, parseSize);
      requireSomePointFits(sizes, rates);
      const { settings, progress, dir } = await startStudy("study-fork", o.quiet);
      progress.step(`fork study: ${sizes.map(formatBytes).join(", ")} × ${rates.join(", ")} ops/s × ${repeats}, into ${dir}`);
      const s = await runForkStudy({ sizes, rates, repeats, target, persistence, thp: o.thp ?? false, settings, progress, signal: interruptSignal(), dir });
      for (const c of s.claims) process.stdout.write(`${c.verdict.padEnd(26)} ${c.claim}: ${c.measured}\n`);
      if (s.fit) process.stdout.write(`fork: ${s.fit.forkMsPerGb} ms/GB (95% ${s.fit.ci95.join("–")}), R² ${s.fit.r2}, ${s.fit.n} points\n`);
      await recordRuns([dir]);
      printFiles(dir);
      done(s.points.length === 0 ? EXIT.environment : EXIT.pass);
    });
  study
    .command("throughput")
    .description(
      "step the open-loop rate ×1.5 on a fresh topology until P99 breaks the objective or the driver is the bottleneck: the highest rate at the objective, and the knee plot",
    )
    .option("--topology <kind>", KINDS.join(" | "), ONE_SERVER)
    .option("--slo-p99 <2ms>", "the P99 objective", "2ms")
    .option("--start-rate <ops/s>", "the first step's rate", "1000")
    .option("--max-rate <ops/s>", "no step above this rate", "200000")
    .option("--step-seconds <s>", "seconds measured per step, after a 3 s warm-up", "15")
    .option("--read-ratio <0..1>", "share of reads (GET; the rest SET)", "0.5")
    .option("--quiet", "no progress lines")
    .action(async (o: ThroughputFlags) => {
      if (!KINDS.includes(o.topology)) throw new BadInputError(`--topology ${o.topology} is not a topology.`, `Use one of: ${KINDS.join(", ")}.`);
      const sloP99Ms = one("slo-p99", o.sloP99, milliseconds);
      if (sloP99Ms <= 0)
        throw new BadInputError(`--slo-p99 ${o.sloP99}: an objective of 0 is met by nothing.`, "Give a positive duration, e.g. --slo-p99 2ms.");
      const startRate = one("start-rate", o.startRate, rate);
      const maxRate = one("max-rate", o.maxRate, rate);
      if (maxRate < startRate) throw new BadInputError(`--max-rate ${maxRate} is below --start-rate ${startRate}.`, "Raise --max-rate or lower --start-rate.");
      const stepSeconds = positiveInt("step-seconds", o.stepSeconds);
      const readRatio = one("read-ratio", o.readRatio, share);
      const { settings, progress, dir } = await startStudy(`study-throughput-${o.topology}`, o.quiet);
      progress.step(`throughput study: ${o.topology}, P99 ≤ ${sloP99Ms} ms, from ${startRate} ops/s ×1.5 up to ${maxRate}, into ${dir}`);
      const s = await runThroughputStudy({
        topology: o.topology as TopologyKind,
        sloP99Ms,
        startRate,
        maxRate,
        stepSeconds,
        readRatio,
        settings,
        progress,
        signal: interruptSignal(),
        dir,
      });
      for (const st of s.steps)
        process.stdout.write(
          `${String(st.targetRate).padStart(8)} ops/s asked  ${String(st.achievedRate).padStart(8)} achieved  P50 ${st.p50Ms} ms  P99 ${st.p99Ms} ms  P99.9 ${st.p999Ms} ms${st.meetsSlo ? "" : "  breaks the objective"}${st.driverBound ? "  DRIVER-BOUND" : ""}\n`,
        );
      process.stdout.write(`max rate at P99 ≤ ${sloP99Ms} ms: ${s.maxRateAtSlo === null ? "none" : `${s.maxRateAtSlo} ops/s`}; stopped: ${s.stopped}\n`);
      await recordRuns([dir]);
      printFiles(dir);
      done(s.steps.length === 0 ? EXIT.environment : EXIT.pass);
    });
  study
    .command("resync")
    .description(
      "cut a master off from its replicas for a while under writes, and heal: partial or full resync, by backlog size, outage and write rate; the backlog an outage needs",
    )
    .option("--backlogs <1mb,8mb>", "repl-backlog-size values", "256kb,1mb,2mb,4mb,8mb")
    .option("--outages <1s,4s,...>", "how long the replicas are cut off (the connection is dropped at the heal: each cut ends in a resync request)", "1s,3s,8s")
    .option("--rates <writes/s,...>", "write rates during the cut", "1000")
    .option("--replicas <1,2,4>", "replicas cut off together (more than one: a resync storm)", "1")
    .option("--sync <disk,diskless>", "how the master sends a full sync", "diskless")
    .option("--value-bytes <1kb>", "bytes per value written", "1kb")
    .option("--dataset <64mb>", "the dataset a full sync sends", "64mb")
    .option("--repeats <n>", "runs of each point", "1")
    .option("--quiet", "no progress lines")
    .action(async (o: ResyncFlags) => {
      const backlogs = listOf("backlogs", o.backlogs, parseSize);
      const outages = listOf("outages", o.outages, parseDurationS);
      if (outages.some((t) => t <= 0))
        throw new BadInputError(`--outages ${o.outages}: a cut of no time is no cut.`, "Give durations above zero, e.g. --outages 1s,4s.");
      const rates = listOf("rates", o.rates, rate);
      const replicas = listOf("replicas", o.replicas, (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > replicaCount.max) throw new Error(`a whole number of replicas from 1 to ${replicaCount.max}`);
        return n;
      });
      const syncs = choicesOf("sync", o.sync, ["disk", "diskless"] as const);
      const valueBytes = one("value-bytes", o.valueBytes, parseSize);
      const datasetBytes = one("dataset", o.dataset, parseSize);
      const repeats = positiveInt("repeats", o.repeats);
      // The largest point must fit on this host (the most replicas, the longest cut): refused before any folder.
      requireResources(
        resyncScenario(
          {
            backlogBytes: Math.max(...backlogs),
            outageS: Math.max(...outages),
            writeRate: Math.max(...rates),
            replicas: Math.max(...replicas),
            sync: syncs[0],
          },
          valueBytes,
          datasetBytes,
        ),
      );
      const { settings, progress, dir } = await startStudy("study-resync", o.quiet);
      progress.step(
        `resync study: backlogs ${backlogs.map(formatBytes).join(", ")} × cuts ${outages.join(", ")} s × ${rates.join(", ")} writes/s × ${replicas.join(", ")} replica(s) × ${syncs.join(", ")}, into ${dir}`,
      );
      const s = await runResyncStudy({
        backlogs,
        outages,
        rates,
        replicas,
        syncs,
        valueBytes,
        datasetBytes,
        repeats,
        settings,
        progress,
        signal: interruptSignal(),
        dir,
      });
      for (const p of s.points)
        process.stdout.write(
          `${formatBytes(p.backlogBytes).padStart(9)} backlog  ${String(p.outageS).padStart(4)} s cut  ${p.writeRate} writes/s  ${p.replicas} replica(s) ${p.sync}: ${p.outcome} (stream while cut ${formatBytes(p.streamBytesDuringCut)}, in sync ${p.inSyncAfterHealMs} ms after the heal, P99 after ${p.p99AfterHealMs} ms)\n`,
        );
      const b = s.boundary;
      if (b.bytesPerWrite !== null && b.extraS.atMost !== null && b.consistent)
        process.stdout.write(`backlog needed: writes/s × ${b.bytesPerWrite} B × (outage + ${Math.max(0, b.extraS.atMost).toFixed(1)} s)\n`);
      await recordRuns([dir]);
      printFiles(dir);
      done(s.points.length === 0 ? EXIT.environment : EXIT.pass);
    });
}

/**
 * What every study needs before its first point: the settings, progress, and its folder, after the Docker engine has
 * answered and holds the images. Without the check, a study with no engine (or no image) would run every point to the
 * same failure and report claims as untestable instead of naming what is missing.
 */
async function startStudy(folder: string, quiet?: boolean): Promise<{ settings: Settings; progress: Progress; dir: string }> {
  const settings = loadSettings();
  const progress = new Progress(process.stderr, quiet);
  await requireRunImages(null, settings, progress);
  return { settings, progress, dir: newReportDir(settings.reportsDir, folder) };
}

export function printFiles(dir: string, names = ["study.md", "study.html", "study.json"]): void {
  process.stdout.write(names.map((f, i) => `${i ? "      " : "files:"} ${path.join(dir, f)}\n`).join(""));
}
