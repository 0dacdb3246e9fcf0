import { parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { OpLog } from "../measure/op-log.js";
import type { OpOutcome } from "../measure/op-stats.js";
import { Timeline } from "../measure/timeline.js";
import { runClosedLoop, type DriverResult } from "./driver.js";
import { runShardOpenLoop, type ShardSpec } from "./driver-threads.js";
import { leanPoolAt } from "./engines/lean-target.js";
import { keyValueIssuer } from "./key-value.js";

/*
 * One shard of a run's load, on a thread of its own (driver-threads.ts starts it): its own lean connections, issuer,
 * metronome and event loop. What it measures goes back to the run's thread every BATCH_MS as its op log's arrays
 * (transferred, not copied), every operation with its times on the run clock, so the run's recorder files them as it
 * would its own: nothing is summarized here.
 */

const spec = workerData as ShardSpec;
const port = parentPort!;
const BATCH_MS = 200;

const log = new OpLog();
/** The texts of the first errors of class "other" (the op log keeps classes only). */
let messages: string[] = [];
const timeline = new Timeline(() => clock());
let clock = () => 0;

function flush(): void {
  const chunk = log.drain();
  const events = timeline.events.splice(0);
  port.postMessage(
    { type: "ops", chunk, messages, events },
    [chunk.intended, chunk.sentUs, chunk.doneUs, chunk.kindCode, chunk.outcome].map((a) => a.buffer as ArrayBuffer),
  );
  messages = [];
}

async function main(): Promise<void> {
  const pool = leanPoolAt(spec.target, spec.connections, spec.client, timeline);
  await pool.connect();
  const issue = keyValueIssuer({ ...spec.workload, seed: spec.workload.seed + spec.shard }, pool);
  port.postMessage({ type: "ready" });
  const { originAbs } = await new Promise<{ originAbs: number }>((resolve) => port.once("message", resolve));
  clock = () => performance.timeOrigin + performance.now() - originAbs;
  const abort = new AbortController();
  port.on("message", (m: { type: string }) => m.type === "abort" && abort.abort());
  const timer = setInterval(flush, BATCH_MS);
  const sink = (op: OpOutcome) => {
    log.add(op);
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
    pool.close();
  }
  flush();
  port.postMessage({ type: "done", result });
}

main().catch((err: Error) => port.postMessage({ type: "error", error: err.message }));
