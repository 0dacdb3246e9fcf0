import test from "ava";
import { shardsOf } from "../../harness/workload/driver-threads.js";
import { DEFAULT_CLIENT_SETTINGS } from "../../harness/topology/client-options.js";

// How a load is cut over driver threads: the rate evenly, the connections as whole numbers that add up.

const load = (connections: number) => ({
  mode: "open-loop" as const,
  rate: 30_000,
  durationMs: 10_000,
  connections,
  pipeline: 1,
  waker: "metronome" as const,
  workload: { keys: "random", registers: 0, readRatio: 0.5, keySpace: 1000, valueBytes: 100, seed: 1 },
  target: { kind: "server" as const, address: { host: "127.0.0.1", port: 6379 } },
  client: DEFAULT_CLIENT_SETTINGS,
});

test("each shard takes an equal share of the rate and the connections split into whole parts that add up", (t) => {
  const shards = shardsOf(load(5), 3);
  t.deepEqual(
    shards.map((s) => s.shard),
    [0, 1, 2],
  );
  t.deepEqual(
    shards.map((s) => s.rate),
    [10_000, 10_000, 10_000],
  );
  t.deepEqual(
    shards.map((s) => s.connections),
    [2, 2, 1],
  );
  t.true(shards.every((s) => s.durationMs === 10_000 && s.target.kind === "server"));
});
