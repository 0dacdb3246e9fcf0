import type { PhaseClock } from "../check/phases.js";
import type { Timeline } from "../measure/timeline.js";
import type { Topology } from "../topology/types.js";
import type { ClientPool } from "../workload/client-pool.js";

export interface FaultContext {
  topology: Topology;
  clock: () => number;
  timeline: Timeline;
  phases: PhaseClock;
  signal: AbortSignal;
  /** The workload's connections: a runbook stops writes and repoints them. */
  pool: ClientPool;
  /** The connections reads go to, when they are not the pool's (replica reads). */
  readPool?: ClientPool;
}

/** What a report keeps of one fault: when it really took effect and healed, and what it measured on the way. */
export interface FaultRecord {
  kind: string;
  requestedAtMs: number;
  tookEffectAtMs: number | null;
  healedAtMs: number | null;
  details: Record<string, unknown>;
  error?: string;
}

/** A fault injects itself, waits for or causes its heal, and marks both moments on the phase clock and timeline. */
export interface Fault {
  readonly kind: string;
  run(ctx: FaultContext): Promise<FaultRecord>;
}
