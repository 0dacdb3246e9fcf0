import { bgsave } from "../faults/bgsave.js";
import { BadInputError } from "../infra/errors.js";
import type { Settings } from "../infra/settings.js";
import { hostTransparentHugePages } from "../infra/environment.js";
import { formatBytes } from "../infra/units.js";
import type { Progress } from "../report/progress.js";
import type { RunReport } from "../report/types.js";
import { runScenario } from "../run/run.js";
import { requireResources } from "../scenario/resource-guard.js";
import { validateScenario } from "../scenario/load.js";
import type { Scenario } from "../scenario/schema.js";
import { datasetWorkload } from "../workload/key-value.js";
import { fitLine, predict } from "./fit.js";
import { forkModel, type ForkModel, type ForkPoint } from "./fork-model.js";
import { forkStudyView } from "./fork-study-view.js";
import { ONE_SERVER } from "./shapes.js";
import { writeStudy } from "./write-study.js";

export interface ForkStudyOptions {
  sizes: number[];
  rates: number[];
  repeats: number;
  /** The planner's own size (bytes), extrapolated to beside the seed's 25 GB. */
  target: number;
  settings: Settings;
  progress: Progress;
  signal: AbortSignal;
  /** The study's folder; each run gets one inside it. */
  dir: string;
  /** Also measure each point with transparent huge pages let on for Redis (disable-thp no), where the host allows it. */
  thp?: boolean;
  persistence: Persistence[];
}

export interface ForkStudy extends ForkModel {
  kind: "fork";
  sizes: number[];
  rates: number[];
  repeats: number;
  persistence: Persistence[];
  targetBytes: number;
  points: ForkPoint[];
  /** Points not measured, and why (too big for this host, a run that failed). */
  skipped: Array<{ sizeBytes: number; writeRate: number; reason: string }>;
  /** The THP variant: the host's setting, and whether the variant ran or why not. */
  thp: { host: string; ran: boolean; why: string } | null;
}

/** The load's read share: half the operations write, over the dataset's own keys, so that the save's child shares pages being written. */
const READ_RATIO = 0.5;
/** When the save starts: after the warm-up and enough baseline to compare with. */
const SAVE_AT_S = 6;

export type Persistence = "rdb" | "aof";

/**
 * One point's scenario: a fresh standalone server, the dataset, a load over its keys, BGSAVE at SAVE_AT_S, long enough
 * for the save to end under load. The lean engine drives it: with ioredis, 10,000 ops/s on 2 shared cores is
 * driver-bound before the save starts (baseline P99 ~700 ms measured), and the latencies would be the client's.
 */
export function forkScenario(sizeBytes: number, rate: number, v: { thp?: boolean; persistence?: Persistence } = {}): Scenario {
  const gb = sizeBytes / 2 ** 30;
  const aof = v.persistence === "aof";
  return validateScenario(
    {
      name: `study-fork-${Math.round(sizeBytes / 2 ** 20)}mib-${rate}ops${aof ? "-aof" : ""}${v.thp ? "-thp" : ""}`,
      description: `Fork study point: ${aof ? "BGREWRITEAOF" : "BGSAVE"} of ${formatBytes(sizeBytes)} under ${rate} ops/s over the dataset's keys${v.thp ? ", transparent huge pages let on (disable-thp no)" : ""}.`,
      topology: { kind: ONE_SERVER, config: { ...(v.thp ? { "disable-thp": "no" } : {}), ...(aof ? { appendonly: "yes" } : {}) } },
      dataset: { size: sizeBytes, valueBytes: 1024 },
      workload: {
        engine: "lean",
        keys: datasetWorkload.keys,
        rate,
        readRatio: READ_RATIO,
        duration: Math.ceil(SAVE_AT_S + 10 + 8 * gb),
        warmup: 2,
        connections: 4,
      },
      faults: [{ kind: bgsave.kind, at: SAVE_AT_S, persistence: v.persistence ?? "rdb" }],
      budgets: {},
    },
    "the fork study",
  );
}

