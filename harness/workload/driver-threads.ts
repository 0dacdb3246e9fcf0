import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { OpLog, type OpLogChunk } from "../measure/op-log.js";
import type { TimelineEvent } from "../measure/timeline.js";
import type { ClientSettings } from "../topology/client-options.js";
import { runOpenLoop, type Clock, type DriverResult, type Issue, type Sink } from "./driver.js";
import type { LeanTarget } from "./engines/lean-target.js";
import type { KeyValueWorkload } from "./key-value.js";
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
  workload: KeyValueWorkload;
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

type FromShard =
  | { type: "ready" }
  | { type: "ops"; chunk: OpLogChunk; messages: string[]; events: TimelineEvent[] }
  | { type: "done"; result: DriverResult }
  | { type: "error"; error: string };

/**
 * The load sharded over worker threads (`--driver-threads N`), each with its own lean connections, metronome and
 * event loop: started (connected, keys built) before the run clock starts, then all told to go at once. Every
 * operation they measure comes back with its times on the run clock and goes to `sink` here, so the run's recorder
 * builds its histograms and op log from exactly the operations it would have recorded on one thread; timeline events
 * of their connections are added to the run's.
 */
export class DriverThreads {
  private constructor(
    private readonly workers: Worker[],
    private readonly messages: Array<(m: FromShard) => void>,
  ) {}

  /** Starts the shards and waits until every one is connected and ready. */
  static async start(shards: ShardSpec[]): Promise<DriverThreads> {
    const workers: Worker[] = [];
    const handlers: Array<(m: FromShard) => void> = [];
    try {
      await Promise.all(
        shards.map(
          (spec, k) =>
            new Promise<void>((resolve, reject) => {
              const w = new Worker(BOOT, { workerData: spec });
              workers.push(w);
              handlers[k] = (m) => (m.type === "ready" ? resolve() : m.type === "error" ? reject(new Error(`driver thread ${k}: ${m.error}`)) : undefined);
              w.on("message", (m: FromShard) => handlers[k](m));
              w.once("error", reject);
              w.once("exit", (code) => reject(new Error(`driver thread ${k} exited (${code}) before it was ready`)));
            }),
        ),
      );
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new DriverThreads(workers, handlers);
  }

  /** Each thread's event-loop utilization, as `performance.eventLoopUtilization` reads the run thread's. */
  get eventLoops(): Array<Worker["performance"]["eventLoopUtilization"]> {
    return this.workers.map((w) => w.performance.eventLoopUtilization.bind(w.performance));
  }

  /**
   * Tells every shard to go, with the run clock's origin (absolute: thread clocks differ), and resolves once all are
   * done: the operations issued, summed; the last issue and the last reply, the latest of any shard.
   */
  go(originAbs: number, sink: Sink, timelineAdd: (e: TimelineEvent) => void, signal?: AbortSignal): Promise<DriverResult> {
    const results = this.workers.map(
      (w, k) =>
        new Promise<DriverResult>((resolve, reject) => {
          this.messages[k] = (m) => {
            if (m.type === "ops") deliver(m, sink, timelineAdd);
            else if (m.type === "done") resolve(m.result);
            else if (m.type === "error") reject(new Error(`driver thread ${k}: ${m.error}`));
          };
          w.removeAllListeners("exit");
          w.removeAllListeners("error");
          w.once("error", reject);
          w.once("exit", (code) => reject(new Error(`driver thread ${k} exited (${code}) before its load was done`)));
          w.postMessage({ originAbs });
        }),
    );
    const abort = () => this.workers.forEach((w) => w.postMessage({ type: "abort" }));
    signal?.addEventListener("abort", abort, { once: true });
    return Promise.all(results)
      .then((rs) => ({
        mode: rs[0].mode,
        issued: rs.reduce((a, r) => a + r.issued, 0),
        lastIssueMs: Math.max(...rs.map((r) => r.lastIssueMs)),
        endMs: Math.max(...rs.map((r) => r.endMs)),
      }))
      .finally(() => signal?.removeEventListener("abort", abort));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function deliver(m: Extract<FromShard, { type: "ops" }>, sink: Sink, timelineAdd: (e: TimelineEvent) => void): void {
  const log = OpLog.of(m.chunk);
  let messages = 0;
  for (let i = 0; i < log.length; i++) {
    const op = log.at(i);
    if (op.error === "other" && messages < m.messages.length) op.message = m.messages[messages++];
    sink(op);
  }
  for (const e of m.events) timelineAdd(e);
}
