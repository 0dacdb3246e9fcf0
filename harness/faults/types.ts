import type { z } from "zod";
import type { Unit } from "../infra/units.js";
import type { OomKill } from "../measure/container-memory.js";
import type { PhaseClock } from "../measure/phases.js";
import type { Timeline } from "../measure/timeline.js";
import type { Failover } from "../topology/definition.js";
import type { NodeAction } from "../topology/node-control.js";
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
  /** Its steps, each with the load's own numbers over it (filled by the report from what the fault's `spans` name). */
  spans?: FaultSpan[];
}

/** One stretch of a fault a reader wants measured apart (an upgrade's node down, a resync): the operations intended in it. */
export interface FaultSpan {
  label: string;
  fromMs: number;
  toMs: number;
  ops: number;
  errors: number;
  p99Ms: number;
  maxMs: number;
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
  /** What it needs, in words; the scenario schema adds which topologies have it (so no fault names a topology). */
  message: string;
}

/** The scenario around a fault, for rules that look beyond it (a BGSAVE needs a dataset). */
export interface FaultSetting {
  datasetBytes: number;
  /** Where the fault's entry is in the scenario (["faults", 0]): a problem with one of its own fields is named below it. */
  path: Array<string | number>;
}

/** The load around a fault, for what it costs the host (scenario/resource-guard.ts). */
export interface FaultLoad {
  /** What each data node holds: the dataset and what the workload writes. */
  datasetBytes: number;
  writesPerS: number;
}

/** What a fault costs the host beyond the run's own: memory while it acts, disk it writes. */
export interface FaultCost {
  /** The cost in words, as the resource guard lists it. */
  what: string;
  memoryBytes: number;
  diskBytes: number;
}

/** A requirement a run can show met (study/decisive-runs.ts): the RTO of a failover, the RPO of a master's loss. */
export type RunRequirement = "rto" | "rpo";

/**
 * A run with this fault that can show a requirement met, for the recommendation. Any run can show one not met (writes
 * lost, an outage longer than asked); only such a run shows it met.
 */
export interface Decisive<Spec> {
  /** The topologies it decides for, by who promotes a replica there (a kill shows RTO only where one is promoted). */
  failover: readonly Failover[];
  /** Which entries of this fault do (one on the primary, say). */
  when(spec: Spec): boolean;
  /** Counts only as the run's one fault: the number measured is then this fault's. */
  alone: boolean;
  /** The run, in words. */
  what: string;
  /** Such a fault as a scenario file writes it: what the user is told to run where suites/ has no such run. */
  example: Record<string, unknown>;
}

/**
 * A kind of fault: its entry in a scenario (`schema`: a strict object with the `kind` literal and `at`, and `for` when
 * it heals after a while), what it needs of the topology, how it runs, and how views and comparisons read what it
 * measured. Registered in registry.ts; the scenario schema is built from the registry.
 */
export interface FaultDefinition<K extends string = string, S extends z.ZodType = z.ZodType, D extends object = object> {
  readonly kind: K;
  readonly schema: S;
  /** One line, for `list` and progress. */
  readonly description: string;
  /** What it does, for the scenario reference (docs/scenarios.md's fault table is generated from it: `npm run docs`). */
  readonly doc: string;
  requires?(spec: z.output<S>): Requirement[];
  /** Images it starts containers of (an upgrade's new one): admitted with the run's own before anything starts. */
  images?(spec: z.output<S>): string[];
  /** Rules beyond capabilities: each problem with the field of the scenario it is about. */
  validate?(spec: z.output<S>, setting: FaultSetting): Array<{ path: Array<string | number>; message: string }>;
  run(spec: z.output<S>, ctx: FaultContext): Promise<FaultRecord<K, D>>;
  facts(details: Partial<D>): FaultFact[];
  /** The stretches of it the report measures apart, on the run clock (its steps). */
  spans?(details: Partial<D>): Array<{ label: string; fromMs: number; toMs: number }>;
  readonly metrics?: ReadonlyArray<FaultMetric<D>>;
  /** What it costs the host (none when absent): the resource guard adds it before anything starts. */
  cost?(spec: z.output<S>, load: FaultLoad): FaultCost;
  /** The requirements a run with it can show met, and on which topologies (none when absent). */
  readonly shows?: Partial<Record<RunRequirement, Decisive<z.output<S>>>>;
  /**
   * What it does to a node, in order, where it acts on one (kill and start again, freeze and thaw, cut and heal): the dry
   * run explains each step with the node's own control. A fault without it acts through the fault layer or a command.
   */
  steps?(spec: z.output<S>): FaultStep[];
}

/** One thing a fault does to a node: at its injection or its heal, to the node its target resolves to (or that node's whole shard). */
export interface FaultStep {
  at: "inject" | "heal";
  does: NodeAction | "cut" | "heal cut";
  target: string;
}

export function defineFault<K extends string, S extends z.ZodType, D extends object>(d: FaultDefinition<K, S, D>): FaultDefinition<K, S, D> {
  return d;
}
