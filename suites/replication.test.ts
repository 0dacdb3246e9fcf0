import { suite } from "./suite.js";

// Plain replication: no automatic failover; the manual promotion runbook, timed.
suite("replication.json", {
  "replication-master-kill": (t, { report }) => {
    // A master restarted empty takes its replicas' data with it: the loss reaches back to the first writes of the run.
    const d = report.dataLoss!;
    t.true(d.lost > 0 && d.rpoMs !== null && d.rpoMs > report.phases.fault.fromMs! - 1000, `RPO ${d.rpoMs} ms`);
  },
  "replication-manual-promotion": (t, { report }) => {
    const steps = (report.faults[0].details.steps as Array<{ step: string }>).map((s) => s.step);
    t.deepEqual(steps, ["writes-stopped", "replica-caught-up", "replicaof-no-one", "others-repointed", "clients-repointed", "writes-reopened"]);
    t.is(report.convergence?.primary, "redis-1");
  },
});
