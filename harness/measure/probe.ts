import type { HarnessError } from "../infra/errors.js";
import type { Topology } from "../topology/types.js";
import type { OomKill } from "./container-memory.js";
import type { PhaseClock } from "./phases.js";
import type { Timeline } from "./timeline.js";

/** What a probe is given: the running deployment and the run's clock, timeline and phases. */
export interface ProbeContext {
  topology: Topology;
  /** The run clock in ms (restarts at the load's first intended operation; see rebase). */
  clock: () => number;
  timeline: Timeline;
  phases: PhaseClock;
  /** The run's store of OOM kills inside its containers (the container-memory probe fills it; a checker judges it). */
  oomKills: OomKill[];
  /** Stops the run at once, as an interruption would, for a reason the harness found (the host running out of memory). */
  stopRun(reason: HarnessError): void;
}

/** How the load ended, for probes that summarise it. */
export interface LoadSummary {
  /** Run clock when the last reply came, and when the last operation was issued. */
  endMs: number;
  lastIssueMs: number;
  /** When each fault was sent (null: never), in the schedule's order. */
  faultStarts: Array<number | null>;
  /** The scenario's latency objective (workload.objectiveMs). */
  objectiveMs: number;
}

/**
 * Something that watches a run beside the load (the INFO sampler, Sentinel's events, the cluster's view, the app tier):
 *  - `start`: before the load, once the clients are connected (connect, take a first look);
 *  - `rebase`: the run clock restarts at the load's first intended operation: times kept so far move by `shiftMs`, and
 *    a probe that measures the load begins now;
 *  - `loadFinished`: the load stopped (what measures the load stops with it);
 *  - `stop`: the run is over (after the faults have healed); release everything, whatever happened before;
 *  - `contribute`: its sections of the report (typed where the run registers it, harness/run/probes.ts).
 */
export interface Probe<Sections extends object = object> {
  readonly name: string;
  start(): Promise<void>;
  rebase(shiftMs: number): void;
  loadFinished?(): Promise<void>;
  stop(): Promise<void>;
  contribute(load: LoadSummary): Sections;
}
