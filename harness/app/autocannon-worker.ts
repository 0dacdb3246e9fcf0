import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import type { OpOutcome } from "../measure/op-stats.js";
import { startAppLoad, type AppLoadOptions } from "./autocannon-load.js";

// autocannon in a thread of its own: it sends on time even while the harness's main thread (the app, the Redis-level
// driver) is busy, so a stall there shows in HTTP latency instead of delaying the requests that would see it.

const { options, clockOffsetMs } = workerData as { options: AppLoadOptions; clockOffsetMs: number };
// The parent's run clock: both threads read the same monotonic clock from different origins.
const clock = () => performance.timeOrigin + performance.now() - clockOffsetMs;
let batch: OpOutcome[] = [];
const flush = () => {
  if (batch.length) parentPort!.postMessage({ ops: batch });
  batch = [];
};
const load = startAppLoad(options, clock, (op) => batch.push(op));
const flusher = setInterval(flush, 100);
parentPort!.once("message", async () => {
  const counts = await load.stop();
  clearInterval(flusher);
  flush();
  parentPort!.postMessage({ counts });
});
