import { DEFAULT_LIMITS } from "../../harness/topology/definition.js";
import test from "ava";
import { Redis } from "ioredis";
import { performance } from "node:perf_hooks";
import { PhaseClock } from "../../harness/measure/phases.js";
import { partition } from "../../harness/faults/partition.js";
import { loadSettings } from "../../harness/infra/settings.js";
import { Timeline } from "../../harness/measure/timeline.js";
import type { RedisNode } from "../../harness/topology/redis-node.js";
import { ReplicationTopology } from "../../harness/topology/replication.js";
import { ClusterTopology } from "../../harness/topology/cluster.js";
import { parseClusterNodes } from "../../harness/topology/cluster-nodes.js";
import type { Topology } from "../../harness/topology/types.js";
import { IoredisPool } from "../../harness/workload/engines/ioredis-pool.js";
import { DEFAULT_CLIENT_SETTINGS } from "../../harness/topology/client-options.js";

// Toxiproxy alone cuts traffic *to* a node, not *from* it. This pins down that the partition fault cuts both
// directions while it holds, keeps the node's clients connected (the split-brain case), and heals completely.
test.serial("a partition cuts a master off from its replica in both directions, keeps its clients, and heals", async (t) => {
  const settings = loadSettings();
  const topo = await ReplicationTopology.start({
    image: settings.redisImage,
    toxiproxyImage: settings.toxiproxyImage,
    limits: DEFAULT_LIMITS,
    replicas: 1,
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

    const record = await duringPartition(topo, 8000, async () => {
      t.false(await reaches(replica, master), "during: nothing reaches the master from the other side");
      t.false(await reaches(master, replica), "during: the master reaches nothing on the other side");
      await client.set("during-partition", "1");
      t.is(await client.get("during-partition"), "1", "during: the master's clients still reach it and it accepts writes");
      await new Promise((r) => setTimeout(r, 1000));
      t.is(await replica.admin.get("during-partition"), null, "during: the write never reached the replica");
    });
    t.falsy(record.error, record.error);
    t.true(await reaches(replica, master), "after: replica -> master");
    t.true(await reaches(master, replica), "after: master -> replica");
  } finally {
    client.disconnect();
    await topo.stop();
  }
});

/** Runs a partition of the primary for `forMs` and calls `during` while it holds. */
async function duringPartition(topo: Topology, forMs: number, during: () => Promise<void>) {
  const origin = performance.now();
  const clock = () => performance.now() - origin;
  const timeline = new Timeline(clock);
  const phases = new PhaseClock();
  const fault = partition.run(partition.schema.parse({ kind: "partition", target: "primary", clients: "keep", at: 1, for: forMs / 1000 }), {
    topology: topo,
    clock,
    timeline,
    phases,
    signal: new AbortController().signal,
    oomKills: [],
    pool: new IoredisPool(() => topo.newClient(), 0, timeline),
  });
  while (phases.faultStartMs === undefined) await new Promise((r) => setTimeout(r, 50));
  await during();
  return fault;
}

// In a cluster the bus carries failure detection: the proof is that each side declares the other failed.
test.serial("a cluster partition cuts the master's bus and data links both ways: each side sees the other fail", async (t) => {
  const settings = loadSettings();
  const topo = await ClusterTopology.start({
    image: settings.redisImage,
    toxiproxyImage: settings.toxiproxyImage,
    limits: DEFAULT_LIMITS,
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 2000,
    requireFullCoverage: true,
    config: {},
    client: DEFAULT_CLIENT_SETTINGS,
  });
  try {
    const master = await topo.primary();
    const other = topo.nodes.find((n) => n !== master)!;
    const masterPort = topo.peerLinks.get(master.name)!.innerPort;
    const flagsSeenBy = async (viewer: RedisNode) => parseClusterNodes((await viewer.admin.call("CLUSTER", "NODES")) as string);
    let masterSawOthersFail = false;
    let othersSawMasterFail = false;
    const record = await duringPartition(topo, 12_000, async () => {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && !(masterSawOthersFail && othersSawMasterFail)) {
        const fromMaster = await flagsSeenBy(master);
        masterSawOthersFail = fromMaster.filter((l) => !l.flags.includes("myself")).every((l) => l.flags.some((f) => f.startsWith("fail")));
        const fromOther = await flagsSeenBy(other);
        othersSawMasterFail = fromOther.some((l) => l.port === masterPort && l.flags.includes("fail"));
        await new Promise((r) => setTimeout(r, 200));
      }
      const viaClientLink = new Redis({ host: "127.0.0.1", port: topo.clientLinks.get(master.name)!.hostPort, lazyConnect: true });
      await viaClientLink.connect();
      t.is(await viaClientLink.ping(), "PONG", "the master's clients still reach it");
      viaClientLink.disconnect();
    });
    t.true(masterSawOthersFail, "the master heard from no other node (every one flagged pfail/fail in its view)");
    t.true(othersSawMasterFail, "the other side heard nothing from the master (flagged fail)");
    t.falsy(record.error, record.error);
    const settled = await topo.converge(30_000);
    t.true(settled.converged, `after the heal the cluster settles: ${settled.note}`);
  } finally {
    await topo.stop();
  }
});