/** What one run measured, as a point; or why it is not one. */
export function forkPointOf(report: RunReport, dir: string, rate: number): ForkPoint | { reason: string } {
  const save = report.faults.find((f) => f.kind === bgsave.kind);
  if (report.status !== "completed") return { reason: `the run ${report.status}${report.problem ? `: ${report.problem}` : ""}` };
  if (!save || save.kind !== bgsave.kind) return { reason: "no BGSAVE in the run" };
  if (save.error) return { reason: `the save failed: ${save.error}` };
  const d = save.details;
  if (d.oomKilled) return { reason: "the save was OOM-killed: a point of another kind (see the run)" };
  const { usedMemoryRssBytes, usedMemoryBytes, usedMemoryPeakBytes, forkUs, copyOnWriteBytes, bgsaveObservedMs } = d;
  if (
    usedMemoryRssBytes === undefined ||
    usedMemoryBytes === undefined ||
    usedMemoryPeakBytes === undefined ||
    forkUs === undefined ||
    copyOnWriteBytes === undefined ||
    bgsaveObservedMs === undefined
  )
    return { reason: "the save's numbers were not all read from the server" };
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    sizeBytes: report.scenario.dataset.size,
    rssBytes: usedMemoryRssBytes,
    usedMemoryBytes,
    usedMemoryPeakBytes,
    writeRate: Math.round(rate * (1 - report.scenario.workload.readRatio)),
    forkMs: forkUs / 1000,
    cowBytes: copyOnWriteBytes,
    saveMs: bgsaveObservedMs,
    p99BaselineMs: ms(report.phases.baseline.latency.p99Us),
    p99SaveMs: ms(report.phases.fault.latency.p99Us),
    maxSaveMs: ms(report.phases.fault.latency.maxUs),
    run: dir,
    ...(report.instrument.driverBound ? { driverBound: true } : {}),
    ...(report.scenario.topology.config["disable-thp"] === "no" ? { thp: true } : {}),
    ...(d.persistence === "aof" ? { persistence: "aof" as const } : {}),
  };
}

/**
 * Whether the THP variant can run here. Redis asks the kernel not to use huge pages for itself (disable-thp yes); with
 * it off, huge pages back Redis's memory only when the host's setting is "always": under "madvise" nothing in Redis
 * asks for them, and changing the host's setting is the machine owner's decision, not a study's.
 */
export function thpVariant(asked: boolean, host = hostTransparentHugePages()): ForkStudy["thp"] {
  if (!asked) return null;
  if (host === "always") return { host, ran: true, why: "the host's THP is always: each point also ran with disable-thp no" };
  return {
    host,
    ran: false,
    why: `not run: the host's THP is "${host}", so Redis's memory gets no huge pages whatever disable-thp says (only "always" backs memory that does not ask for them). To measure it, the machine's owner sets /sys/kernel/mm/transparent_hugepage/enabled to always; the study does not change the host.`,
  };
}

/**
 * Seconds the points left will take, from how long the points done took. A point's time grows with its size (the
 * dataset is loaded and the save runs longer), so once two sizes are done the time is fitted against size; before
 * that, the mean per point (which underestimates a plan that ends on its largest size).
 */
export function forkStudyEta(done: Array<{ sizeBytes: number; ms: number }>, left: number[]): number | null {
  if (!done.length) return null;
  const distinct = new Set(done.map((d) => d.sizeBytes)).size;
  const shortest = Math.min(...done.map((d) => d.ms));
  const mean = done.reduce((s, d) => s + d.ms, 0) / done.length;
  const fit = done.length >= 3 && distinct >= 2 ? fitLine(done.map((d) => ({ x: d.sizeBytes, y: d.ms }))) : null;
  const each = (size: number) => (fit ? Math.max(shortest, predict(fit, size).y) : mean);
  return Math.round(left.reduce((s, size) => s + each(size), 0) / 1000);
}

/**
 * A study none of whose points fits on this host is refused before its folder exists (a study of which some fit runs
 * those, and says which it skipped and why).
 */
