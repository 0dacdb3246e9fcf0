import { z } from "zod";
import type { RedisNode } from "../topology/redis-node.js";
import { type ClusterControl, need } from "../topology/types.js";
import { runFault } from "./lifecycle.js";
import { at } from "./targets.js";
import { defineFault, type FaultContext } from "./types.js";

export interface ReshardDetails {
  from: string;
  to: string;
  slots: number;
  reshardMs: number;
  movedReplies: number;
  askReplies: number;
}

/**
 * Live resharding under load: `redis-cli --cluster reshard` moves `slots` slots from the primary to another master,
 * key by key (MIGRATE), while clients keep writing: they meet ASK during a slot's migration and MOVED after it. The
 * fault lasts as long as the command; the redirections the servers sent meanwhile are counted (INFO errorstats).
 */
export const reshard = defineFault({
  kind: "reshard",
  description: "move slots from slot 0's master to another master under load",
  doc: "`redis-cli --cluster reshard` of that many slots from the primary to another master, under load; MOVED/ASK replies counted",
  schema: z.object({ kind: z.literal("reshard"), ...at, slots: z.number().int().min(1).max(16384) }).strict(),
  requires: () => [{ capability: "slots", field: "kind", message: "slots to move" }],
  run: async (spec, ctx) => {
    const cluster = need(ctx.topology.cluster, "slots", ctx.topology);
    const from = await ctx.topology.primary();
    const before = await cluster.redirections();
    let migration: Promise<{ exitCode: number; output: string }> = Promise.resolve({ exitCode: -1, output: "not started" });
    let startedAtMs = 0;
    return runFault<"reshard", ReshardDetails>(ctx, "reshard", {
      inject: async (rec) => {
        const to = await otherMaster(cluster, from);
        Object.assign(rec.details, { from: from.name, to: to.name, slots: spec.slots });
        startedAtMs = ctx.clock();
        migration = moveSlots(ctx, from, to.id, spec.slots);
        return { nodes: [from.name, to.name], sentAtMs: startedAtMs };
      },
      heal: async (rec, injected) => {
        if (!injected) return;
        const r = await migration;
        const reshardMs = Math.round(ctx.clock() - startedAtMs);
        const after = await cluster.redirections();
        Object.assign(rec.details, { reshardMs, movedReplies: after.moved - before.moved, askReplies: after.ask - before.ask });
        if (r.exitCode !== 0) rec.fail(`redis-cli --cluster reshard failed: ${r.output.trim().split("\n").slice(-3).join(" | ")}`);
      },
    });
  },
  facts: (d) => [
    { label: "from → to", value: `${d.from ?? "?"} → ${d.to ?? "?"}` },
    { label: "slots moved", value: d.slots, unit: "count" },
    { label: "resharding took", value: d.reshardMs, unit: "ms" },
    { label: "MOVED replies meanwhile", value: d.movedReplies, unit: "count" },
    { label: "ASK replies meanwhile", value: d.askReplies, unit: "count" },
  ],
});

/** A master other than `from` that is not failing: where its slots can go. */
export async function otherMaster(cluster: ClusterControl, from: RedisNode): Promise<{ id: string; name: string }> {
  const fromId = await cluster.idOf(from);
  const to = (await cluster.clusterNodes()).find((l) => l.flags.includes("master") && l.id !== fromId && !l.flags.includes("fail"));
  if (!to) throw new Error("no other master to move slots to");
  return { id: to.id, name: cluster.nodeAt(to.host, to.port)?.name ?? String(to.port) };
}

/** Where redis-cli in a node's container reaches that node: its peer link on the fault layer (the address the cluster announces). */
export const cliAddress = (ctx: FaultContext, node: RedisNode) => `${ctx.topology.faultLayer.ip}:${ctx.topology.peerLinks.get(node.name)!.innerPort}`;

/** `redis-cli --cluster reshard` of `slots` slots from `from` to the node `toId`, run in `from`'s container; never throws. */
export async function moveSlots(ctx: FaultContext, from: RedisNode, toId: string, slots: number): Promise<{ exitCode: number; output: string }> {
  const cluster = need(ctx.topology.cluster, "slots", ctx.topology);
  const args = ["--cluster", "reshard", cliAddress(ctx, from)];
  return cluster
    .redisCli(from, [...args, "--cluster-from", await cluster.idOf(from), "--cluster-to", toId, "--cluster-slots", String(slots), "--cluster-yes"])
    .catch((err: Error) => ({ exitCode: -1, output: err.message }));
}
