import { performance } from "node:perf_hooks";
import { encodeHistogram, newHistogram, recordUs } from "../measure/histogram.js";
import { OpLog, type OpLogChunk } from "../measure/op-log.js";
import type { OpOutcome } from "../measure/op-stats.js";
import { Timeline, type TimelineEvent } from "../measure/timeline.js";
import { runClosedLoop, type DriverResult } from "./driver.js";
import { runShardOpenLoop, type ShardSpec } from "./driver-threads.js";
import { leanPoolAt } from "./engines/lean-target.js";
import { WriteLedger, type LedgerChunk } from "../measure/ledger.js";
import { CacheReads } from "../measure/cache-reads.js";
import { RegisterHistory } from "../measure/register-history.js";
import { StaleReadLog, type StaleReadChunk } from "../measure/stale-reads.js";
import { workloadDefinition } from "./registry.js";

/** What a shard sends: ready, its clock (for the agreed start), its operations in batches, its own totals, done or error. */
export type FromShard =
  | { type: "ready" }
  | { type: "clock"; nowAbs: number }
  | { type: "ops"; chunk: OpLogChunk; messages: string[]; events: TimelineEvent[]; writes?: LedgerChunk; staleReads?: StaleReadChunk }
  | { type: "totals"; ops: number; latency: string; writes: number }
  | { type: "done"; result: DriverResult }
  | { type: "error"; error: string };

/** What a shard is told: what time it is where it runs (asked), when operation 0 is (its own clock), or to stop. */
export type ToShard = { type: "clock?" } | { type: "go"; originAbs: number } | { type: "abort" };

/** How a shard talks to the run: a worker thread's port, or a process's standard streams (over SSH, from another host). */
export interface ShardChannel {
  send(m: FromShard): void;
  onMessage(handle: (m: ToShard) => void): void;
}

const BATCH_MS = 200;

/**
 * One shard of a run's load, wherever it runs (driver-thread.ts, driver-process.ts): its own lean connections, issuer,
 * metronome and event loop. What it measures goes back every BATCH_MS as its op log's arrays, every operation with its
 * times on the run clock, so the run's recorder files them as it would its own. Its own totals (operations and the
 * latency histogram, from the same operations as sent) go back at the end: the run checks the merge against them.
 */
export async function runShard(spec: ShardSpec, channel: ShardChannel): Promise<void> {
  const log = new OpLog();
  // What the workload keeps, kept here and sent back with the operations: the run merges it by (shard, id).
  const keeps = workloadDefinition(spec.workload.keys).keeps;
  const ledger = new WriteLedger(`w:${spec.shard}`, undefined, spec.workload.ledgerKeys ?? 0);
  const staleReads = new StaleReadLog();
  // Its own count and latency histogram, kept as each operation is logged, to the µs the op log keeps (one record an
  // operation: what the run checks the merge against).
  const own = { ops: 0, latency: newHistogram() };
  let messages: string[] = [];
  let clock = () => 0;
  const timeline = new Timeline(() => clock());
  const flush = (last = false) => {
    const chunk = log.drain();
    channel.send({
      type: "ops",
      chunk,
      messages,
      events: timeline.events.splice(0),
      ...(keeps.writeLedger ? { writes: ledger.drain(spec.shard, last) } : {}),
      ...(keeps.staleReads ? { staleReads: staleReads.drain() } : {}),
    });
    messages = [];
  };
  const abort = new AbortController();
  let go: (originAbs: number) => void = () => {};
  // Told to stop before it was told to go (the run gave up on another driver): it ends, its connections closed.
  const started = new Promise<number>((resolve, reject) => {
    go = resolve;
    abort.signal.addEventListener("abort", () => reject(new Error("stopped before the load began")), { once: true });
  });
  channel.onMessage((m) => {
    if (m.type === "clock?") channel.send({ type: "clock", nowAbs: performance.timeOrigin + performance.now() });
    else if (m.type === "go") go(m.originAbs);
    else abort.abort();
  });
  const pool = leanPoolAt(spec.target, spec.connections, spec.client, timeline);
  try {
    await pool.connect();
    const issue = workloadDefinition(spec.workload.keys).issuer({
      workload: { ...spec.workload, seed: spec.workload.seed + spec.shard },
      pool,
      readPool: pool,
      clock: () => clock(),
      ledger,
      registers: new RegisterHistory(),
      staleReads,
      cacheReads: new CacheReads(),
      // A shardable workload writes no dataset of its own (workload/definition.ts).
      dataset: { keys: 0, keyName: () => "" },
    });
    channel.send({ type: "ready" });
    const originAbs = await started;
    clock = () => performance.timeOrigin + performance.now() - originAbs;
    const timer = setInterval(() => flush(), BATCH_MS);
    const sink = (op: OpOutcome) => {
      log.add(op);
      recordUs(own.latency, (op.doneMs - op.intendedMs) * 1000);
      own.ops++;
      if (op.message !== undefined && messages.length < 10) messages.push(op.message);
    };
    let result: DriverResult;
    try {
      if (spec.mode === "open-loop") {
        result = await runShardOpenLoop(spec, originAbs, issue, sink, clock, abort.signal);
      } else {
        await new Promise((r) => setTimeout(r, Math.max(0, -clock())));
        result = await runClosedLoop({ durationMs: spec.durationMs, connections: spec.connections, pipeline: spec.pipeline }, issue, sink, clock, abort.signal);
      }
    } finally {
      clearInterval(timer);
    }
    flush(true);
    channel.send({ type: "totals", ops: own.ops, latency: encodeHistogram(own.latency), writes: ledger.size });
    channel.send({ type: "done", result });
  } catch (err) {
    channel.send({ type: "error", error: (err as Error).message });
  } finally {
    pool.close();
  }
}
