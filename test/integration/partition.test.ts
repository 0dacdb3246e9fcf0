import "../../harness/infra/preload.js";
import test from "ava";
import { performance } from "node:perf_hooks";
import { PhaseClock } from "../../harness/check/phases.js";
import { PartitionFault } from "../../harness/faults/partition.js";
import { loadSettings } from "../../harness/infra/settings.js";
import { Timeline } from "../../harness/measure/timeline.js";
import type { RedisNode } from "../../harness/topology/redis-node.js";
import { ReplicatedTopology } from "../../harness/topology/replicated.js";
import { ClientPool } from "../../harness/workload/client-pool.js";
import { DEFAULT_CLIENT_SETTINGS } from "../../harness/workload/client-options.js";

// Toxiproxy alone cuts traffic *to* a node, not *from* it. This pins down that the partition fault cuts both
// directions while it holds, keeps the node's clients connected (the split-brain case), and heals completely.
test("a partition cuts a master off from its replica in both directions, keeps its clients, and heals", async (t) => {
  const settings = loadSettings();
  const topo = await ReplicatedTopology.start({
    image: settings.redisImage,
    toxiproxyImage: settings.toxiproxyImage,
    replicas: 1,
    sentinels: 0,
    quorum: 0,
    downAfterMs: 0,
    failoverTimeoutMs: 0,
    parallelSyncs: 1,
    config: {},
    client: DEFAULT_CLIENT_SETTINGS,
  });
  const [master, replica] = topo.nodes;
  /** PING from inside `from` to `to`'s peer link: the path replication and Sentinels take. */
  const reaches = async (from: RedisNode, to: RedisNode) => {
    const port = String(topo.peerLinks.get(to.name)!.innerPort);
    const r = await from.control.exec(["timeout", "2", "redis-cli", "-h", "toxiproxy", "-p", port, "PING"]);
    return r.exitCode === 0 && r.output.includes("PONG");
  };
  const client = topo.newClient();
  try {
    await client.connect();
    t.true(await reaches(replica, master), "before: replica -> master");
    t.true(await reaches(master, replica), "before: master -> replica");

    const origin = performance.now();
    const clock = () => performance.now() - origin;
    const timeline = new Timeline(clock);
    const phases = new PhaseClock();
    const fault = new PartitionFault("primary", 8000, "keep").run({
      topology: topo,
      clock,
      timeline,
      phases,
      signal: new AbortController().signal,
      pool: new ClientPool(() => topo.newClient(), 0, timeline),
    });
    while (phases.faultStartMs === undefined) await new Promise((r) => setTimeout(r, 50));

    t.false(await reaches(replica, master), "during: nothing reaches the master from the other side");
    t.false(await reaches(master, replica), "during: the master reaches nothing on the other side");
    await client.set("during-partition", "1");
    t.is(await client.get("during-partition"), "1", "during: the master's clients still reach it and it accepts writes");
    await new Promise((r) => setTimeout(r, 1000));
    t.is(await replica.admin.get("during-partition"), null, "during: the write never reached the replica");

    const record = await fault;
    t.falsy(record.error, record.error);
    t.true(await reaches(replica, master), "after: replica -> master");
    t.true(await reaches(master, replica), "after: master -> replica");
  } finally {
    client.disconnect();
    await topo.stop();
  }
});
