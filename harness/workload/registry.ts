import type { WorkloadDefinition } from "./definition.js";
import { cacheWorkload } from "./cache-fill.js";
import { datasetWorkload, randomWorkload } from "./key-value.js";
import { ledgerWorkload } from "./ledger-writes.js";
import { registersWorkload } from "./register-ops.js";

/** Every workload a scenario can name (`workload.keys`): adding one is its file and a line here. */
export const WORKLOADS = [ledgerWorkload, randomWorkload, datasetWorkload, registersWorkload, cacheWorkload] as const;

export type WorkloadKeys = (typeof WORKLOADS)[number]["keys"];
export const WORKLOAD_KEYS = WORKLOADS.map((d) => d.keys) as [WorkloadKeys, ...WorkloadKeys[]];

export function workloadDefinition(keys: string): WorkloadDefinition {
  const d = WORKLOADS.find((w) => w.keys === keys);
  if (!d) throw new Error(`no workload named ${keys}`);
  return d;
}

/** The workloads that keep a store, by name: what a message tells the user to pick. */
export const keepersOf = (store: keyof WorkloadDefinition["keeps"]): string[] => WORKLOADS.filter((w) => w.keeps[store]).map((w) => `"${w.keys}"`);
