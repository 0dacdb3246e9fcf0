import test from "ava";
import { readFileSync } from "node:fs";
import type { RunReport } from "../../harness/report/types.js";
import { cli, scenarioFile } from "../helpers/cli.js";

// A load sharded over two driver threads: every operation either thread issued reaches the run's recorder once, with
// its times on the run clock, whether the load is held to a rate or runs flat out.

const reportOf = (stdout: string) => JSON.parse(readFileSync(/report: (.*report\.json)/.exec(stdout)![1], "utf8")) as RunReport;
const sharded = (workload: Record<string, unknown>) => ({
  name: "driver-threads",
  topology: { kind: "standalone" },
  workload: { engine: "lean", keys: "random", threads: 2, connections: 4, duration: "5s", warmup: "1s", ...workload },
  budgets: { maxErrorRate: { baseline: 0 } },
});

test.serial("open loop on two threads: the rate is held in sum, each operation recorded once, on the run clock", async (t) => {
  const r = await cli(["run", "--quiet", "--file", scenarioFile(sharded({ rate: 2000 }))]);
  t.is(r.code, 0, r.stderr);
  const report = reportOf(r.stdout);
  t.is(report.scenario.workload.threads, 2);
  const recorded = report.perSecond.reduce((a, s) => a + s.ops, 0);
  t.is(report.workload.issued, 10_000, "2000 ops/s for 5 s, over both threads");
  t.is(recorded, report.workload.issued, "every issued operation recorded, none twice");
  // Each second of the run clock holds its share: the shards' clocks are the run's, not their own.
  for (const s of report.perSecond.slice(0, 5)) t.true(Math.abs(s.ops - 2000) <= 40, `second ${s.second}: ${s.ops} ops`);
  t.is(report.instrument.perSecond.filter((s) => s.eventLoopUtilization !== null).length >= 4, true, "the threads' event loops are watched");
});

test.serial("closed loop on two threads: what both issued is what the recorder holds", async (t) => {
  const r = await cli(["run", "--quiet", "--file", scenarioFile(sharded({ mode: "closed-loop", pipeline: 8, duration: "3s", warmup: "1s" }))]);
  t.is(r.code, 0, r.stderr);
  const report = reportOf(r.stdout);
  const recorded = report.perSecond.reduce((a, s) => a + s.ops, 0);
  t.true(report.workload.issued > 10_000, `${report.workload.issued} operations flat out in 3 s`);
  t.is(recorded, report.workload.issued);
  t.is(report.total.errors, 0);
});

test.serial("the write ledger on two threads: each keeps its own, the run merges them by (thread, id) and reads every key back", async (t) => {
  const r = await cli(["run", "--quiet", "--file", scenarioFile(sharded({ keys: "ledger", rate: 2000, readRatio: 0.2 }))]);
  t.is(r.code, 0, r.stderr);
  const report = reportOf(r.stdout);
  const drivers = report.workload.drivers!;
  t.is(drivers.length, 2);
  t.true(
    drivers.every((d) => d.arrivedWhole),
    "each thread's operations and ledger writes all arrived",
  );
  // Every write, the warmup's too (the report's total counts from the warmup's end).
  const writes = report.perSecond.reduce((a, s) => a + s.writes, 0);
  t.is(report.dataLoss!.writes, writes, "one ledger entry for every write either thread made");
  t.is(report.dataLoss!.acknowledged, writes);
  const readBack = report.timeline.find((e) => e.kind === "read-back")!.detail as { present: number };
  t.is(readBack.present, writes, "every write read back, under its thread's key");
  t.is(report.dataLoss!.lost, 0);
});
