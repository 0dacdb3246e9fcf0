import { z } from "zod";
import { pollUntil } from "../infra/poll.js";
import { rejoinFacts, runFault, watchRejoin, type Rejoin } from "./lifecycle.js";
import { at } from "./targets.js";
import { defineFault } from "./types.js";

const PROMOTION_TIMEOUT_MS = 30_000;

export interface ClusterFailoverDetails extends Rejoin {
  oldPrimary: string;
  newPrimary: string;
  switchMs: number;
}

/**
 * CLUSTER FAILOVER on a replica of the primary: the replica and its master coordinate (the master stops taking
 * writes, the replica catches up, then takes over), so nothing acknowledged should be lost. The fault lasts from the
 * command to the moment the replica reports itself master.
 */
export const clusterFailover = defineFault({
  kind: "cluster-failover",
  description: "CLUSTER FAILOVER on a replica of slot 0's master: a coordinated switch",
  doc: "`CLUSTER FAILOVER` on a replica of the primary; heals when it is master",
  schema: z.object({ kind: z.literal("cluster-failover"), ...at }).strict(),
  requires: () => [{ capability: "slots", field: "kind", message: "Redis Cluster's own failover" }],
  run: async (_spec, ctx) => {
    const old = await ctx.topology.primary();
    const [replica] = await ctx.topology.replicasOf(old);
    if (!replica) throw new Error(`${old.name} has no replica to fail over to`);
    let sentAtMs = 0;
    let switched = false;
    return runFault<"cluster-failover", ClusterFailoverDetails>(ctx, "cluster-failover", {
      inject: async (rec) => {
        Object.assign(rec.details, { oldPrimary: old.name, newPrimary: replica.name });
        sentAtMs = ctx.clock();
        await replica.admin.call("CLUSTER", "FAILOVER");
        return { nodes: [old.name, replica.name], sentAtMs };
      },
      heal: async (rec, injected) => {
        if (!injected) return;
        const promoted = await pollUntil(async () => ((await replica.info("replication")).get("role") === "master" ? true : undefined), {
          timeoutMs: PROMOTION_TIMEOUT_MS,
          intervalMs: 10,
        });
        rec.details.switchMs = Math.round(ctx.clock() - sentAtMs);
        switched = !promoted.timedOut;
        if (promoted.timedOut) rec.fail(`${replica.name} was not master ${PROMOTION_TIMEOUT_MS} ms after CLUSTER FAILOVER`);
      },
      after: async (rec) => void (switched && Object.assign(rec.details, await watchRejoin(ctx, old))),
    });
  },
  facts: (d) => [
    { label: "old primary", value: d.oldPrimary },
    { label: "new primary", value: d.newPrimary },
    { label: "switch took", value: d.switchMs, unit: "ms" },
    ...rejoinFacts(d),
  ],
});
