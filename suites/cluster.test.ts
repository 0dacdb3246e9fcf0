import { suite } from "./suite.js";
import type { RunReport } from "../harness/report/types.js";

// Redis Cluster under kills, pauses, partitions, a dead shard, a manual failover and live resharding; and where a hot
// shard or hot keys put the load.
const masterLoadShares = (r: RunReport) => r.nodeLoad.map((n) => n.share).sort((a, b) => b - a);

suite("cluster.json", {
  "cluster-master-kill": (t, { report }) => {
    t.not(report.faults[0].details.rejoinedAsReplicaAfterHealMs, null, "the old master came back as a replica");
    t.true(report.timeline.some((e) => e.kind === "role-change" && (e.detail as { to?: string }).to === "master"), "a replica was promoted");
  },
  "cluster-split-brain": (t, { report }) => {
    t.true(report.dataLoss!.splitBrain > 0, "writes acknowledged by the minority-side master were lost");
  },
  "cluster-shard-down": (t, { report }) => {
    t.true(report.phases.fault.errorsByClass.CLUSTERDOWN > 0, "with full coverage required, the cluster answered CLUSTERDOWN");
  },
  "cluster-shard-down-partial-coverage": (t, { report }) => {
    const f = report.phases.fault;
    t.true(f.ok > f.ops / 3, `the other shards kept serving (${f.ok} of ${f.ops} operations succeeded during the fault)`);
  },
  "cluster-manual-failover": (t, { report }) => {
    t.true((report.faults[0].details.switchMs as number) < 1000, "the coordinated switch took under a second");
  },
  "cluster-reshard": (t, { report }) => {
    const d = report.faults[0].details;
    t.true((d.movedReplies as number) + (d.askReplies as number) > 0, "clients were redirected while slots moved");
    t.is(d.slots, 1000);
  },
  "cluster-hot-shard": (t, { report }) => {
    const [hottest] = masterLoadShares(report);
    t.true(hottest > 0.4, `one shard's master took ${hottest} of all commands`);
  },
});
