import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { hit, noFailover, switchedMaster } from "./claims.js";
import { suite } from "./suite.js";

// Sentinel under master kills, pauses and partitions: every scenario of sentinel.json held to its budgets, plus what
// each scenario claims beyond them.
suite(
  "sentinel.json",
  {
    "sentinel-master-kill": (t, { report }) => {
      const kill = report.faults[0];
      t.true(switchedMaster(report), "Sentinel switched the master");
      t.true(
        kill.kind === "kill" && kill.details.rejoinedAsReplicaAfterHealMs !== null && kill.details.rejoinedAsReplicaAfterHealMs !== undefined,
        "the old master came back as a replica",
      );
      t.not(report.convergence?.primary, hit(report)[0], "the killed node is no longer the primary");
    },
    "sentinel-split-brain": (t, { report, files }) => {
      const loss = report.dataLoss!;
      t.true(loss.lost > 0 && loss.splitBrain > 0, `acknowledged writes were lost to the split brain (${loss.lost})`);
      // The exported history, rechecked by a script that shares no code with the harness, gives the same counts.
      const recheck = JSON.parse(execFileSync("python3", ["harness/check/recheck_history.py", files.dir], { encoding: "utf8" }));
      t.like(recheck, {
        acknowledged: loss.acknowledged,
        lost: loss.lost,
        split_brain: loss.splitBrain,
        indeterminate: loss.indeterminate,
        duplicated: loss.duplicated,
      });
    },
    "sentinel-split-brain-registers": (t, { report, files }) => {
      const l = report.linearizability!;
      t.is(l.result, "not linearizable", "the clients read what no single copy could have answered");
      for (const v of l.violations)
        t.true(
          v.counterexample.length >= 2 && v.counterexample.length < v.operations,
          `${v.key}: a counterexample of a few operations, not the key's whole history (${v.counterexample.length} of ${v.operations})`,
        );
      // The split brain's signature: a read of a value older than an acknowledged write, or a count that went back.
      t.true(
        l.violations.some((v) => v.counterBound || v.counterexample.some((o) => o.op === "get")),
        "a stale read, or a counter going backwards",
      );
      t.true(existsSync(path.join(files.dir, l.visualization!)), "Porcupine's view of it sits beside the report");
    },
    "sentinel-split-brain-min-replicas": (t, { report }) => {
      t.true(report.total.errorsByClass.NOREPLICAS > 0, "the isolated master refused writes with NOREPLICAS");
    },
    "sentinel-master-pause-short": (t, { report }) => {
      noFailover(t, report, "a pause shorter than down-after");
    },
    "sentinel-master-pause-long": (t, { report }) => {
      t.true(switchedMaster(report), "a pause longer than down-after fails over");
      t.not(report.convergence?.primary, hit(report)[0], "the paused master woke up to find itself demoted");
    },
    "sentinel-master-isolated": (t, { report }) => {
      t.true(switchedMaster(report), "Sentinel promoted a replica");
      t.true(report.phases.fault.errors > 0, "the isolated master's clients failed until they followed the new one");
      t.not(report.convergence?.primary, hit(report)[0]);
    },
    "sentinel-replication-link-latency": (t, { report }) => {
      t.true(report.reads!.stale > 0, "reads from lagging replicas missed acknowledged writes");
      const share = (p: "baseline" | "fault") => report.reads!.phases[p].stale / Math.max(1, report.reads!.phases[p].reads);
      t.true(
        share("fault") > share("baseline"),
        `a larger share of reads stale while the link was slow (${share("fault")}) than before (${share("baseline")})`,
      );
      noFailover(t, report, "latency below down-after");
    },
    "sentinel-replica-reads-registers": (t, { report }) => {
      const reads = report.reads!;
      t.is(reads.from, "replicas");
      t.true(
        reads.phases.fault.stale > 0,
        `reads from the lagging replicas missed acknowledged writes (${reads.phases.fault.stale} of ${reads.phases.fault.reads})`,
      );
      t.true(reads.phases.fault.maxStalenessMs >= 100, `behind by about the link's delay at worst: ${reads.phases.fault.maxStalenessMs} ms`);
      t.true(
        report.linearizability!.violations.some((v) => v.counterexample.some((o) => o.op === "get")),
        "a counterexample with a read in it: the stale read, as Porcupine sees it",
      );
      noFailover(t, report, "latency below down-after");
    },
    "sentinel-replica-kill": (t, { report }) => {
      t.not(hit(report)[0], report.topology?.nodes[0].name, "a replica, not the master, was killed");
      noFailover(t, report, "a replica's death");
      t.is(report.availability.writesFailed, 0, "writes went on");
    },
    "sentinel-sentinel-kill": (t, { report }) => {
      t.regex(hit(report)[0] ?? "", /^sentinel-/, "a Sentinel was killed");
      noFailover(t, report, "a Sentinel's death");
      t.is(report.availability.writesFailed, 0, "the data path did not notice");
    },
  },
  { exportHistory: ["sentinel-split-brain"] },
);
