import { createInterface } from "node:readline";
import { encodeLedgerChunk } from "../measure/ledger.js";
import { encodeChunk } from "../measure/op-log.js";
import type { ShardSpec } from "./driver-threads.js";
import { runShard, type ToShard } from "./shard-runner.js";

/*
 * One shard of a run's load as a process of its own, on another host (remote-drivers.ts starts it over SSH): its spec
 * is the first line on stdin, what the run tells it the lines after; what it sends goes to stdout, one JSON line each
 * (the op log's arrays in base64). Its stdin closing (the run gone, the SSH session cut) stops it.
 */

const lines = createInterface({ input: process.stdin });
const it = lines[Symbol.asyncIterator]();
const first = await it.next();
if (first.done) process.exit(2);
let spec: ShardSpec;
try {
  spec = JSON.parse(first.value) as ShardSpec;
} catch {
  process.stdout.write(`${JSON.stringify({ type: "error", error: "its first line was not a shard's spec" })}\n`);
  process.exit(2);
}
let handle: (m: ToShard) => void = () => {};
const stop = () => handle({ type: "abort" });
lines.on("close", stop);
(async () => {
  for (let next = await it.next(); !next.done; next = await it.next()) {
    try {
      handle(JSON.parse(next.value) as ToShard);
    } catch {
      stop(); // not the run speaking: stop rather than guess
    }
  }
})();
await runShard(spec, {
  send: (m) =>
    process.stdout.write(
      `${JSON.stringify(m.type === "ops" ? { ...m, chunk: encodeChunk(m.chunk), ...(m.writes ? { writes: encodeLedgerChunk(m.writes) } : {}) } : m)}\n`,
    ),
  onMessage: (h) => (handle = h),
});
lines.close();
// Everything written, then gone: a connection or timer left behind must not keep the process (and the SSH session) open.
process.stdout.write("", () => process.exit(0));
