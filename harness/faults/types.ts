import type { z } from "zod";
import type { Unit } from "../infra/units.js";
import type { OomKill } from "../measure/container-memory.js";
import type { PhaseClock } from "../measure/phases.js";
import type { Timeline } from "../measure/timeline.js";
import type { Capability, Topology } from "../topology/types.js";
import type { Connections } from "../workload/engines/command-client.js";

/** What a fault is given when it runs. */
export interface FaultContext {
  topology: Topology;
  clock: () => number;
  timeline: Timeline;
  phases: PhaseClock;
  /** Ctrl-C: a fault in progress heals at once. */
  signal: AbortSignal;
  /** The workload's connections: a runbook stops writes and repoints them. */
  pool: Connections;
  /** The connections reads go to, when they are not the pool's (replica reads). */
  readPool?: Connections;
  /** OOM kills in the run's containers as the container-memory probe hears of them: a save's child killed is the
   * save's outcome, not the harness failing. */
  oomKills: readonly OomKill[];
  /** Told of each fault's record as soon as it is requested (the record fills in as the fault runs). */
  onStart?: (rec: FaultRecord) => void;
}

/**
 * What a report keeps of one fault: when it was due (requested), when the harness sent it (the fault phase, RTO and
 * RPO start there), when the harness saw it act, when it healed, and what it measured on the way.
 */
export interface FaultRecord<K extends string = string, D extends object = object> {
  kind: K;
  requestedAtMs: number;
  /** The harness sent the action that causes the fault (the kill, the pause, the first rule of a partition); null: it never did. */
  sentAtMs: number | null;
  /** The harness saw it act (a kill's connection closed, Toxiproxy's or the engine's API answered); ≥ sentAtMs. */
  observedAtMs: number | null;
  healedAtMs: number | null;
  /** Whatever the fault measured; a fault that failed half-way has measured only part of it. */
  details: Partial<D>;
  error?: string;
}

/** One line a view shows of a fault's details. */
export interface FaultFact {
  label: string;
  value: number | string | boolean | null | undefined;
  unit?: Unit;
}

/** A number a fault measures that comparisons track across runs (fork time, copy-on-write). */
export interface FaultMetric<D> {
  id: string;
  label: string;
  unit: Unit;
  better: "lower" | "higher";
  /** Changes smaller than this never count as a regression. */
  floor: number;
  pick(details: Partial<D>): number | undefined;
}

/** Something a fault needs of the topology, checked by the scenario schema before anything starts. */
export interface Requirement {
  capability: Capability;
  /** The field of the fault that asks for it. */
  field: string;
  message: string;
}

/** The scenario around a fault, for rules that look beyond it (a BGSAVE needs a dataset). */
export interface FaultSetting {
  datasetBytes: number;
}

/**
 * A kind of fault: its entry in a scenario (`schema`: a strict object with the `kind` literal and `at`, and `for` when
 * it heals after a while), what it needs of the topology, how it runs, and how views and comparisons read what it
 * measured. Registered in registry.ts; the scenario schema is built from the registry.
 */
export interface FaultDefinition<K extends string = string, S extends z.ZodType = z.ZodType, D extends object = object> {
  readonly kind: K;
  readonly schema: S;
  readonly description: string;
  requires?(spec: z.output<S>): Requirement[];
  /** Rules beyond capabilities: each problem with the field of the scenario it is about. */
  validate?(spec: z.output<S>, setting: FaultSetting): Array<{ path: Array<string | number>; message: string }>;
  run(spec: z.output<S>, ctx: FaultContext): Promise<FaultRecord<K, D>>;
  facts(details: Partial<D>): FaultFact[];
  readonly metrics?: ReadonlyArray<FaultMetric<D>>;
}

export function defineFault<K extends string, S extends z.ZodType, D extends object>(d: FaultDefinition<K, S, D>): FaultDefinition<K, S, D> {
  return d;
}
