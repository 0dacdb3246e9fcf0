import test from "ava";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { UpgradeDetails, UpgradeStep } from "../../harness/faults/upgrade.js";
import { EXIT, HarnessError } from "../../harness/infra/errors.js";
import type { Comparison } from "../../harness/report/compare.js";
import type { RunReport } from "../../harness/report/types.js";
import { decideUpgrade } from "../../harness/study/upgrade-decision.js";
import { planUpgrade } from "../../harness/study/upgrade-plan.js";
import { upgradeView } from "../../harness/study/upgrade-view.js";
import { writeStudy } from "../../harness/study/write-study.js";
import { FIXTURES, syntheticReport } from "../helpers/synthetic-run.js";
import { loadSuite } from "../../harness/scenario/load.js";

// The go/no-go of `upgrade`: what it runs (from the suite's roll), and how it decides from what the runs measured.

const plan = planUpgrade("sentinel", "redis-chaos/redis:7.0", "redis-chaos/redis:8.0", true);

const step = (node: string, s: UpgradeStep["step"], fromMs: number, toMs: number, extra: Partial<UpgradeStep> = {}): UpgradeStep => ({
  node,
  step: s,
  fromMs,
  toMs,
  ...extra,
});

/** A run of the roll: the synthetic Sentinel run with its fault replaced by an upgrade's record. */
function rollRun(details: Partial<UpgradeDetails>, o: { lost?: number; error?: string; failedInFailover?: number } = {}): RunReport {
  const r = syntheticReport({ ...FIXTURES["report-sentinel-master-kill.json"], budgets: {} });
  const steps = details.steps ?? [];
  r.faults = [
    {
      kind: "upgrade",
      requestedAtMs: 3000,
      sentAtMs: 3000,
      observedAtMs: 3300,
      healedAtMs: 9000,
      details,
      ...(o.error ? { error: o.error } : {}),
      spans: steps.map((s) => ({
        label: `${s.node}: ${s.step}`,
        fromMs: s.fromMs,
        toMs: s.toMs,
        ops: Math.round(s.toMs - s.fromMs),
        errors: s.step === "failover" ? (o.failedInFailover ?? 0) : 0,
        p99Ms: 2,
        maxMs: 5,
      })),
    },
  ] as RunReport["faults"];
  r.availability.writesFailed = o.failedInFailover ?? 0;
  r.dataLoss!.lost = o.lost ?? 0;
  r.dataLoss!.duplicated = 0;
  return r;
}

const rolled: Partial<UpgradeDetails> = {
  from: "redis-chaos/redis:7.0",
  to: "redis-chaos/redis:8.0",
  fromVersion: "7.0.15",
  toVersion: "8.0.2",
  failover: "handover-writes-paused",
  order: ["redis-1", "redis-2", "redis-0"],
  handovers: [{ from: "redis-0", to: "redis-2" }],
  steps: [
    step("redis-1", "down", 3000, 3300),
    step("redis-1", "up", 3300, 4650, { version: "8.0.2" }),
    step("redis-1", "synced", 4650, 4651, { sync: "partial" }),
    step("redis-2", "failover", 6280, 6990),
    step("redis-0", "rejoined", 6990, 7200),
  ],
  wayBack: { node: "redis-1", possible: false, serverSaid: "Can't handle RDB format version 12" },
};

