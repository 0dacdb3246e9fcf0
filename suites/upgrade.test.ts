import type { ExecutionContext } from "ava";
import type { KillDetails } from "../harness/faults/kill.js";
import type { UpgradeDetails } from "../harness/faults/upgrade.js";
import type { RunReport } from "../harness/report/types.js";
import { suite } from "./suite.js";

// Rolling upgrades 7.0 → 8.0 under load: the roll itself, step by step, and the traps that have no way back.

/** The upgrade's record, its steps in order, and the span the report measured for each. */
function roll(t: ExecutionContext, r: RunReport) {
  const f = r.faults[0];
  if (f.kind !== "upgrade") throw new Error(`the first fault is ${f.kind}, not upgrade`);
  const d = f.details as Partial<UpgradeDetails>;
  t.log((f.spans ?? []).map((s) => `${s.label}: ${Math.round(s.toMs - s.fromMs)} ms, ${s.errors} of ${s.ops} failed, P99 ${s.p99Ms} ms`).join("\n"));
  return { f, d, steps: d.steps ?? [] };
}

/** Every node ended on the new version, and the replicas rolled first came back with a partial resync from their save. */
function rolledThrough(t: ExecutionContext, d: Partial<UpgradeDetails>, r: RunReport): void {
  t.regex(d.fromVersion ?? "", /^7\.0\./);
  t.true(
    Object.values(d.versions ?? {}).every((v) => /^8\.0\./.test(v)),
    `every node on 8.0 at the end: ${JSON.stringify(d.versions)}`,
  );
  // The data nodes that were replicas when the roll began (the Sentinels, rolled last, resync nothing).
  const data = new Set(r.topology?.nodes.map((n) => n.name));
  const replicas = d.order!.filter((n) => data.has(n) && !d.handovers?.some((h) => h.from === n));
  for (const n of replicas)
    t.is(d.steps!.find((s) => s.node === n && s.step === "synced")?.sync, "partial", `${n} resumed from its own saved RDB: a partial resync`);
}

