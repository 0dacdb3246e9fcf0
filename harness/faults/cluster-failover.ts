import { ClusterTopology } from "../topology/cluster.js";
import type { Fault, FaultContext, FaultRecord } from "./types.js";
import { watchRejoin } from "./timed.js";

const PROMOTION_TIMEOUT_MS = 30_000;

/**
 * CLUSTER FAILOVER on a replica of the primary: the replica and its master coordinate (the master stops taking
 * writes, the replica catches up, then takes over), so nothing acknowledged should be lost. The fault lasts from the
 * command to the moment the replica reports itself master.
 */
export class ClusterFailoverFault implements Fault {
  readonly kind = "cluster-failover";

  async run(ctx: FaultContext): Promise<FaultRecord> {
    const topology = ctx.topology;
    if (!(topology instanceof ClusterTopology)) throw new Error("CLUSTER FAILOVER needs a cluster topology");
    const old = await topology.primary();
    const [replica] = await topology.replicasOf(old);
    if (!replica) throw new Error(`${old.name} has no replica to fail over to`);
    const record: FaultRecord = { kind: this.kind, requestedAtMs: ctx.clock(), tookEffectAtMs: null, healedAtMs: null, details: {} };
    try {
      record.tookEffectAtMs = ctx.clock();
      ctx.phases.markFaultStart(record.tookEffectAtMs);
      await replica.admin.call("CLUSTER", "FAILOVER");
      ctx.timeline.add("fault-injected", { fault: this.kind, replica: replica.name, master: old.name }, record.tookEffectAtMs);
      while (ctx.clock() - record.tookEffectAtMs < PROMOTION_TIMEOUT_MS) {
        if ((await replica.info("replication")).get("role") === "master") break;
        await new Promise((r) => setTimeout(r, 10));
      }
      record.healedAtMs = ctx.clock();
      ctx.phases.markFaultEnd(record.healedAtMs);
      const promoted = (await replica.info("replication")).get("role") === "master";
      ctx.timeline.add("fault-healed", { fault: this.kind, promoted }, record.healedAtMs);
      if (!promoted) record.error = `${replica.name} was not master ${PROMOTION_TIMEOUT_MS} ms after CLUSTER FAILOVER`;
      record.details = {
        oldPrimary: old.name,
        newPrimary: replica.name,
        switchMs: Math.round(record.healedAtMs - record.tookEffectAtMs),
        ...(promoted ? await watchRejoin(ctx, old) : {}),
      };
    } catch (err) {
      record.error = (err as Error).message;
      if (record.tookEffectAtMs !== null && record.healedAtMs === null) ctx.phases.markFaultEnd((record.healedAtMs = ctx.clock()));
    }
    return record;
  }
}
