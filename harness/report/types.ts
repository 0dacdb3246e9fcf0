import type { DriverSummary } from "../workload/drivers.js";
import type { EngineName } from "../workload/engines/index.js";
import type { AppTierReport } from "../app/app-tier.js";
import type { Measurements } from "../check/metrics.js";
import type { Verdict } from "../check/verdict.js";
import type { AnyFaultRecord } from "../faults/registry.js";
import type { ImageFacts } from "../infra/docker.js";
import type { HostFacts } from "../infra/environment.js";
import type { ResourceEstimate } from "../scenario/resource-guard.js";
import type { ContainerSections } from "../measure/container-memory.js";
import type { HarnessMemorySections } from "../measure/harness-memory.js";
import type { HostMemorySections } from "../measure/host-memory.js";
import type { SecuritySections } from "../measure/security-check.js";
import type { NodeLoad } from "../measure/node-load.js";
import type { SecondSummary } from "../measure/recorder.js";
import type { ServerSample } from "../measure/sampler.js";
import type { TimelineEvent } from "../measure/timeline.js";
import type { Scenario } from "../scenario/schema.js";
import type { Convergence, TopologyDescription } from "../topology/types.js";

export type { PhaseReport } from "../check/latency.js";

/**
 * The format of report.json. Bumped whenever a field changes meaning, appears or goes; a reader refuses reports of
 * another version by name (report-schema.ts) rather than guessing at an older layout.
 *  1: the first format (until the run became stages, probes and checkers).
 *  2: typed timeline events (Sentinel's as kind "sentinel" with its channel), checks named by {metric, phase, bound},
 *     rtoCensored, stale reads per phase, typed fault details.
 *  3: instrument (calibration, schedule lag, driver-bound) and workload.engine.
 *  4: verdict.inconclusive and Check.inconclusive: budgets the run's instrument floor reached, neither passed nor failed.
 *  5: scenario.security.tls and auth "acl"; security is { label, auth, tls, refused: per node, what each kind of
 *     client lacking a part of the security was answered } (was refusedWithoutLogin).
 *  6: linearizability (the registers workload's check: verdict, counterexamples, the visualization's file), and the
 *     budgets maxNonLinearizableKeys / minNonLinearizableKeys.
 *  7: ledger writes are APPENDs: dataLoss.duplicated (writes applied twice) and budget maxDuplicatedWrites; workload
 *     engine "node-redis"; scenario.clientProfile (a --clients run); client settings reconnectBackoff,
 *     reconnectMaxDelayMs, reconnectJitterMs, commandsQueueMaxLength, reconnectOnReadonly, maxRetriesPerRequest null,
 *     commandTimeoutMs 0 (none); samples carry total_connections_received.
 *  8: faults record sentAtMs (the fault phase, RTO and RPO start there) and observedAtMs (when the harness saw it act),
 *     not tookEffectAtMs; availability has perFault, withinObjective (workload.objectiveMs) and durable, and a censored
 *     RTO's bound is the last failing stretch; dataLoss.perFault; budgets rtoWithinObjectiveMs and durableRtoMs;
 *     phases' latency carries interval95; Check.floor is the phase's own instrument floor; compare's outcome
 *     "too few runs" and its method.
 *  9: topology.target (a run against a deployment the harness did not start: its nodes, how they were reached, keys
 *     before, the harness's keys removed); a partition's details say rulesApplied and where (not droppedOutboundLinks);
 *     environment.host.engine (the engine the containers ran on: this machine's, or the DOCKER_HOST; its cores, memory);
 *     workload.drivers (each driver of a sharded load: operations, schedule lag, clock, whether all it measured arrived).
 * 10: error class "OOM" (a write refused past maxmemory: "OOM command not allowed", was "other"); cache (the cache
 *     workload's reads: hits and misses per phase and per second) and budgets minHitRatio, maxOomErrors, minOomErrors;
 *     samples carry evicted_keys, keyspace_hits, keyspace_misses and maxmemory; a partition's details carry resync;
 *     bgsave's details carry sentAtMs and its spans (the fork, the save).
 * 11: instrument.via and scenario.workload.via (the load's path: "fault-layer", or "direct" to the nodes, whose
 *     calibrated round trip is then the floor's).
 */
export const REPORT_SCHEMA_VERSION = 11;

export type RunStatus = "completed" | "aborted" | "failed";

/** What the probes contribute (harness/run/probes.ts registers them). */
export interface ProbeSections {
  /** The INFO sampler's samples. */
  samples: ServerSample[];
  /** Commands each data node processed during the load, and its share: where a hot key or shard shows. */
  nodeLoad: NodeLoad[];
  /** Cluster: MOVED and ASK replies the servers sent during the load (INFO errorstats). */
  redirections: { moved: number; ask: number } | null;
  /** The app tier (HTTP in front of Redis, driven by autocannon), when the scenario has one. */
  app: AppTierReport | null;
  /** Each container's memory limit and memory curve (from its cgroup). */
  containers: ContainerSections["containers"];
  /** The host's available memory through the run, and the floor below which the run stops itself. */
  hostMemory: HostMemorySections["hostMemory"];
  /** The harness process's own memory through the run (RSS, heap, array buffers): a soak's harness must stay flat. */
  harnessMemory?: HarnessMemorySections["harnessMemory"];
  /** A secured run: every server and Sentinel seen refusing a client without a login (never the login itself). */
  security: SecuritySections["security"];
}

/** The JSON report: the source of truth every other view is drawn from. Times are ms on the run clock. */
export interface RunReport extends Measurements, ProbeSections {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  scenario: Scenario;
  status: RunStatus;
  /** Why the run did not complete, when it did not. */
  problem?: string;
  startedAt: string;
  finishedAt: string;
  /** `resources`: what the run was estimated to need of the host before it started (scenario/resource-guard.ts). */
  environment: { host: HostFacts | null; warnings: string[]; images: ImageFacts[]; resources?: ResourceEstimate };
  topology: TopologyDescription | null;
  /** `engine`: the client library the load went through (workload/engines). */
  /** `drivers`: each driver of a sharded load (threads, or processes on other hosts), when it was sharded. */
  workload: {
    mode: "open-loop" | "closed-loop";
    engine: EngineName;
    latencyMeaning: string;
    issued: number;
    loadDurationMs: number;
    drivers?: DriverSummary[];
  };
  dataset: { requestedBytes: number; keys: number; usedMemoryBytes: number | null };
  faults: AnyFaultRecord[];
  /** Distinct texts of the errors classed "other". */
  otherErrors: string[];
  /** How the topology settled before the read-back (ledger workloads). */
  convergence: Convergence | null;
  perSecond: SecondSummary[];
  timeline: TimelineEvent[];
  verdict: Verdict;
}
