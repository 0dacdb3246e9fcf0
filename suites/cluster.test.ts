import { eventsOf } from "../harness/measure/timeline.js";
import type { RunReport } from "../harness/report/types.js";
import { hit, promoted } from "./claims.js";
import { suite } from "./suite.js";

// Redis Cluster under kills, pauses, partitions, a dead shard, a manual failover and live resharding; and where a hot
// shard or hot keys put the load.
const shares = (r: RunReport) => r.nodeLoad.map((n) => n.share).sort((a, b) => b - a);
/** Nodes some node flagged as failed (CLUSTER NODES "fail"). */
const flaggedFailed = (r: RunReport) =>
  eventsOf(r.timeline, "cluster-node-flags")
    .filter((e) => e.detail.to.split(",").includes("fail"))
    .map((e) => e.detail.node);

suite("cluster.json", {
  "cluster-master-kill": (t, { report }) => {
    const f = report.faults[0];
    t.true(f.kind === "kill" && typeof f.details.rejoinedAsReplicaAfterHealMs === "number", "the old master came back as a replica");
    t.true(promoted(report).length > 0, "a replica was promoted");
  },
  "cluster-master-pause-short": (t, { report }) => {
    t.deepEqual(promoted(report), [], "a pause shorter than cluster-node-timeout promotes nobody");
    t.deepEqual(flaggedFailed(report), [], "and nobody is flagged failed");
  },
  "cluster-master-pause-long": (t, { report }) => {
    t.true(promoted(report).length > 0, `a pause longer than cluster-node-timeout fails over (promoted: ${promoted(report).join(", ")})`);
    t.true(flaggedFailed(report).includes(hit(report)[0]), "the paused master was flagged failed");
  },
  "cluster-split-brain": (t, { report }) => {
    t.true(report.dataLoss!.splitBrain > 0, "writes acknowledged by the minority-side master were lost");
  },
  "cluster-replica-partition": (t, { report }) => {
    t.deepEqual(promoted(report), [], "cutting a replica off changes no master");
    t.true(report.convergence!.converged, "it caught up after the heal");
  },
  "cluster-bus-latency": (t, { report }) => {
    t.deepEqual(promoted(report), [], "bus latency under the node timeout: no failover");
    t.deepEqual(flaggedFailed(report), [], "and nobody is flagged failed");
  },
  "cluster-shard-down": (t, { report }) => {
    t.true(report.phases.fault.errorsByClass.CLUSTERDOWN > 0, "with full coverage required, the cluster answered CLUSTERDOWN");
  },
  "cluster-shard-down-partial-coverage": (t, { report }) => {
    const f = report.phases.fault;
    t.true(f.ok > f.ops / 3, `the other shards kept serving (${f.ok} of ${f.ops} operations succeeded during the fault)`);
  },
  "cluster-manual-failover": (t, { report }) => {
    const f = report.faults[0];
    t.true(f.kind === "cluster-failover" && (f.details.switchMs ?? Infinity) < 1000, "the coordinated switch took under a second");
  },
  "cluster-reshard": (t, { report }) => {
    const f = report.faults[0];
    t.is(f.kind, "reshard");
    if (f.kind !== "reshard") return;
    t.true((f.details.movedReplies ?? 0) + (f.details.askReplies ?? 0) > 0, "clients were redirected while slots moved");
    t.is(f.details.slots, 1000);
  },
  "cluster-lean-reshard": (t, { report }) => {
    t.is(report.workload.engine, "lean");
    const refreshes = eventsOf(report.timeline, "client-slots-refreshed");
    const followed = refreshes.at(-1)!.detail;
    t.true(followed.moved + followed.ask > 0, `the lean engine followed the redirections itself: MOVED ${followed.moved}, ASK ${followed.ask}`);
    t.true(
      refreshes.some((e) => e.detail.reason === "MOVED"),
      "and a MOVED had it re-read the slot map",
    );
    t.is(report.availability.writesFailed, 0, "no write failed while 1000 slots moved");
  },
  "cluster-hot-shard": (t, { report }) => {
    const [hottest] = shares(report);
    t.true(hottest > 0.4, `one shard's master took ${hottest} of all commands`);
  },
  "cluster-zipf-keys": (t, { report }) => {
    // Hot keys, spread by their slots: unlike the hot shard, every master takes a part, none the bulk.
    const masters = shares(report).slice(0, 3);
    t.true(
      masters.every((s) => s > 0.1 && s < 0.6),
      `the three masters' shares: ${masters.join(", ")}`,
    );
  },
});
