import { statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { hostMemory } from "../infra/environment.js";
import type { Scenario } from "./schema.js";
import { DEFAULT_LIMITS, type ContainerLimits } from "../topology/definition.js";
import { containersOf } from "../topology/registry.js";
import { faultDefinition } from "../faults/registry.js";
import { BadInputError } from "../infra/errors.js";
import { workloadDefinition } from "../workload/registry.js";
import { formatBytes } from "../infra/units.js";

/**
 * What a run will need of the host, estimated from its scenario before anything starts, so that no option a user types
 * can exhaust the machine (a 100 TB dataset once filled all 24 GiB here and the host stopped answering for 35 min).
 *
 * Redis's memory per key, measured on this machine with DEBUG POPULATE (redis 7.0, INFO used_memory): 184 B a key at
 * 100-byte values (84 B over the value), 1,354 B at 1 KiB (330 B over: jemalloc's size classes), 10,317 B at 10 kB.
 * The model below (value × 1.25 + 100 B) lies above each of those.
 */
export const bytesPerKey = (valueBytes: number) => Math.ceil(valueBytes * 1.25 + 100);
/** A container's own footprint before data: an allowance (not measured), generous for an idle Redis or Toxiproxy. */
const CONTAINER_BYTES = 64 * 2 ** 20;
/** The harness process: Node, the clients, the charts' data (an allowance, not measured). */
const HARNESS_BYTES = 512 * 2 ** 20;
/**
 * Per write, after the load: what the read-back found (1 B) and the writes in order of intended start for the RTO. At
 * the peak, while the op log's writes are sorted: their times, outcomes and latencies in arrays grown by doubling (up
 * to 34 B), the sort's order (4 B) and the sorted copies (17 B). The op log, the ledger and the reads hold their newest
 * segments in memory (a few MB, within HARNESS_BYTES) and the rest on disk (measure/spilled-columns.ts).
 */
const WRITE_BYTES = 56;
/** On the temporary folder's disk: the op log's bytes per operation, the run's ledger's per write, the reads' per read. */
export const SPILLED_BYTES = { operation: 18, write: 23, read: 16 } as const;
/**
 * Per second of load: its row and its line of the HDR log, kept for the report (1.8 kB measured at 2,000 ops/s),
 * and their copies as the report is written. A second's histograms (~94 kB each) are held only while it is built.
 */
const SECOND_BYTES = 8 * 1024;
/** Closed loop has no rate: at most what the lean engine reached in the bench here (~0.5M ops/s), doubled. */
const CLOSED_LOOP_MAX_OPS = 1_000_000;
const roundUpMiB = (b: number) => Math.ceil(b / 2 ** 20) * 2 ** 20;
/** What is left to the OS and everything else: never plan on more than this share of what is available. */
export const USABLE_SHARE = 0.8;

export interface ResourceEstimate {
  memoryBytes: number;
  /** Each container's memory limit (the scenario's `topology.memoryLimit` for data nodes, when it sets one). */
  limits: ContainerLimits;
  diskBytes: number;
  /** How the memory adds up, largest first, in words. */
  parts: Array<{ what: string; bytes: number }>;
  availableMemoryBytes: number | null;
  availableDiskBytes: number | null;
  /** What the op log, the ledger and the reads spill, on the temporary folder's disk. */
  spilledBytes: number;
  availableTmpBytes: number | null;
}

/** Containers every run starts beside the topology's own: Toxiproxy (the fault layer) and the reaper. */
const RUN_CONTAINERS = 2;

/** The estimate for a scenario, with what this host has available (null where it cannot be read). */
export function estimateResources(s: Scenario, host = hostResources(), { dataHere = true } = {}): ResourceEstimate {
  // Against a target, the data and its saves live on the target's hosts: only the harness's own parts are here.
  const { dataNodes, others: own } = dataHere ? containersOf(s.topology) : { dataNodes: 0, others: 0 };
  const others = own + RUN_CONTAINERS;
  const w = s.workload;
  const opsPerS = w.mode === "open-loop" ? w.rate : Math.min(CLOSED_LOOP_MAX_OPS, w.connections * w.pipeline * 1000); // ~1 ms a batch
  const writes = opsPerS * w.duration * (1 - w.readRatio);
  const workload = workloadDefinition(w.keys);
  const keeps = workload.keeps;
  const reads = opsPerS * w.duration * w.readRatio;
  const spilledBytes =
    opsPerS * w.duration * SPILLED_BYTES.operation +
    (keeps.writeLedger ? writes * SPILLED_BYTES.write : 0) +
    (keeps.staleReads ? reads * SPILLED_BYTES.read : 0);
  // Each workload says how many keys its writes leave (the ledger one per write, random keys at most its key space).
  const writtenKeyBytes = bytesPerKey(workload.valueBytesWritten ?? w.valueBytes);
  const written = Math.ceil(workload.keysWritten(writes, w) * writtenKeyBytes);
  const dataset = (s.dataset.size > 0 ? Math.floor(s.dataset.size / s.dataset.valueBytes) * bytesPerKey(s.dataset.valueBytes) : 0) + written;
  // Every node that holds the data holds all of it (replicas copy the primary's; a cluster's dataset is refused).
  const copies = dataset * dataNodes;
  // What each fault declares it costs; the costliest counts (a save's copy-on-write is freed when it ends, and Redis
  // runs one save at a time).
  const load = { datasetBytes: dataset, writesPerS: opsPerS * (1 - w.readRatio) };
  const costs = dataHere ? s.faults.flatMap((f) => faultDefinition(f.kind).cost?.(f, load) ?? []) : [];
  const fault = costs.reduce((a, c) => (c.memoryBytes > a.memoryBytes ? c : a), { what: "", memoryBytes: 0, diskBytes: 0 });
  const parts = [
    {
      what: `the dataset and the workload's writes, ${dataNodes} cop${dataNodes === 1 ? "y" : "ies"} (${formatBytes(dataset)} each at ${s.dataset.size > 0 ? bytesPerKey(s.dataset.valueBytes) : writtenKeyBytes} B a key)`,
      bytes: copies,
    },
    { what: fault.what, bytes: fault.memoryBytes },
    { what: `${dataNodes + others} containers`, bytes: (dataNodes + others) * CONTAINER_BYTES },
    {
      what: `the harness (its record of the writes and per-second latency for ${w.duration} s at ${opsPerS} ops/s; its record of every operation, ${formatBytes(spilledBytes)}, on disk)`,
      bytes: HARNESS_BYTES + writes * WRITE_BYTES + w.duration * SECOND_BYTES,
    },
  ]
    .filter((p) => p.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  return {
    memoryBytes: parts.reduce((a, p) => a + p.bytes, 0),
    limits: {
      // A fork can, at worst, copy every page: twice the data, so that no save of a scenario that did not ask for a
      // tight limit is ever killed by the default.
      ...DEFAULT_LIMITS,
      dataNodeBytes: s.topology.memoryLimit ?? roundUpMiB(Math.max(DEFAULT_LIMITS.dataNodeBytes, 2 * dataset + CONTAINER_BYTES)),
    },
    diskBytes: Math.max(0, ...costs.map((c) => c.diskBytes)),
    spilledBytes,
    parts,
    availableMemoryBytes: host.memoryBytes,
    availableDiskBytes: host.diskBytes,
    availableTmpBytes: host.tmpBytes ?? null,
  };
}

/** MemAvailable, and the free space where Docker keeps containers' files (null when they cannot be read). */
export function hostResources(dockerRoot = "/var/lib/docker"): HostResources {
  const memoryBytes = hostMemory()?.availableBytes ?? null; // null (not Linux): no memory guard
  let diskBytes: number | null = null;
  try {
    const st = statfsSync(dockerRoot);
    diskBytes = st.bavail * st.bsize;
  } catch {
    // no such directory (a remote engine): no disk guard
  }
  let tmpBytes: number | null = null;
  try {
    const st = statfsSync(tmpdir());
    tmpBytes = st.bavail * st.bsize;
  } catch {
    // unreadable: no guard on the op log's disk
  }
  return { memoryBytes, diskBytes, tmpBytes };
}

/** What the host has available: memory, Docker's disk, and the temporary folder's disk (where a long op log goes). */
export interface HostResources {
  memoryBytes: number | null;
  diskBytes: number | null;
  tmpBytes?: number | null;
}

/**
 * Refuses, before anything is created, a run whose estimate does not fit in USABLE_SHARE of what the host has
 * available: the error names the estimate, its largest parts, what is available and the largest dataset that fits.
 */
export function requireResources(s: Scenario, host = hostResources(), where = { dataHere: true }): ResourceEstimate {
  const e = estimateResources(s, host, where);
  const problems: string[] = [];
  if (e.availableMemoryBytes !== null && e.memoryBytes > e.availableMemoryBytes * USABLE_SHARE)
    problems.push(
      `needs about ${formatBytes(e.memoryBytes)} of memory (${e.parts.map((p) => `${p.what}: ${formatBytes(p.bytes)}`).join("; ")}), and this host has ${formatBytes(e.availableMemoryBytes)} available (the harness plans on ${USABLE_SHARE * 100}% of it)`,
    );
  if (e.availableDiskBytes !== null && e.diskBytes > e.availableDiskBytes * USABLE_SHARE)
    problems.push(`needs about ${formatBytes(e.diskBytes)} of disk for the save, and Docker's disk has ${formatBytes(e.availableDiskBytes)} free`);
  if (e.availableTmpBytes !== null && e.spilledBytes > e.availableTmpBytes * USABLE_SHARE)
    problems.push(
      `needs about ${formatBytes(e.spilledBytes)} of disk in ${tmpdir()} for its record of every operation, and that disk has ${formatBytes(e.availableTmpBytes)} free (TMPDIR moves it)`,
    );
  if (problems.length === 0) return e;
  throw new BadInputError(`Scenario "${s.name}" does not fit on this host: it ${problems.join("; and it ")}.`, fix(s, host));
}

/** The largest dataset that would fit (to within 1%): halving to one that fits, then bisecting (the estimate grows with it). */
function fix(s: Scenario, host: HostResources): string {
  const fits = (size: number) => {
    const e = estimateResources({ ...s, dataset: { ...s.dataset, size } }, host);
    return (
      (e.availableMemoryBytes === null || e.memoryBytes <= e.availableMemoryBytes * USABLE_SHARE) &&
      (e.availableDiskBytes === null || e.diskBytes <= e.availableDiskBytes * USABLE_SHARE)
    );
  };
  if (s.dataset.size === 0 || !fits(0))
    return "Lower --rate or --duration (the harness's own record of every operation grows with both), or run on a larger host.";
  let hi = s.dataset.size;
  let lo = Math.floor(hi / 2);
  while (lo > 1 && !fits(lo)) [hi, lo] = [lo, Math.floor(lo / 2)];
  while (hi - lo > lo / 100) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return `Use a smaller --dataset: ${formatBytes(lo)} fits here.`;
}
