import type { Availability } from "../check/availability.js";
import type { AnyPhase } from "../check/phases.js";
import type { Verdict } from "../check/verdict.js";
import type { FaultRecord } from "../faults/types.js";
import type { HostFacts } from "../infra/environment.js";
import type { ImageFacts } from "../infra/docker.js";
import type { OpStatsSummary } from "../measure/op-stats.js";
import type { SecondSummary } from "../measure/recorder.js";
import type { ServerSample } from "../measure/sampler.js";
import type { TimelineEvent } from "../measure/timeline.js";
import type { Scenario } from "../scenario/schema.js";
import type { Convergence, TopologyDescription } from "../topology/types.js";
import type { DataLoss } from "../measure/ledger.js";
import type { StalenessSummary } from "../measure/staleness.js";
import type { NodeLoad } from "../measure/node-load.js";
import type { AppTierReport } from "../app/app-tier.js";

export const REPORT_SCHEMA_VERSION = 1;

export type RunStatus = "completed" | "aborted" | "failed";

export interface PhaseReport extends OpStatsSummary {
  /** Run-clock bounds of the phase (ms since the load started); null = open-ended. */
  fromMs: number | null;
  toMs: number | null;
}

/** The JSON report: the source of truth every other view is drawn from. Times are ms on the run clock. */
export interface RunReport {
  schemaVersion: number;
  scenario: Scenario;
  status: RunStatus;
  /** Why the run did not complete, when it did not. */
  problem?: string;
  startedAt: string;
  finishedAt: string;
  environment: { host: HostFacts | null; warnings: string[]; images: ImageFacts[] };
  topology: TopologyDescription | null;
  workload: { mode: "open-loop" | "closed-loop"; latencyMeaning: string; issued: number; loadDurationMs: number };
  dataset: { requestedBytes: number; keys: number; usedMemoryBytes: number | null };
  faults: FaultRecord[];
  phases: Record<AnyPhase, PhaseReport>;
  /** Every operation after warmup. */
  total: OpStatsSummary;
  /** Distinct texts of the errors classed "other". */
  otherErrors: string[];
  availability: Availability;
  /** How the topology settled before the read-back (ledger workloads). */
  convergence: Convergence | null;
  /** Lost, split-brain and indeterminate writes and the RPO window (ledger workloads). */
  dataLoss: DataLoss | null;
  /** Reads of the latest acknowledged write, and how many missed it (ledger workloads). */
  reads: StalenessSummary | null;
  /** Cluster: MOVED and ASK replies the servers sent during the load (INFO errorstats). */
  redirections: { moved: number; ask: number } | null;
  /** Commands each data node processed during the load, and its share: where a hot key or shard shows. */
  nodeLoad: NodeLoad[];
  /** The app tier (HTTP in front of Redis, driven by autocannon), when the scenario has one. */
  app: AppTierReport | null;
  perSecond: SecondSummary[];
  timeline: TimelineEvent[];
  samples: ServerSample[];
  verdict: Verdict;
}
