import { suite } from "./suite.js";

// Every standalone scenario, as declared in standalone.json, must meet its budgets on this machine, and show what it
// claims.
suite("standalone.json", {
  "standalone-bgsave": (t, { report }) => {
    const save = report.faults[0];
    t.is(save.kind, "bgsave");
    if (save.kind !== "bgsave") return;
    t.true((save.details.forkUs ?? 0) > 0, "the fork time was read from the server");
    t.true((save.details.forksAfter ?? 0) > (save.details.forksBefore ?? 0), "the server forked");
    t.is(report.reads?.stale, 0, "reads from the primary never miss an acknowledged write");
    t.is(report.dataLoss?.lost, 0);
  },
  "standalone-baseline": (t, { report }) => {
    t.deepEqual(report.faults, [], "no fault: the floor every other number is read against");
    const expected = report.scenario.workload.rate * (report.scenario.workload.duration - report.scenario.workload.warmup);
    const b = report.phases.baseline;
    t.true(Math.abs(b.ops - expected) <= 0.01 * expected, `the open loop kept its rate: ${b.ops} of ${expected} operations after warmup`);
    t.is(report.phases.fault.ops + report.phases.recovery.ops, 0, "everything after warmup is baseline");
  },
  "standalone-lean-baseline": (t, { report }) => {
    t.is(report.workload.engine, "lean", "the report names the engine that ran");
    t.is(report.instrument.calibration?.engine, "lean", "and the floor was measured on it");
    const w = report.scenario.workload;
    const expected = w.rate * (w.duration - w.warmup);
    const b = report.phases.baseline;
    t.true(Math.abs(b.ops - expected) <= 0.01 * expected, `the lean engine kept its rate: ${b.ops} of ${expected} operations after warmup`);
    t.is(b.errors, 0);
  },
});
