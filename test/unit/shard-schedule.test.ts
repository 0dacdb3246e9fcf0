import test from "ava";
import { performance } from "node:perf_hooks";
import { runShardOpenLoop, shardsOf, type ShardSpec, type ThreadedLoad } from "../../harness/workload/driver-threads.js";
import type { Issue } from "../../harness/workload/driver.js";
import { shardIntendedStartMs, totalOps } from "../../harness/workload/schedule.js";
import { DEFAULT_CLIENT_SETTINGS } from "../../harness/topology/client-options.js";

// `--driver-threads N` shards one open-loop load over N threads: together they must keep the load's schedule, one
// operation every 1/rate, not N operations at once every N/rate.

const load = (rate: number, durationMs: number, waker: "metronome" | "timer" = "metronome"): ThreadedLoad => ({
  mode: "open-loop",
  rate,
  durationMs,
  connections: 8,
  pipeline: 1,
  waker,
  workload: { keys: "random", registers: 0, readRatio: 0.5, keySpace: 1000, valueBytes: 100, seed: 1 },
  target: { kind: "server", address: { host: "127.0.0.1", port: 6379 } },
  client: DEFAULT_CLIENT_SETTINGS,
});

/** Every shard's intended starts, as its driver computes them, merged in time order. */
const merged = (shards: ShardSpec[]) =>
  shards.flatMap((s) => Array.from({ length: totalOps(s.durationMs, s.rate) }, (_, i) => shardIntendedStartMs(s, i))).sort((a, b) => a - b);

/** Whether `starts` are one operation every `intervalMs` (to 1 ns), from the run clock's 0. */
const oneEvery = (starts: number[], intervalMs: number) => starts[0] === 0 && starts.slice(1).every((ms, j) => Math.abs(ms - starts[j] - intervalMs) < 1e-6);

for (const threads of [2, 3, 4])
  for (const [rate, durationMs] of [
    [7, 10_000],
    [1000, 10_000],
    [30_000, 2000],
    [123_457, 1000],
  ])
    test(`the merged schedule of ${threads} driver threads at ${rate} ops/s is one operation every 1000/rate ms`, (t) => {
      const shards = shardsOf(load(rate, durationMs), threads);
      t.true(oneEvery(merged(shards), 1000 / rate));
      // Shards on one schedule from the same origin would leave `threads` operations at a time.
      t.false(oneEvery(merged(shards.map((s) => ({ ...s, offsetMs: 0 }))), 1000 / rate));
    });

/** Runs every shard's open loop on this thread, as each driver thread would run its own; the intended starts per shard. */
async function runShards(waker: "metronome" | "timer") {
  const shards = shardsOf(load(2000, 150, waker), 3);
  const originAbs = performance.timeOrigin + performance.now() + 100; // the run clock's 0, a moment from now
  const clock = () => performance.timeOrigin + performance.now() - originAbs;
  const intended = shards.map(() => [] as number[]);
  const late = shards.map(() => [] as number[]);
  const issue =
    (k: number): Issue =>
    (_i, intendedMs, done) => {
      intended[k].push(intendedMs);
      late[k].push(clock() - intendedMs);
      setImmediate(done);
      return "read";
    };
  await Promise.all(shards.map((s, k) => runShardOpenLoop(s, originAbs, issue(k), () => {}, clock)));
  return { shards, intended, late };
}

for (const waker of ["metronome", "timer"] as const)
  test.serial(`each driver thread issues its operations at its own place in the load's schedule (${waker})`, async (t) => {
    const { shards, intended, late } = await runShards(waker);
    shards.forEach((s, k) =>
      t.deepEqual(
        intended[k],
        Array.from({ length: totalOps(s.durationMs, s.rate) }, (_, i) => shardIntendedStartMs(s, i)),
      ),
    );
    t.true(
      oneEvery(
        intended.flat().sort((a, b) => a - b),
        1000 / 2000,
      ),
    );
    // Not before its time: the shard waited for its own origin, not for the run clock's 0 alone.
    t.true(
      late.flat().every((ms) => ms >= -1e-9),
      `earliest ${Math.min(...late.flat())} ms`,
    );
  });
