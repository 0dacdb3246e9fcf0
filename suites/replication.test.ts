import { hit, noFailover } from "./claims.js";
import { suite } from "./suite.js";

// Plain replication: no automatic failover; the manual promotion runbook, timed.
suite("replication.json", {
  "replication-master-kill": (t, { report }) => {
    // A master restarted empty takes its replicas' data with it: the loss reaches back to the first writes of the run.
    const d = report.dataLoss!;
    t.true(d.lost > 0 && d.rpoMs !== null && d.rpoMs > report.phases.fault.fromMs! - 1000, `RPO ${d.rpoMs} ms`);
    noFailover(t, report, "plain replication");
  },
  "replication-master-kill-aof": (t, { report }) => {
    t.true(report.availability.writesFailed > 0, `writes failed while the master was down (${report.availability.writesFailed})`);
    t.is(report.dataLoss!.lost, 0, "appendfsync always: the master came back with every acknowledged write");
    t.is(report.convergence?.primary, hit(report)[0], "no failover: the killed master is the primary again");
  },
  "replication-manual-promotion": (t, { report }) => {
    const f = report.faults[0];
    t.is(f.kind, "manual-promotion");
    if (f.kind !== "manual-promotion") return;
    t.deepEqual(
      f.details.steps?.map((s) => s.step),
      ["writes-stopped", "replica-caught-up", "replicaof-no-one", "others-repointed", "clients-repointed", "writes-reopened"],
    );
    t.is(report.convergence?.primary, "redis-1");
  },
});
