import { partition } from "../faults/partition.js";
import type { Settings } from "../infra/settings.js";
import { formatBytes } from "../infra/units.js";
import type { Progress } from "../report/progress.js";
import type { RunReport } from "../report/types.js";
import { runScenario } from "../run/run.js";
import { validateScenario } from "../scenario/load.js";
import type { Scenario } from "../scenario/schema.js";
import { MASTER_WITH_REPLICAS } from "./shapes.js";
import { datasetWorkload } from "../workload/key-value.js";
import { resyncBoundary, type ResyncBoundary, type ResyncOutcome, type ResyncPoint } from "./resync-model.js";
import { resyncStudyView } from "./resync-study-view.js";
import { writeStudy } from "./write-study.js";

// `study resync`: does a replica cut off for T seconds while W writes/s arrive resume from the master's backlog, or
// need a full sync (a fork of the master under load, the whole dataset sent)? Backlog sizes × outages × write rates,
// and the storm of several replicas resyncing at once, each point a fresh replication topology.

/** When the cut falls: after the warm-up and a baseline to compare with. */
const CUT_AT_S = 5;
/** Load after the heal: long enough for a full sync of the study's dataset under load here. */
const AFTER_HEAL_S = 8;

/** What the study varies (each point one of every combination) and what it holds fixed. */
export interface ResyncPlan {
  backlogs: number[];
  outages: number[];
  rates: number[];
  replicas: number[];
  syncs: Array<"disk" | "diskless">;
  valueBytes: number;
  datasetBytes: number;
}

export interface ResyncStudyOptions extends ResyncPlan {
  repeats: number;
  settings: Settings;
  progress: Progress;
  signal: AbortSignal;
  dir: string;
  /** Runs one point's scenario; the harness's run by default (a test gives its own). */
  runPoint?: (scenario: Scenario) => Promise<{ report: RunReport; files: { dir: string } }>;
}

export interface ResyncStudy extends ResyncPlan {
  kind: "resync";
  points: ResyncPoint[];
  skipped: Array<{ point: string; reason: string }>;
  boundary: ResyncBoundary;
}

interface PointSpec {
  backlogBytes: number;
  outageS: number;
  writeRate: number;
  replicas: number;
  sync: "disk" | "diskless";
}

/** One point: a master with `replicas` replicas, all cut off from it at once (the master keeps its clients) for the outage. */
export function resyncScenario(p: PointSpec, valueBytes: number, datasetBytes: number): Scenario {
  return validateScenario(
    {
      name: `study-resync-${Math.round(p.backlogBytes / 1024)}kib-${String(p.outageS).replace(".", "p")}s-${p.writeRate}w-${p.replicas}r-${p.sync}`,
      description: `Resync study point: ${p.replicas} replica(s) cut off from the master for ${p.outageS} s under ${p.writeRate} writes/s of ${valueBytes} B, repl-backlog-size ${formatBytes(p.backlogBytes)}, ${p.sync} sync.`,
      topology: {
        kind: MASTER_WITH_REPLICAS,
        replicas: p.replicas,
        config: {
          "repl-backlog-size": String(p.backlogBytes),
          "repl-diskless-sync": p.sync === "diskless" ? "yes" : "no",
          // The preloaded values (DEBUG POPULATE's) compress to almost nothing: a full sync sends the dataset's real size.
          rdbcompression: "no",
        },
      },
      dataset: { size: datasetBytes, valueBytes },
      workload: {
        engine: "lean",
        keys: datasetWorkload.keys,
        rate: p.writeRate,
        readRatio: 0,
        valueBytes,
        duration: CUT_AT_S + p.outageS + AFTER_HEAL_S,
        warmup: 2,
        connections: 4,
      },
      faults: [{ kind: partition.kind, target: "primary", clients: "keep", at: CUT_AT_S, for: p.outageS }],
      budgets: {},
    },
    "the resync study",
  );
}

