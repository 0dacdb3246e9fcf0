import type { Toxic } from "toxiproxy-node-client";
import { z } from "zod";
import { heldFor, runFault, undoAll } from "./lifecycle.js";
import { dataTarget, held, resolveTarget, targetRequires } from "./targets.js";
import { bandwidth, latency, removeAll } from "./toxics.js";
import { defineFault } from "./types.js";

export interface LinkDetails {
  node: string;
  link: "peer" | "bus";
  latencyMs: number;
  jitterMs: number;
  bandwidthKBps: number;
}

/**
 * Degrades a node's peer link (what its replicas replicate over and Sentinels ping through) or, in a Cluster, its bus
 * link (gossip and failure detection): latency with jitter on both streams, and a bandwidth cap on what the node sends.
 */
export const link = defineFault({
  kind: "link",
  description: "latency, jitter and a bandwidth cap on a node's replication link or cluster bus",
  doc: "degrades the node's peer link (the replication stream) or its cluster bus",
  schema: z
    .object({
      kind: z.literal("link"),
      /** Degrades the peer link of this node: what replicas (and Sentinels) use to reach it. */
      target: dataTarget.default("primary"),
      ...held,
      /** peer: the replication link; bus: the cluster bus (Cluster only). */
      link: z.enum(["peer", "bus"]).default("peer"),
      latencyMs: z.number().int().nonnegative().default(0),
      jitterMs: z.number().int().nonnegative().default(0),
      /** KB/s each way; 0 = unlimited. */
      bandwidthKBps: z.number().int().nonnegative().default(0),
    })
    .strict(),
  requires: (s) => [
    s.link === "bus" ? { capability: "bus", field: "link", message: "a cluster bus" } : { capability: "peers", field: "kind", message: "peers" },
    ...targetRequires(s.target),
  ],
  run: async (spec, ctx) => {
    const node = await resolveTarget(ctx.topology, spec.target);
    const proxied = (spec.link === "bus" ? ctx.topology.busLinks : ctx.topology.peerLinks)?.get(node.name);
    if (!proxied) throw new Error(`${node.name} has no ${spec.link} link`);
    const toxics: Array<Toxic<unknown>> = [];
    return runFault<"link", LinkDetails>(ctx, "link", {
      inject: async (rec) => {
        if (spec.latencyMs || spec.jitterMs) await latency(proxied, spec.latencyMs, spec.jitterMs, toxics);
        if (spec.bandwidthKBps) await bandwidth(proxied, spec.bandwidthKBps, toxics);
        Object.assign(rec.details, { node: node.name, link: spec.link, latencyMs: spec.latencyMs, jitterMs: spec.jitterMs, bandwidthKBps: spec.bandwidthKBps });
        return { nodes: [node.name] };
      },
      heal: heldFor(spec.for * 1000, ctx.signal, () => undoAll(removeAll(toxics))),
    });
  },
  facts: (d) => [
    { label: "node", value: d.node },
    { label: "link", value: d.link === "bus" ? "cluster bus" : "replication (peer) link" },
    { label: "latency", value: d.latencyMs, unit: "ms" },
    { label: "jitter", value: d.jitterMs, unit: "ms" },
    { label: "bandwidth cap (0 = none)", value: d.bandwidthKBps, unit: "KB/s" },
  ],
});
