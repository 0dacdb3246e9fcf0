import type { AnyFaultRecord } from "../faults/registry.js";
import type { OomKill } from "../measure/container-memory.js";
import type { ReadBack, WriteLedger } from "../measure/ledger.js";
import type { PhaseClock } from "../measure/phases.js";
import type { Recorder } from "../measure/recorder.js";
import type { CacheReads } from "../measure/cache-reads.js";
import type { RegisterHistory } from "../measure/register-history.js";
import type { StaleReadLog } from "../measure/stale-reads.js";
import type { Calibration } from "../workload/calibration.js";
import type { LoadPath } from "../workload/engines/lean-target.js";
import type { EngineName } from "../workload/engines/index.js";

/**
 * Everything a run recorded that checkers judge, one owner per store: the recorder (every operation: latency, outcome,
 * by intended start), the write ledger (every write of the ledger workload and its outcome) with what the read-back
 * found, the stale-read log (every read of the latest acknowledged write), the phase marks, the faults' records, the OOM kills in the run's containers, and
 * how the load ended. The timeline is for people (and the charts); no checker reads it.
 */
export interface History {
  recorder: Recorder;
  phases: PhaseClock;
  /** The ledger workload's writes; null when the workload keeps no ledger (random keys). */
  ledger: WriteLedger | null;
  /** What the read-back found once the topology converged; null when it did not happen. */
  readBack: ReadBack | null;
  /** The ledger workload's reads, and where they went. */
  staleReads: { log: StaleReadLog; from: "primary" | "replicas" } | null;
  /** The registers workload's operations, for the linearizability checker; null for other workloads. */
  registers: RegisterHistory | null;
  /** The cache workload's reads, hits and misses; null for other workloads. */
  cacheReads: CacheReads | null;
  /** The run's report folder: where a checker leaves a file beside the report (the linearizability view). */
  dir: string;
  faults: AnyFaultRecord[];
  /** OOM kills inside the run's containers. */
  oomKills: OomKill[];
  /** The driver itself: its floor measured before the load, and how busy its thread was each second. */
  instrument: { engine: EngineName; mode: "open-loop" | "closed-loop"; calibration: Calibration | null; via: LoadPath; eventLoop: number[] };
  load: { endMs: number; lastIssueMs: number };
  /** The scenario's latency objective: a write acknowledged later than this after its intended start kept its caller waiting too long. */
  objectiveMs: number;
}