const outcomeOf = (full: number, partial: number): ResyncOutcome => (full > 0 ? "full" : partial > 0 ? "partial" : "resumed");

/** What one run measured, as a point; or why it is not one. */
export function resyncPointOf(report: RunReport, dir: string, p: PointSpec): ResyncPoint | { reason: string } {
  if (report.status !== "completed") return { reason: `the run ${report.status}${report.problem ? `: ${report.problem}` : ""}` };
  const cut = report.faults.find((f) => f.kind === partition.kind);
  if (!cut || cut.kind !== partition.kind) return { reason: "no cut in the run" };
  if (cut.error) return { reason: `the cut failed: ${cut.error}` };
  const r = cut.details.resync;
  if (!r) return { reason: "the master's resync counts were not read" };
  if (r.inSyncAfterHealMs === null) return { reason: "the replicas were not in sync within the watch after the heal" };
  const ms = (us: number) => Math.round(us) / 1000;
  const writesDuringCut = p.writeRate * p.outageS;
  return {
    ...p,
    valueBytes: report.scenario.dataset.valueBytes,
    outcome: outcomeOf(r.full, r.partial),
    full: r.full,
    partial: r.partial,
    partialRefused: r.partialRefused,
    forks: r.forks,
    streamBytesDuringCut: r.streamBytesDuringCut,
    bytesPerWrite: Math.round(r.streamBytesDuringCut / writesDuringCut),
    inSyncAfterHealMs: r.inSyncAfterHealMs,
    p99BaselineMs: ms(report.phases.baseline.latency.p99Us),
    p99AfterHealMs: ms(report.phases.recovery.latency.p99Us),
    maxAfterHealMs: ms(report.phases.recovery.latency.maxUs),
    run: dir,
    ...(report.instrument.driverBound ? { driverBound: true } : {}),
  };
}

/** Every backlog × outage × rate × replicas × sync × repeat, in that order; the study's files rewritten after each. */
export async function runResyncStudy(o: ResyncStudyOptions): Promise<ResyncStudy> {
  const study: ResyncStudy = {
    kind: "resync",
    backlogs: o.backlogs,
    outages: o.outages,
    rates: o.rates,
    replicas: o.replicas,
    syncs: o.syncs,
    valueBytes: o.valueBytes,
    datasetBytes: o.datasetBytes,
    points: [],
    skipped: [],
    boundary: resyncBoundary([]),
  };
  const specs: PointSpec[] = o.syncs.flatMap((sync) =>
    o.replicas.flatMap((replicas) =>
      o.rates.flatMap((writeRate) => o.backlogs.flatMap((backlogBytes) => o.outages.map((outageS) => ({ backlogBytes, outageS, writeRate, replicas, sync })))),
    ),
  );
  const run = o.runPoint ?? ((s: Scenario) => runScenario(s, { settings: { ...o.settings, reportsDir: o.dir }, progress: o.progress, signal: o.signal }));
  const total = specs.length * o.repeats;
  let done = 0;
  const started = Date.now();
  for (const p of specs)
    for (let k = 0; k < o.repeats; k++) {
      if (o.signal.aborted) return study;
      const label = `${formatBytes(p.backlogBytes)} backlog, ${p.outageS} s cut, ${p.writeRate} writes/s, ${p.replicas} replica(s), ${p.sync}`;
      const eta = done ? ` (about ${Math.round((((Date.now() - started) / done) * (total - done)) / 1000)} s left)` : "";
      o.progress.step(`point ${done + 1}/${total}: ${label}${eta}`);
      const scenario = resyncScenario(p, o.valueBytes, o.datasetBytes);
      const { report, files } = await run(scenario);
      const point = resyncPointOf(report, files.dir, p);
      if ("reason" in point) study.skipped.push({ point: label, reason: point.reason });
      else study.points.push(point);
      study.boundary = resyncBoundary(study.points);
      writeStudy(o.dir, study, resyncStudyView(study));
      done++;
    }
  return study;
}
