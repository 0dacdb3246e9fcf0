import { instrumentFloor, METRICS } from "../check/metrics.js";
import type { Settings } from "../infra/settings.js";
import type { Progress } from "../report/progress.js";
import type { RunReport } from "../report/types.js";
import { runScenario } from "../run/run.js";
import { validateScenario } from "../scenario/load.js";
import type { Scenario } from "../scenario/schema.js";
import type { TopologyKind } from "../topology/registry.js";
import { randomWorkload } from "../workload/key-value.js";
import { throughputStudyView } from "./throughput-study-view.js";
import { writeStudy } from "./write-study.js";

/**
 * The latency–throughput curve of one topology: the open-loop rate stepped ×1.5 on a fresh topology each step, until
 * P99 breaks the objective or the driver is the bottleneck (its self-check). The answer is the highest rate whose step
 * proved the objective met (provesSlo); a driver-bound step is drawn and labelled, never reported as Redis's limit.
 */
export interface ThroughputStep {
  targetRate: number;
  /** Operations that succeeded per second after the warm-up. */
  achievedRate: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  errorRate: number;
  /** The driver fell behind its schedule or its event loop was saturated (check/instrument.ts): the step measures the driver. */
  driverBound: boolean;
  driverBoundWhy?: string;
  meetsSlo: boolean;
  /** The instrument's own P99 in this step (the direct path's PING round trip and the driver's lag): below it, nothing is Redis's. */
  floorP99Ms: number;
  /** Set on a step whose stop was not confirmed: the same rate was run again and the repeat counts instead. */
  repeated?: boolean;
  run: string;
}

export type StopReason = "slo" | "floor" | "driver" | "errors" | "max-rate" | "failed" | "interrupted";

export interface ThroughputStudy {
  kind: "throughput";
  topology: TopologyKind;
  sloP99Ms: number;
  readRatio: number;
  stepSeconds: number;
  steps: ThroughputStep[];
  /** The highest achieved rate of a step that proved the objective met (provesSlo); null when none did. */
  maxRateAtSlo: number | null;
  /** What ended the stepping, in a word and in words. */
  stoppedBy: StopReason | null;
  stopped: string;
}

export interface ThroughputStudyOptions {
  topology: TopologyKind;
  sloP99Ms: number;
  startRate: number;
  maxRate: number;
  stepSeconds: number;
  readRatio: number;
  settings: Settings;
  progress: Progress;
  signal: AbortSignal;
  dir: string;
  /** Runs one step's scenario; the harness's run by default (a test gives its own). */
  runStep?: (scenario: Scenario) => Promise<{ report: RunReport; files: { dir: string } }>;
}

/** Each step's rate is the last one's times this. */
export const STEP_FACTOR = 1.5;
/** More failed operations than this share break the objective, whatever the latency of the rest. */
const MAX_ERROR_RATE = 0.001;
const WARMUP_S = 3;
/** A driver-bound step that achieved this share of its asked rate still kept the pace. */
const KEPT_PACE = 0.98;

/** One step: a fresh topology of the kind, the lean engine (the harness's fastest driver) on random keys at `rate`, straight to the nodes. */
export function throughputScenario(topology: TopologyKind, rate: number, stepSeconds: number, readRatio: number): Scenario {
  return validateScenario(
    {
      name: `study-throughput-${topology}-${Math.round(rate)}ops`,
      description: `Throughput study step: ${Math.round(rate)} ops/s open loop on a fresh ${topology}.`,
      topology: { kind: topology },
      workload: {
        engine: "lean",
        keys: randomWorkload.keys,
        rate: Math.round(rate),
        readRatio,
        duration: stepSeconds + WARMUP_S,
        warmup: WARMUP_S,
        connections: 8,
        // No fault in a step: nothing needs the Toxiproxy hop, which would cost a round trip and the CPU of a Go
        // proxy on the server's cores, and be measured as Redis's.
        via: "direct",
      },
      budgets: {},
    },
    "the throughput study",
  );
}

const throughputOf = METRICS.find((m) => m.id === "throughput")!;

/** What one step's run measured. */
export function stepOf(report: RunReport, dir: string, sloP99Ms: number): ThroughputStep | { reason: string } {
  if (report.status !== "completed") return { reason: `the run ${report.status}${report.problem ? `: ${report.problem}` : ""}` };
  const bl = report.phases.baseline;
  const achieved = throughputOf.measure(report).value;
  if (achieved === null || bl.ops === 0) return { reason: "no operations measured after the warm-up" };
  const ms = (us: number) => Math.round(us) / 1000;
  const errorRate = bl.errors / bl.ops;
  const bound = report.instrument.driverBound;
  return {
    targetRate: report.scenario.workload.rate,
    achievedRate: Math.round(achieved),
    p50Ms: ms(bl.latency.p50Us),
    p99Ms: ms(bl.latency.p99Us),
    p999Ms: ms(bl.latency.p999Us),
    errorRate,
    driverBound: bound !== null,
    ...(bound ? { driverBoundWhy: bound.reasons.join("; ") } : {}),
    meetsSlo: ms(bl.latency.p99Us) <= sloP99Ms && errorRate <= MAX_ERROR_RATE,
    floorP99Ms: Math.round(instrumentFloor(report, "p99", "baseline") * 1000) / 1000,
    run: dir,
  };
}

