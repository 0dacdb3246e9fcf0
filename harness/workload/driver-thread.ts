import { parentPort, workerData } from "node:worker_threads";
import type { ShardSpec } from "./driver-threads.js";
import { runShard, type FromShard, type ToShard } from "./shard-runner.js";

/*
 * One shard of a run's load on a thread of its own (driver-threads.ts starts it): the op log's arrays go back
 * transferred, not copied.
 */

const port = parentPort!;

await runShard(workerData as ShardSpec, {
  send: (m: FromShard) =>
    port.postMessage(
      m,
      m.type === "ops" ? [m.chunk.intended, m.chunk.sentUs, m.chunk.doneUs, m.chunk.kindCode, m.chunk.outcome].map((a) => a.buffer as ArrayBuffer) : [],
    ),
  onMessage: (handle) => port.on("message", (m: ToShard) => handle(m)),
});
