import type { Toxic } from "toxiproxy-node-client";
import { z } from "zod";
import type { RedisNode } from "../topology/redis-node.js";
import { need } from "../topology/types.js";
import { heldFor, rejoinFacts, rejoinWatch, runFault, undoAll, type Rejoin } from "./lifecycle.js";
import { dataTarget, held, resolveTarget, targetRequires } from "./targets.js";
import { resyncFacts, resyncWatch, type Resync } from "./resync-watch.js";
import { blackhole, removeAll } from "./toxics.js";
import { defineFault } from "./types.js";

/** -I: first in its chain, ahead of any rule that accepts the connections already open; -D: that rule taken out. */
async function iptables(node: RedisNode, op: "-I" | "-D", rule: string[]): Promise<void> {
  const r = await node.control.exec(["iptables", "-w", op, ...rule]);
  if (r.exitCode !== 0) throw new Error(`iptables ${op} ${rule.join(" ")} in ${node.name} failed: ${r.output.trim()}`);
}

export interface PartitionDetails extends Rejoin {
  /** Where no failover follows (plain replication, or a replica cut off): how the replicas caught up after the heal. */
  resync?: Resync;
  node: string;
  target: string;
  clients: "keep" | "cut";
  blackholedLinks: number;
  /** iptables rules applied where the node runs (inside its container, or on its host). */
  rulesApplied: number;
  /** Where the rules ran ("container …", "ssh root@…"). */
  where: string;
}

/**
 * Cuts a node off from its peers, in both directions, as the topology says it can be cut (topology/peer-cut.ts): in the
 * harness's containers, its peer links blackholed and iptables inside it; on a target's hosts, iptables on its host
 * against every other host. With clients "keep", the node's clients still reach it: a master in that state keeps
 * acknowledging writes that the other side never sees (the split brain of Jepsen's Redis analysis).
 */
export const partition = defineFault({
  kind: "partition",
  description: "cut a node off from its peers both ways (optionally from its clients too)",
  doc: "blackholes the node's peer link and drops, with iptables inside the node, its traffic to every other peer link: both directions (on a target over SSH: iptables on its host against every other host)",
  schema: z
    .object({
      kind: z.literal("partition"),
      target: dataTarget.default("primary"),
      ...held,
      /** keep: the node's clients still reach it (the split-brain case); cut: the node is isolated from everyone. */
      clients: z.enum(["keep", "cut"]).default("keep"),
    })
    .strict(),
  requires: (s) => [
    { capability: "cuts", field: "kind", message: "peers to cut it off from, both ways" },
    ...(s.clients === "cut" ? [{ capability: "clientPath", field: "clients", message: "clients that go through the fault layer, to cut" } as const] : []),
    ...targetRequires(s.target),
  ],
  // One cut off while its clients still reach it keeps acknowledging writes the promoted replica never sees, and they
  // are dropped when it rejoins (asynchronous replication): the run that shows a failover's RPO.
  shows: {
    rpo: {
      failover: ["automatic"],
      when: (f) => f.target === "primary" && f.clients === "keep",
      alone: false,
      what: "a split brain (the master cut off from the majority while its clients still reach it)",
      example: { kind: "partition", target: "primary", clients: "keep", at: "8s", for: "12s" },
    },
  },
  steps: (s) => [
    { at: "inject", does: "cut", target: s.target },
    { at: "heal", does: "heal cut", target: s.target },
  ],
  run: async (spec, ctx) => {
    const { topology } = ctx;
    const node = await resolveTarget(topology, spec.target);
    const cut = need(topology.peerCut, "cuts", topology).call(topology, node);
    const toxics: Array<Toxic<unknown>> = [];
    const applied: string[][] = [];
    // No failover follows a replica cut off, nor a master of plain replication: its replicas resync from it.
    const resync =
      topology.capabilities.has("replicas") && !topology.cluster && (spec.target === "replica" || !topology.capabilities.has("autoFailover"))
        ? resyncWatch(ctx, await topology.primary())
        : undefined;
    const rejoin = rejoinWatch(ctx, spec.target, node);
    return runFault<"partition", PartitionDetails>(ctx, "partition", {
      inject: async (rec) => {
        await resync?.cut();
        // The node's own way out first (it initiates nothing while it is master), then the way in: the partition is
        // in force when the blackholes are, and that is the time the RPO window is measured from.
        for (const rule of cut.rules) {
          await iptables(node, "-I", rule);
          applied.push(rule);
        }
        for (const link of cut.blackhole) await blackhole(link, toxics);
        if (spec.clients === "cut") await blackhole(topology.clientLinks.get(node.name)!, toxics);
        Object.assign(rec.details, {
          node: node.name,
          target: spec.target,
          clients: spec.clients,
          blackholedLinks: toxics.length / 2,
          rulesApplied: applied.length,
          where: node.control.where,
        });
        return { nodes: [node.name] };
      },
      heal: heldFor(spec.for * 1000, ctx.signal, async () => {
        await resync?.healed().catch(() => {});
        await undoAll([...removeAll(toxics), ...applied.splice(0).map((rule) => () => iptables(node, "-D", rule))]);
      }),
      after: resync ? async (rec) => void (rec.details.resync = await resync.after()) : rejoin,
    });
  },
  facts: (d) => [
    { label: "node", value: d.node },
    { label: "target", value: d.target },
    { label: "its clients", value: d.clients === "cut" ? "cut off too" : "still reach it" },
    { label: "links blackholed (into the node)", value: d.blackholedLinks, unit: "count" },
    { label: "iptables rules where the node runs", value: d.rulesApplied, unit: "count" },
    { label: "where", value: d.where },
    ...(d.rejoinedAsReplicaAfterHealMs !== undefined ? rejoinFacts(d) : []),
    ...(d.resync ? resyncFacts(d.resync) : []),
  ],
});