suite(
  "upgrade.json",
  {
    "sentinel-rolling-upgrade-unpaused": (t, { report }) => {
      const { d, steps } = roll(t, report);
      rolledThrough(t, d, report);
      const loss = report.dataLoss!;
      t.true(loss.lost > 0 && loss.splitBrain === loss.lost, `every lost write was acknowledged after the roll began (${loss.lost})`);
      const refused = steps.find((s) => s.node === d.oldPrimary && s.step === "sync-refused");
      t.regex(refused?.serverSaid ?? "", /Can't handle RDB format version 12/, "the old master could not load the upgraded master's RDB");
      for (const s of ["sentinel-0", "sentinel-1", "sentinel-2"])
        t.truthy(
          steps.find((x) => x.node === s && x.step === "rejoined"),
          `${s}, on 8.0 with its own sentinel.conf, named the master the others name and heard them all`,
        );
    },
    "replication-rolling-upgrade": (t, { report }) => {
      const { f, d, steps } = roll(t, report);
      t.is(f.error, undefined);
      rolledThrough(t, d, report);
      t.truthy(
        steps.find((s) => s.step === "repointed"),
        "the replica FAILOVER left under the old master was repointed",
      );
      t.true(
        steps.some((s) => s.node === d.oldPrimary && s.step === "rejoined"),
        "FAILOVER held writes until the replica caught up: the old master followed by a partial resync",
      );
      const failover = f.spans!.find((s) => s.label.endsWith(": failover"))!;
      t.true(failover.errors > 0, `writes failed between the swap and the clients' repointing (${failover.errors})`);
      t.is(report.convergence?.primary, d.newPrimary);
    },
    "cluster-rolling-upgrade": (t, { report }) => {
      const { f, d, steps } = roll(t, report);
      t.is(f.error, undefined);
      rolledThrough(t, d, report);
      t.is(d.handovers?.length, 3, "one CLUSTER FAILOVER a shard");
      for (const h of d.handovers ?? [])
        t.truthy(
          steps.find((s) => s.node === h.from && (s.step === "rejoined" || s.step === "sync-refused")),
          `${h.from}, still 7.0, was watched following ${h.to} before its own roll`,
        );
      // MIGRATE from an 8.0 master to a 7.0 one: the payload's RDB version is newer than the receiver reads.
      t.like(d.slotsMoved, { from: d.handovers?.[0].to, done: false, fixed: { done: true, said: null } });
      t.regex(d.slotsMoved?.serverSaid ?? "", /DUMP payload version or checksum are wrong/);
      t.is(report.convergence?.converged, true, "every slot served, every replica in sync");
    },
    "replication-redis-to-valkey": (t, { report }) => {
      const [asReplica, asFile] = report.faults.map((f) => ({ f, d: f.details as Partial<UpgradeDetails> }));
      for (const { f, d } of [asReplica, asFile]) {
        t.is(f.error, undefined, "the refusal is the outcome the scenario expects, not an error");
        t.log(`${d.refused?.node} ${d.refused?.how}: ${d.refused?.serverSaid}`);
      }
      t.like(asReplica.d.refused, { how: "refused its master's data" });
      t.regex(asReplica.d.refused?.serverSaid ?? "", /RDB format version 12/);
      t.truthy(
        asReplica.d.steps?.find((s) => s.step === "put-back"),
        "the replica Valkey could not fill was put back on Redis",
      );
      t.like(asFile.d.refused, { how: "did not start" });
      t.regex(asFile.d.refused?.serverSaid ?? "", /RDB format version 12/);
      t.is(report.convergence?.converged, true, "every node on Redis 8.0 again, in sync");
    },
    "replication-all-at-once-upgrade": (t, { report }) => {
      const { f, d, steps } = roll(t, report);
      t.is(f.error, undefined);
      t.is(d.mode, "all-at-once");
      t.true(
        Object.values(d.versions ?? {}).every((v) => /^8\.0\./.test(v)),
        `every node on 8.0: ${JSON.stringify(d.versions)}`,
      );
      t.is(new Set(steps.filter((s) => s.step === "down").map((s) => s.fromMs)).size, 1, "every node stopped at the same moment");
      const loss = report.dataLoss!;
      t.log(`lost ${loss.lost} of ${loss.acknowledged} acknowledged; RPO window ${loss.rpoMs} ms`);
      // The master saved nothing on SIGTERM: the loss reaches back to the run's first write.
      t.is(loss.lostSample[0], 0, "the first write of the run is lost");
      t.true(loss.rpoMs! >= f.sentAtMs! - 100, `everything acknowledged before the restart is lost (RPO window ${loss.rpoMs} ms, fault at ${f.sentAtMs} ms)`);
    },
    "sentinel-old-master-back-mid-failover": (t, { report }) => {
      const f = report.faults[0];
      const d = f.details as Partial<KillDetails>;
      const loss = report.dataLoss!;
      const failed = report.availability!.writesFailed;
      t.log(`started ${d.startedOn?.afterKillMs} ms after the kill; took ${d.keysWhileMaster} keys as a master; ${loss.lost} lost; ${failed} failed`);
      t.is(d.startedOn?.channel, "+odown");
      t.not(d.startedOn?.afterKillMs, null, "it was started on the Sentinel's +odown, not after `for`");
      t.not(report.convergence?.primary, d.nodes?.[0], "the failover went on: another node is the master");
      t.not(d.rejoinedAsReplicaAfterHealMs, null, "and Sentinel demoted the restarted master in the end");
      // Whether a client reached it is the race; what it took is what is lost: each write is a key of its own, and
      // the restarted master came back empty (no save points). A write it took whose reply never came is not lost.
      t.is(loss.splitBrain, loss.lost, "every lost write was acknowledged after the kill");
      t.true(loss.lost <= d.keysWhileMaster!, `no more lost (${loss.lost}) than it took (${d.keysWhileMaster})`);
      t.true(d.keysWhileMaster! - loss.lost <= failed, `what it took and did not lose is among the ${failed} writes the clients were not told of`);
      t.is(loss.lost > 0, d.keysWhileMaster! > 0, "lost writes exactly when it took some");
    },
  },
  // The upgrade command runs it, with the way back and the crash trap, and pins what it claims.
  { pinnedBy: { "sentinel-rolling-upgrade": "test/integration/upgrade-command.test.ts" } },
);