export function requireSomePointFits(sizes: number[], rates: number[]): void {
  const rate = Math.min(...rates);
  const problem = (size: number) => {
    try {
      requireResources(forkScenario(size, rate));
      return null;
    } catch (err) {
      if (err instanceof BadInputError) return err;
      throw err;
    }
  };
  const smallest = Math.min(...sizes);
  const refused = problem(smallest);
  if (!refused) return;
  // The largest size that fits, by bisection (a point's load runs longer as its save does, so the need grows with size).
  let [lo, hi] = [0, smallest];
  while (hi - lo > Math.max(2 ** 20, lo / 100)) {
    const mid = Math.floor((lo + hi) / 2);
    if (problem(mid)) hi = mid;
    else lo = mid;
  }
  throw new BadInputError(
    `--sizes: not one of them fits on this host. The smallest: ${refused.message}`,
    lo >= 64 * 2 ** 20 ? `Give --sizes this host can hold: up to ${formatBytes(lo)} at ${rate} ops/s.` : "Run the study on a larger host.",
  );
}

/**
 * Every size × rate × repeat on a fresh server, smallest first; a size this host cannot hold is skipped with the
 * resource guard's reason, never attempted. Progress per point with the points left and an ETA from those done.
 */
export async function runForkStudy(o: ForkStudyOptions): Promise<ForkStudy> {
  const thp = thpVariant(o.thp ?? false);
  const study: ForkStudy = {
    kind: "fork",
    sizes: o.sizes,
    rates: o.rates,
    repeats: o.repeats,
    persistence: o.persistence,
    targetBytes: o.target,
    points: [],
    skipped: [],
    thp,
    ...forkModel([], [o.target]),
  };
  if (thp && !thp.ran) o.progress.step(`fork study: THP variant ${thp.why}`);
  const variants = (thp?.ran ? [false, true] : [false]).flatMap((withThp) => o.persistence.map((persistence) => ({ thp: withThp, persistence })));
  const plan = [...o.sizes]
    .sort((a, b) => a - b)
    .flatMap((size) => o.rates.flatMap((rate) => Array.from({ length: o.repeats }, () => variants.map((v) => ({ size, rate, v }))).flat()));
  const took: Array<{ sizeBytes: number; ms: number }> = [];
  for (const [i, { size, rate, v }] of plan.entries()) {
    if (o.signal.aborted) break;
    const etaS = forkStudyEta(
      took,
      plan.slice(i).map((p) => p.size),
    );
    const eta = etaS === null ? "" : ` (ETA ${etaS} s)`;
    o.progress.step(
      `fork study: point ${i + 1}/${plan.length}, ${formatBytes(size)} at ${rate} ops/s${v.persistence === "aof" ? ", AOF rewrite" : ""}${v.thp ? ", THP on" : ""}; ${plan.length - i - 1} left after it${eta}`,
    );
    const scenario = forkScenario(size, rate, v);
    try {
      requireResources(scenario);
    } catch (err) {
      if (!(err instanceof BadInputError)) throw err;
      const reason = `too big for this host: ${err.message.split("\n")[0]}`;
      o.progress.step(`fork study: skipped ${formatBytes(size)}: ${reason}`);
      study.skipped.push({ sizeBytes: size, writeRate: rate, reason });
      continue;
    }
    const pointStarted = Date.now();
    const result = await runScenario(scenario, { settings: { ...o.settings, reportsDir: o.dir }, progress: o.progress, signal: o.signal });
    took.push({ sizeBytes: size, ms: Date.now() - pointStarted });
    const point = forkPointOf(result.report, result.files.dir, rate);
    if ("reason" in point) study.skipped.push({ sizeBytes: size, writeRate: rate, reason: point.reason });
    else study.points.push(point);
    Object.assign(study, forkModel(study.points, [o.target]));
    writeStudy(o.dir, study, forkStudyView(study));
  }
  writeStudy(o.dir, study, forkStudyView(study));
  return study;
}
