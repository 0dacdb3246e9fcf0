import test from "ava";
import { bgsave } from "../../harness/faults/bgsave.js";
import { estimateResources } from "../../harness/scenario/resource-guard.js";
import { validateScenario } from "../../harness/scenario/load.js";
import { ONE_SERVER, shapeOf, studiedAs } from "../../harness/study/shapes.js";
import { clusterLinkPorts } from "../../harness/topology/cluster.js";
import { fixedAddressFollowsFailover } from "../../harness/topology/definition.js";
import { internalPortProblem } from "../../harness/topology/fault-layer.js";
import { peerPort, replicaCount, sentinelPeerPort } from "../../harness/topology/replicated-base.js";
import { containersOf, defaultSpec, TOPOLOGIES } from "../../harness/topology/registry.js";
import type { Topology } from "../../harness/topology/types.js";
import { leanTargetOf } from "../../harness/workload/engines/lean-target.js";

// What a topology's definition declares for the parts that never see it running (the resource guard, the scenario
// schema, the engines, the recommendation), so that none of them names its kind: the declarations agree with the
// capabilities the same definition states, and the parts read them.

const defaults = Object.fromEntries(TOPOLOGIES.map((d) => [d.kind, containersOf(defaultSpec(d.kind))]));

test("each definition's failover and route agree with its capabilities", (t) => {
  for (const d of TOPOLOGIES) {
    const caps = new Set<string>(d.capabilities);
    t.is(d.failover === "automatic", caps.has("autoFailover"), `${d.kind}: automatic failover is the autoFailover capability`);
    t.is(d.failover === "manual", caps.has("runbook"), `${d.kind}: a manual failover is the runbook`);
    t.is(d.route.by === "sentinels", caps.has("sentinels"), `${d.kind}: clients ask Sentinels where there are some`);
    t.is(d.route.by === "slots", caps.has("slots"), `${d.kind}: clients follow the slots where there are slots`);
    t.true(!d.readsFromReplicas || caps.has("replicas"), `${d.kind}: reads spread only where there are replicas`);
  }
});

test("each definition counts the containers of its section: data nodes, the masters among them, its other containers", (t) => {
  // Each kind by name, not the whole registry: a new topology is its file and a line, not an edit here.
  t.deepEqual(defaults.standalone, { dataNodes: 1, masters: 1, others: 0 });
  t.deepEqual(defaults.replication, { dataNodes: 3, masters: 1, others: 0 });
  t.deepEqual(defaults.sentinel, { dataNodes: 3, masters: 1, others: 3 });
  t.deepEqual(defaults.cluster, { dataNodes: 6, masters: 3, others: 0 });
  t.deepEqual(containersOf({ ...defaultSpec("cluster"), kind: "cluster", masters: 5, replicasPerMaster: 2 } as never), {
    dataNodes: 15,
    masters: 5,
    others: 0,
  });
});

test("the resource guard counts the containers the definition declares, beside the fault layer and the reaper", (t) => {
  const s = validateScenario({ name: "s", topology: { kind: "sentinel", replicas: 1, sentinels: 5 }, workload: { duration: "10s" } }, "test");
  const e = estimateResources(s, { memoryBytes: null, diskBytes: null });
  t.true(
    e.parts.some((p) => p.what === "9 containers"),
    e.parts.map((p) => p.what).join("; "),
  );
});

test("a save's copy-on-write is the bgsave fault's own estimate: the writes during the save, at most the dataset", (t) => {
  const spec = validateScenario(
    { name: "b", topology: { kind: "standalone" }, dataset: { size: "1gb" }, workload: { duration: "10s" }, faults: [{ kind: "bgsave", at: "5s" }] },
    "test",
  ).faults[0];
  const cost = bgsave.cost!(spec as never, { datasetBytes: 2 ** 30, writesPerS: 1000 });
  t.is(cost.memoryBytes, 1000 * (1024 / 100 + 1) * 8192, "1000 writes/s for the ~11 s a 1 GiB save takes at 100 MiB/s, 8 KiB each");
  t.is(cost.diskBytes, 2 ** 30);
  t.is(bgsave.cost!(spec as never, { datasetBytes: 2 ** 20, writesPerS: 1e6 }).memoryBytes, 2 ** 20, "never more than the dataset");
});

test("a driver thread's fixed address follows a failover where nothing is promoted or the client follows the slots", (t) => {
  const follows = Object.fromEntries(TOPOLOGIES.map((d) => [d.kind, fixedAddressFollowsFailover(d)]));
  t.like(follows, { standalone: true, replication: false, sentinel: false, cluster: true });
});

test("the recommendation's shapes come from the definitions: one server, who fails over, the masters and the replicas", (t) => {
  t.is(ONE_SERVER, "standalone");
  t.deepEqual(shapeOf("sentinel"), { failover: "automatic", readsFromReplicas: true, masters: 1, replicas: 2 });
  t.deepEqual(shapeOf("cluster"), { failover: "automatic", readsFromReplicas: false, masters: 3, replicas: 3 });
  t.like(Object.fromEntries(TOPOLOGIES.map((d) => [d.kind, studiedAs(d.kind)])), {
    standalone: "standalone",
    replication: "standalone",
    sentinel: "standalone",
    cluster: "cluster",
  });
});

test("the lean engine's target follows the route the topology declares: every node's link for slots, else the primary's", async (t) => {
  const link = (port: number) => ({ host: "127.0.0.1", hostPort: port, innerPort: port });
  const nodes = [{ name: "redis-0" }, { name: "redis-1" }];
  const fake = (route: Topology["route"]) =>
    ({
      kind: "fake",
      route,
      nodes,
      access: { login: null, tls: null },
      clientLinks: new Map([
        ["redis-0", link(21000)],
        ["redis-1", link(21001)],
      ]),
      announced: new Map([
        ["redis-0", { host: "10.0.0.9", port: 22000 }],
        ["redis-1", { host: "10.0.0.9", port: 22001 }],
      ]),
      primary: async () => nodes[1],
    }) as unknown as Topology;
  t.deepEqual(await leanTargetOf(fake({ by: "direct" })), { kind: "server", address: { host: "127.0.0.1", port: 21001 } });
  t.deepEqual(await leanTargetOf(fake({ by: "sentinels", masterName: "m" })), { kind: "server", address: { host: "127.0.0.1", port: 21001 } });
  const slots = await leanTargetOf(fake({ by: "slots" }));
  t.is(slots.kind, "slots");
  t.deepEqual(slots.kind === "slots" && Object.keys(slots.byAnnounced), ["10.0.0.9:22000", "10.0.0.9:22001"]);
});

test("the links between nodes listen below the ephemeral ports and outside the published range, for the largest cluster and replica set the schemas allow", (t) => {
  // Split over engines, they are published at their own numbers on an address this machine connects from.
  const cluster = clusterLinkPorts(9 * (1 + 3));
  const replicated = [...Array.from({ length: 1 + replicaCount.max }, (_, i) => peerPort(i)), ...Array.from({ length: 3 }, (_, i) => sentinelPeerPort(i))];
  for (const [ports, published] of [
    [cluster, 36],
    [replicated, 1 + replicaCount.max + 3],
  ] as const)
    for (const p of ports) t.is(internalPortProblem(p, published), undefined, `port ${p}`);
  t.is(new Set(cluster).size, cluster.length, "no two cluster links share a port");
  // What the check refuses: the old bus ports, and one in the published range.
  t.regex(internalPortProblem(33004, 36) ?? "", /ephemeral/);
  t.regex(internalPortProblem(21005, 36) ?? "", /published range/);
});
