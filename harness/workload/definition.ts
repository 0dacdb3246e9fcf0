import type { WriteLedger } from "../measure/ledger.js";
import type { CacheReads } from "../measure/cache-reads.js";
import type { RegisterHistory } from "../measure/register-history.js";
import type { StaleReadLog } from "../measure/stale-reads.js";
import type { Clock, Issue } from "./driver.js";
import type { Connections } from "./engines/command-client.js";
import type { KeyValueWorkload } from "./key-value.js";

/**
 * A workload, as a scenario names it (`workload.keys`): what its operations are (the issuer), what the run keeps of
 * them for the checkers, and what that asks of the rest of the run. As Jepsen's workload bundles client, generator and
 * checker: the scenario schema, the load, the read-back, the checkers and the resource guard read these fields, and
 * none of them names a workload.
 */
export interface WorkloadDefinition<K extends string = string> {
  /** Its name in `workload.keys`. */
  keys: K;
  /** One line for `list` and the docs. */
  description: string;
  /**
   * The history its checkers read, beyond every operation's latency and outcome: the write ledger (lost and
   * duplicated writes, RPO; read back after the load), a register history (linearizability), and replica reads judged
   * against the writes acknowledged before them (stale reads), and a cache's reads as hits or misses.
   */
  keeps: { writeLedger: boolean; registerHistory: boolean; staleReads: boolean; cacheReads: boolean };
  /**
   * The lean engine's load of it can be sharded over drivers (threads, or processes on other hosts): each runs this
   * issuer on draws of its own (workload/shard-runner.ts), keeping its own write ledger and stale reads, which the run
   * merges by (driver, id); nothing is kept that one sequence across drivers must see (a register history is).
   */
  shardable: boolean;
  /** It writes over the preloaded dataset's own keys, so the scenario must load one. */
  needsDataset: boolean;
  /** Keys its writes leave on each data node (the resource guard's estimate), from how many writes it makes. */
  keysWritten(writes: number, w: WorkloadShape): number;
  /** The size of the values those keys hold, where it is not workload.valueBytes (the ledger's values are write ids). */
  valueBytesWritten?: number;
  /** Its operations: the issuer, built before the load's first tick. */
  issuer(from: IssuerInputs): Issue;
}

/** The scenario's workload section as issuers read it (scenario/schema.ts is a layer above and owns the full type). */
export type WorkloadShape = KeyValueWorkload & { registers: number; ledgerKeys?: number };

/** What a run hands an issuer: the workload, the connections, the run clock and the stores the workload keeps. */
export interface IssuerInputs {
  workload: WorkloadShape;
  pool: Connections;
  /** Where reads go (the replicas' connections when the scenario reads from replicas), else the pool. */
  readPool: Connections;
  clock: Clock;
  ledger: WriteLedger;
  registers: RegisterHistory;
  staleReads: StaleReadLog;
  cacheReads: CacheReads;
  /** The preloaded dataset: how many keys, and the name of the k-th. */
  dataset: { keys: number; keyName: (k: number) => string };
}

/** A workload, typed by its name. */
export const defineWorkload = <K extends string>(d: WorkloadDefinition<K>): WorkloadDefinition<K> => d;
