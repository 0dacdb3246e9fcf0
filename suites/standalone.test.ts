import { suite } from "./suite.js";

// Every standalone scenario, as declared in standalone.json, must meet its budgets on this machine, and show what it
// claims.
suite("standalone.json", {
  "standalone-registers": (t, { report }) => {
    const l = report.linearizability!;
    t.is(l.result, "linearizable", "one server, one order");
    t.is(l.keys, 8, "every register and counter was used");
    t.true(l.operations > 0.9 * report.workload.issued, `the history holds the operations (${l.operations} of ${report.workload.issued})`);
    t.deepEqual(l.violations, []);
  },
  "standalone-bgsave": (t, { report }) => {
    const save = report.faults[0];
    t.is(save.kind, "bgsave");
    if (save.kind !== "bgsave") return;
    t.true((save.details.forkUs ?? 0) > 0, "the fork time was read from the server");
    t.true((save.details.forksAfter ?? 0) > (save.details.forksBefore ?? 0), "the server forked");
    t.is(report.reads?.stale, 0, "reads from the primary never miss an acknowledged write");
    t.is(report.dataLoss?.lost, 0);
  },
  "standalone-oom-during-fork": (t, { report }) => {
    const save = report.faults[0];
    if (save.kind !== "bgsave") return t.fail("the fault is a BGSAVE");
    t.is(save.error, undefined, "the save's end by OOM kill is what happened, not a fault the harness failed to run");
    t.true(save.details.oomKilled, "the kill fell during the save");
    const limit = report.containers!.memoryLimits["redis-0"];
    t.is(limit, 420 * 2 ** 20, "the scenario's own limit, not the default");
    const kill = report.oom!.events.find((k) => k.node === "redis-0" && k.tMs !== null);
    t.truthy(kill, "Docker's oom event, on the run clock");
    t.true(
      report.timeline.some((e) => e.kind === "container-oom"),
      "and on the timeline",
    );
    const before = report.containers!.memory.filter((m) => m.node === "redis-0" && m.tMs <= kill!.tMs!);
    const peak = Math.max(...before.map((m) => m.usageBytes));
    t.true(peak > 0.9 * limit, `the memory curve climbs to the limit before the kill: peak ${peak} of ${limit}`);
    t.true(
      report.hostMemory!.samples.every((m) => m.availableBytes >= report.hostMemory!.floorBytes),
      "the host kept its memory: the kill stayed inside the container",
    );
    t.true(report.phases.fault.errors + report.phases.recovery.errors > 0, "the clients saw it");
  },
  "standalone-lost-replies": (t, { report }) => {
    const loss = report.dataLoss!;
    t.true(loss.duplicated! > 0, `the client resent writes the server had done: ${loss.duplicated} applied twice`);
    t.is(loss.lost, 0, "a resend loses nothing");
    t.true(
      report.timeline.some((e) => e.kind === "client-reconnecting"),
      "the connections were cut, and the clients came back",
    );
  },
  "standalone-fork-with-headroom": (t, { report }) => {
    const save = report.faults[0];
    if (save.kind !== "bgsave") return t.fail("the fault is a BGSAVE");
    t.is(save.details.bgsaveStatus, "ok");
    t.false(save.details.oomKilled);
    t.true((save.details.copyOnWriteBytes ?? 0) > 16 * 2 ** 20, `the writes really copied pages: ${save.details.copyOnWriteBytes} bytes of copy-on-write`);
    t.is(save.details.keysAfter, save.details.keys, "the dataset is whole after the save");
    const limit = report.containers!.memoryLimits["redis-0"];
    const peak = Math.max(...report.containers!.memory.filter((m) => m.node === "redis-0").map((m) => m.usageBytes));
    t.true(peak < limit, `peak ${peak} under the default limit ${limit}`);
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