test("the plan is the suite's roll from --from to --to, with the way back tried; the crash trap and the steady load are the same roll's", (t) => {
  const [fault] = plan.roll.faults;
  t.like(fault, { kind: "upgrade", to: "redis-chaos/redis:8.0", wayBack: true, failover: "handover-writes-paused" });
  t.is(plan.roll.topology.image, "redis-chaos/redis:7.0");
  t.like(plan.crash.faults[0], { oldMasterRejoins: "before-upgrade" });
  const template = loadSuite("upgrade").find((s) => s.name === "sentinel-rolling-upgrade")!;
  t.is(plan.roll.workload.duration, template.workload.duration + 15, "the way back's failed start gets a longer load");
  t.is(plan.crash.workload.duration, template.workload.duration + 20, "the trap's crash, restart and watch get a longer load");
  t.deepEqual(plan.steady?.faults, []);
  t.is(plan.steady?.workload.duration, template.workload.duration, "the same load as the roll's template");
  t.is(planUpgrade("cluster", "a/b:1", "a/b:2", false).steady, null, "--no-performance runs no steady load");
  const e = t.throws(() => planUpgrade("standalone", "a/b:1", "a/b:2", true)) as HarnessError;
  t.is(e.exitCode, EXIT.badInput);
});

test("go: the roll lost nothing; what holds anyway is said as cautions — no way back, the crash trap, the failed writes and their step, a slower metric", (t) => {
  const crash = rollRun({ ...rolled, rejoinedOnOldImage: { synced: false, serverSaid: "Can't handle RDB format version 12" } });
  const slower = {
    summary: { tooFewRuns: false },
    scenarios: [{ metrics: [{ label: "P99 latency, baseline", outcome: "regressed", note: "worse by 0.4 ms (+40%), rank test p 0.050, 4.0× the spread" }] }],
  } as unknown as Comparison;
  const d = decideUpgrade(plan, { report: rollRun(rolled, { failedInFailover: 12 }) }, { report: crash }, slower);
  t.true(d.go);
  t.regex(
    d.headline,
    /^GO: the rolling upgrade of sentinel from 7\.0\.15 to 8\.0\.2 lost no acknowledged write under load .*; 12 failed and must be retried; there is no way back once it has saved\.$/,
  );
  t.deepEqual(
    d.cautions.map((c) => c.split(":")[0]),
    [
      '12 writes failed during the roll and must be retried; the step that failed most operations was "redis-2',
      "no way back once 8.0.2 has saved",
      'a crash of the old master before its own upgrade leaves it unable to sync until it is upgraded ("Can\'t handle RDB format version 12")',
      "P99 latency, baseline is worse on redis-chaos/redis",
    ],
  );
  t.is(d.traps[0].serverSaid, "Can't handle RDB format version 12");
});

test("no-go: a write lost, or a roll that stopped, is the first line; the page says it first too", (t) => {
  const lost = decideUpgrade(plan, { report: rollRun(rolled, { lost: 450 }) }, null, null);
  t.false(lost.go);
  t.is(lost.headline, "NO-GO: 450 acknowledged writes were lost during the roll.");
  const stopped = decideUpgrade(plan, { report: rollRun(rolled, { error: 'redis-1 did not start on redis-chaos/redis:8.0: "Bad RDB"' }) }, null, null);
  t.regex(stopped.headline, /^NO-GO: the roll stopped: redis-1 did not start/);
  const short = rollRun(rolled);
  short.workload.loadDurationMs = 8000;
  t.regex(decideUpgrade(plan, { report: short }, null, null).headline, /^NO-GO: the roll outlasted the load \(done at 9\.000 s, the load ended at 8\.000 s\)/);
  const none = decideUpgrade(plan, { error: "no Docker engine answered" }, null, null);
  t.is(none.headline, "NO-GO: the roll did not run to a report: no Docker engine answered.");

  const dir = mkdtempSync(path.join(tmpdir(), "upgrade-page-"));
  const files = writeStudy(dir, lost, upgradeView(lost, dir), "upgrade");
  t.regex(readFileSync(files.md, "utf8").split("\n")[0], /^# NO-GO: upgrade sentinel from 7\.0\.15 to 8\.0\.2$/);
  const page = readFileSync(files.html, "utf8");
  t.regex(page, /<h1>NO-GO: upgrade sentinel from 7\.0\.15 to 8\.0\.2<\/h1><p class="desc">NO-GO: 450 acknowledged writes were lost during the roll\.<\/p>/);
  t.regex(page, /<svg data-figure-svg="roll-steps"/, "the steps are drawn");
});
