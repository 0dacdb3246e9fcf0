import type { DriverSummary } from "../workload/drivers.js";
import type { CheckResults } from "../check/index.js";
import { verdictOf, type Check } from "../check/verdict.js";
import { faultDefinition, type AnyFaultRecord } from "../faults/registry.js";
import type { ImageFacts } from "../infra/docker.js";
import type { HostFacts } from "../infra/environment.js";
import type { ResourceEstimate } from "../scenario/resource-guard.js";
import type { Recorder } from "../measure/recorder.js";
import type { TimelineEvent } from "../measure/timeline.js";
import type { Scenario } from "../scenario/schema.js";
import type { Convergence, TopologyDescription } from "../topology/types.js";
import type { DriverResult } from "../workload/driver.js";
import { REPORT_SCHEMA_VERSION, type ProbeSections, type RunReport, type RunStatus } from "./types.js";

/** Everything a report is made of: what the run established, what the checkers found, what the probes contributed. */
export interface ReportInputs {
  scenario: Scenario;
  status: RunStatus;
  problem?: string;
  startedAt: Date;
  finishedAt?: Date;
  environment: { host: HostFacts | null; images: ImageFacts[]; warnings: string[]; resources?: ResourceEstimate };
  topology: TopologyDescription | null;
  dataset: { keys: number; usedMemoryBytes: number | null };
  driver: DriverResult;
  drivers?: DriverSummary[];
  recorder: Recorder;
  faults: AnyFaultRecord[];
  convergence: Convergence | null;
  checked: { results: CheckResults; checks: Check[] };
  probes: Partial<ProbeSections>;
  timeline: TimelineEvent[];
}

const LATENCY_MEANING = {
  "open-loop": "open loop: from each operation's intended start (stalls are counted, coordinated omission corrected)",
  "closed-loop": "CLOSED LOOP (max throughput): service time only; stalls are hidden, do not read these as user latency",
};

/** A fault's record with the load's numbers over each stretch its definition names. */
function withSpans(f: AnyFaultRecord, recorder: Recorder): AnyFaultRecord {
  const spans = faultDefinition(f.kind).spans?.(f.details as Record<string, unknown>);
  if (!spans?.length) return f;
  return {
    ...f,
    spans: spans.map((s) => {
      const m = recorder.between(s.fromMs, s.toMs);
      return { ...s, ops: m.ops, errors: m.errors, p99Ms: m.latency.p99Us / 1000, maxMs: m.latency.maxUs / 1000 };
    }),
  };
}

/** The report of a run. A run that did not complete fails its verdict, whatever its budgets say. */
export function buildReport(x: ReportInputs): RunReport {
  const bound = x.checked.results.instrument.driverBound;
  const v = { ...verdictOf(x.checked.checks), ...(bound ? { driverBound: bound.reasons } : {}) };
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    scenario: x.scenario,
    status: x.status,
    ...(x.problem ? { problem: x.problem } : {}),
    startedAt: x.startedAt.toISOString(),
    finishedAt: (x.finishedAt ?? new Date()).toISOString(),
    environment: x.environment,
    topology: x.topology,
    workload: {
      mode: x.driver.mode,
      engine: x.scenario.workload.engine,
      latencyMeaning: LATENCY_MEANING[x.driver.mode],
      issued: x.driver.issued,
      loadDurationMs: Math.round(x.driver.endMs),
      ...(x.drivers ? { drivers: x.drivers } : {}),
    },
    dataset: { requestedBytes: x.scenario.dataset.size, ...x.dataset },
    faults: x.faults.map((f) => withSpans(f, x.recorder)),
    ...x.checked.results,
    otherErrors: [...x.recorder.otherErrors],
    convergence: x.convergence,
    samples: [],
    nodeLoad: [],
    redirections: null,
    app: null,
    containers: null,
    hostMemory: null,
    harnessMemory: null,
    security: null,
    ...x.probes,
    perSecond: x.recorder.perSecond(),
    timeline: [...x.timeline].sort((a, b) => a.tMs - b.tMs),
    verdict: x.status === "completed" ? v : { ...v, pass: false, failures: [`run ${x.status}: ${x.problem}`, ...v.failures] },
  };
}
