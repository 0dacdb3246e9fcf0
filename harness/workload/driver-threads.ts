import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { ClientSettings } from "../topology/client-options.js";
import { runOpenLoop, type Clock, type DriverResult, type Issue, type Sink } from "./driver.js";
import { Drivers, type DriverEndpoint } from "./drivers.js";
import type { LeanTarget } from "./engines/lean-target.js";
import type { FromShard } from "./shard-runner.js";
import type { WorkloadShape } from "./definition.js";
import { Metronome } from "./metronome.js";
import { shardIntendedStartMs } from "./schedule.js";

/** A load to shard: the workload's own fields, where the connections go, and the client settings. */
export interface ThreadedLoad {
  mode: "open-loop" | "closed-loop";
  rate: number;
  durationMs: number;
  connections: number;
  pipeline: number;
  waker: "metronome" | "timer";
  /** The scenario's workload: which (`keys`, a shardable one) and its shape. */
  workload: WorkloadShape & { keys: string };
  target: LeanTarget;
  client: ClientSettings;
}

/**
 * One thread's part of the load (driver-thread.ts runs it): `rate` and `connections` are its share; open loop, its
 * schedule starts `offsetMs` after the run clock's 0 (closed loop has no schedule and ignores it).
 */
export type ShardSpec = ThreadedLoad & { shard: number; offsetMs: number };

/**
 * A worker thread does not inherit the tsx loader the harness runs under: its first lines register it (tsx's own API),
 * then load the shard's TypeScript.
 */
const BOOT = new URL(
  `data:text/javascript,${encodeURIComponent(`import { register } from ${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api")).href.replace(/\.cjs$/, ".mjs"))};
register();
await import(${JSON.stringify(new URL("./driver-thread.ts", import.meta.url).href)});`)}`,
);

/** Splits `total` into `n` whole parts that differ by at most one. */
const split = (total: number, n: number, k: number) => Math.floor(total / n) + (k < total % n ? 1 : 0);

/**
 * The shards of a load over `threads` threads: the rate and the connections split as evenly as they go. Shard k takes
 * the load's operations k, k + N, k + 2N, …: its schedule at rate / N starts k / rate in, so the shards' operations
 * interleave one every 1 / rate instead of leaving N at a time.
 */
export function shardsOf(load: ThreadedLoad, threads: number): ShardSpec[] {
  return Array.from({ length: threads }, (_, shard) => ({
    ...load,
    shard,
    rate: load.rate / threads,
    connections: split(load.connections, threads, shard),
    offsetMs: (shard * 1000) / load.rate,
  }));
}

/**
 * A shard's open loop, as its thread runs it: operation 0 at the shard's place on the run clock, however late the
 * thread got the word, so the shards' schedules interleave into the load's. `originAbs` is the run clock's 0 as
 * performance.timeOrigin + now (ms, comparable across threads), as the metronome takes its origin.
 */
export async function runShardOpenLoop(
  spec: ShardSpec,
  originAbs: number,
  issue: Issue,
  sink: Sink,
  clock: Clock,
  signal?: AbortSignal,
): Promise<DriverResult> {
  const originMs = shardIntendedStartMs(spec, 0);
  const metronome = spec.waker === "metronome" ? await Metronome.start(Metronome.intervalFor(spec.rate), undefined, originAbs + originMs) : undefined;
  return runOpenLoop({ ratePerSec: spec.rate, durationMs: spec.durationMs, metronome, originMs }, issue, sink, clock, signal).finally(() => metronome?.stop());
}

/** Each shard on a worker thread of its own (driver-thread.ts): its own event loop, watched beside the run's. */
export function threadEndpoint(spec: ShardSpec): DriverEndpoint {
  const w = new Worker(BOOT, { workerData: spec });
  let handle: (m: FromShard) => void = () => {};
  let gone: (why: string) => void = () => {};
  w.on("message", (m: FromShard) => handle(m));
  w.on("error", (err) => gone(err.message));
  w.on("exit", (code) => gone(`exited (${code})`));
  return {
    label: `thread ${spec.shard}`,
    send: (m) => w.postMessage(m),
    onMessage: (h) => (handle = h),
    onGone: (h) => (gone = h),
    eventLoop: w.performance.eventLoopUtilization.bind(w.performance),
    stop: async () => void (await w.terminate()),
  };
}

/** The load sharded over worker threads (`--driver-threads N`). */
export const DriverThreads = { start: (shards: ShardSpec[]) => Drivers.start(shards.map(threadEndpoint)) };
