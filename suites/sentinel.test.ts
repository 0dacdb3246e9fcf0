import { execFileSync } from "node:child_process";
import { suite } from "./suite.js";

// Sentinel under master kills, pauses and partitions: every scenario of sentinel.json held to its budgets, plus what
// each scenario claims beyond them.
suite(
  "sentinel.json",
  {
    "sentinel-master-kill": (t, { report }) => {
      const kill = report.faults[0];
      t.truthy(report.timeline.find((e) => e.kind === "+switch-master"), "Sentinel switched the master");
      t.not(kill.details.rejoinedAsReplicaAfterHealMs, null, "the old master came back as a replica");
      t.not(report.convergence?.primary, kill.details.node, "the killed node is no longer the primary");
    },
    "sentinel-split-brain": (t, { report, files }) => {
      const loss = report.dataLoss!;
      t.true(loss.lost > 0 && loss.splitBrain > 0, `acknowledged writes were lost to the split brain (${loss.lost})`);
      // The exported history, rechecked by a script that shares no code with the harness, gives the same counts.
      const recheck = JSON.parse(execFileSync("python3", ["harness/check/recheck_history.py", files.dir], { encoding: "utf8" }));
      t.like(recheck, { acknowledged: loss.acknowledged, lost: loss.lost, split_brain: loss.splitBrain, indeterminate: loss.indeterminate });
    },
    "sentinel-split-brain-min-replicas": (t, { report }) => {
      t.true(report.total.errorsByClass.NOREPLICAS > 0, "the isolated master refused writes with NOREPLICAS");
    },
    "sentinel-replication-link-latency": (t, { report }) => {
      t.true(report.reads!.stale > 0, "reads from lagging replicas missed acknowledged writes");
      t.falsy(report.timeline.find((e) => e.kind === "+switch-master"), "latency below down-after does not fail over");
    },
    "sentinel-master-pause-short": (t, { report }) => {
      t.falsy(report.timeline.find((e) => e.kind === "+switch-master"), "no failover for a pause shorter than down-after");
    },
    "sentinel-master-pause-long": (t, { report }) => {
      t.truthy(report.timeline.find((e) => e.kind === "+switch-master"), "a pause longer than down-after fails over");
    },
  },
  { exportHistory: ["sentinel-split-brain"] },
);