/**
 * Whether a step proves the topology meets the objective at its rate. Latency counts from each operation's intended
 * start, so a driver running late only adds to it: a driver-bound step whose P99 still met the objective, at the rate
 * asked, proves it too (Redis's own P99 was no higher). A driver-bound step that broke it, or fell short of the rate,
 * proves nothing about the topology.
 */
export const provesSlo = (s: ThroughputStep): boolean => s.meetsSlo && (!s.driverBound || s.achievedRate >= KEPT_PACE * s.targetRate);

/** The highest rate of a step that proved the objective met (see provesSlo). */
export const maxRateAtSlo = (steps: ThroughputStep[]): number | null =>
  steps.filter(provesSlo).reduce<number | null>((m, s) => (m === null || s.achievedRate > m ? s.achievedRate : m), null);

/** Why stepping stops after this step, or null to go on. */
export function stopAfter(step: ThroughputStep, sloP99Ms: number): { by: StopReason; why: string } | null {
  const at = `at ${step.targetRate.toLocaleString("en-US")} ops/s`;
  if (step.driverBound && !provesSlo(step))
    return { by: "driver", why: `the driver was the bottleneck ${at} (${step.driverBoundWhy}): the rates beyond are the driver's limit, not the topology's` };
  if (step.errorRate > MAX_ERROR_RATE) return { by: "errors", why: `${(step.errorRate * 100).toFixed(2)}% of operations failed ${at}` };
  if (step.p99Ms > sloP99Ms && step.floorP99Ms > sloP99Ms)
    return {
      by: "floor",
      why: `P99 ${step.p99Ms} ms broke the ${sloP99Ms} ms objective ${at}, but the instrument's own P99 floor there was ${step.floorP99Ms} ms: the objective is below what this harness resolves on this host, not a limit of the topology`,
    };
  if (step.p99Ms > sloP99Ms) return { by: "slo", why: `P99 ${step.p99Ms} ms broke the ${sloP99Ms} ms objective ${at}` };
  return null;
}

export async function runThroughputStudy(o: ThroughputStudyOptions): Promise<ThroughputStudy> {
  const study: ThroughputStudy = {
    kind: "throughput",
    topology: o.topology,
    sloP99Ms: o.sloP99Ms,
    readRatio: o.readRatio,
    stepSeconds: o.stepSeconds,
    steps: [],
    maxRateAtSlo: null,
    stoppedBy: null,
    stopped: "",
  };
  const rates: number[] = [];
  for (let r = o.startRate; r <= o.maxRate; r *= STEP_FACTOR) rates.push(Math.round(r));
  const runStep = o.runStep ?? ((sc: Scenario) => runScenario(sc, { settings: { ...o.settings, reportsDir: o.dir }, progress: o.progress, signal: o.signal }));
  const started = Date.now();
  for (const [i, rate] of rates.entries()) {
    if (o.signal.aborted) {
      Object.assign(study, { stoppedBy: "interrupted", stopped: "interrupted" });
      break;
    }
    const eta = i
      ? `; at most ${rates.length - i - 1} more after it (ETA at most ${Math.round((((Date.now() - started) / i) * (rates.length - i)) / 1000)} s)`
      : `; at most ${rates.length - 1} more after it`;
    o.progress.step(`throughput study (${o.topology}): step ${i + 1}, ${rate.toLocaleString("en-US")} ops/s${eta}`);
    // A step that would end the study is run once more at the same rate: on a shared host one stalled second (steal,
    // a neighbour's burst) can break a P99 or lag the driver, and one noisy step must not decide the curve.
    let stop: ReturnType<typeof stopAfter> = null;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const result = await runStep(throughputScenario(o.topology, rate, o.stepSeconds, o.readRatio));
      const step = stepOf(result.report, result.files.dir, o.sloP99Ms);
      if ("reason" in step) {
        stop = { by: o.signal.aborted ? "interrupted" : "failed", why: `the step at ${rate} ops/s did not measure: ${step.reason} (see ${result.files.dir})` };
        break;
      }
      stop = stopAfter(step, o.sloP99Ms);
      const again = stop !== null && attempt === 1 && !o.signal.aborted;
      if (again) step.repeated = true;
      study.steps.push(step);
      study.maxRateAtSlo = maxRateAtSlo(study.steps);
      o.progress.step(
        `  achieved ${step.achievedRate.toLocaleString("en-US")} ops/s, P99 ${step.p99Ms} ms${step.driverBound ? ", driver-bound" : ""}${stop ? (again ? `: ${stop.why}; repeating the step once to confirm` : `: stop, ${stop.why}`) : ""}`,
      );
      writeStudy(o.dir, study, throughputStudyView(study));
      if (!again) break;
    }
    if (stop) {
      Object.assign(study, { stoppedBy: stop.by, stopped: stop.why });
      break;
    }
  }
  if (!study.stoppedBy)
    Object.assign(study, { stoppedBy: "max-rate", stopped: `every step up to --max-rate ${o.maxRate.toLocaleString("en-US")} ops/s met the objective` });
  writeStudy(o.dir, study, throughputStudyView(study));
  return study;
}
