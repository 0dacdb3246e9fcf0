import test from "ava";
import { parseClusterNodes, slotCount } from "../../harness/topology/cluster-nodes.js";
import { zipfSampler } from "../../harness/workload/key-value.js";
import { Rng } from "../../harness/workload/rng.js";
import { nodeLoad } from "../../harness/measure/node-load.js";

test("CLUSTER NODES lines give id, announced port, flags, master, epoch and slots", (t) => {
  const text = [
    "07c3 172.18.0.2:23000@33000 myself,master - 0 0 1 connected 0-5460",
    "67ed 172.18.0.2:23003@33003 slave 07c3 0 1700000000000 1 connected",
    "292f 172.18.0.2:23001@33001 master,fail - 1700000000000 1700000000000 2 disconnected 5461-10922 [10923->-e7d1]",
  ].join("\n");
  const [a, b, c] = parseClusterNodes(text);
  t.like(a, { id: "07c3", port: 23000, masterId: null, configEpoch: 1, slots: ["0-5460"] });
  t.true(a.flags.includes("myself") && a.flags.includes("master"));
  t.like(b, { port: 23003, masterId: "07c3", slots: [] });
  t.true(c.flags.includes("fail"));
  t.deepEqual(c.slots, ["5461-10922", "[10923->-e7d1]"]);
  t.is(c.linkState, "disconnected");
  t.is(slotCount(a.slots), 5461);
  t.is(slotCount(c.slots), 5462, "a slot being migrated is not counted");
});

test("a Zipf draw puts most of the load on a few keys; uniform would not", (t) => {
  const draw = zipfSampler(10_000, 1, new Rng(42));
  const counts = new Map<number, number>();
  for (let i = 0; i < 100_000; i++) {
    const k = draw();
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const top10 = [...counts.values()]
    .sort((a, b) => b - a)
    .slice(0, 10)
    .reduce((a, b) => a + b, 0);
  // H(10)/H(10000) ≈ 2.93/9.79 ≈ 30% of draws land on the 10 hottest of 10,000 keys
  t.true(top10 / 100_000 > 0.25 && top10 / 100_000 < 0.35, `top 10 keys took ${top10 / 1000}%`);
  t.is([...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)!)[0], 0, "key 0 is the hottest");
});

test("per-node load sums the increases of total_commands_processed during the load", (t) => {
  const s = (tMs: number, node: string, v: number) => ({ tMs, node, infoLatencyMs: 0, values: { total_commands_processed: v } });
  const load = nodeLoad(
    [
      s(-100, "a", 0),
      s(0, "a", 10),
      s(1000, "a", 110),
      s(0, "b", 5),
      s(1000, "b", 35),
      s(2000, "b", 3) /* restarted */,
      s(3000, "b", 13),
      s(9000, "a", 1e6) /* the read-back, after the load */,
    ],
    3000,
  );
  t.deepEqual(load, [
    { node: "a", commands: 100, share: 0.714 },
    { node: "b", commands: 40, share: 0.286 },
  ]);
});
