import type { Toxic } from "toxiproxy-node-client";
import type { Fault, FaultContext, FaultRecord } from "./types.js";
import { resolveTarget, timedFault, undoAll } from "./timed.js";

/**
 * Degrades a node's peer link (what its replicas replicate over and Sentinels ping through) or, in a Cluster, its bus
 * link (gossip and failure detection): latency with jitter on both streams, and a bandwidth cap on what the node sends.
 */
export class LinkFault implements Fault {
  readonly kind = "link";
  constructor(
    private readonly target: "primary" | "replica",
    private readonly forMs: number,
    private readonly latencyMs: number,
    private readonly jitterMs: number,
    private readonly bandwidthKBps: number,
    private readonly which: "peer" | "bus" = "peer",
  ) {}

  async run(ctx: FaultContext): Promise<FaultRecord> {
    const node = await resolveTarget(ctx.topology, this.target);
    const links = this.which === "bus" ? ctx.topology.busLinks : ctx.topology.peerLinks;
    const link = links?.get(node.name);
    if (!link) throw new Error(`${node.name} has no ${this.which} link`);
    const toxics: Array<Toxic<unknown>> = [];
    return timedFault(
      ctx,
      this.kind,
      this.forMs,
      async () => {
        if (this.latencyMs || this.jitterMs) {
          for (const stream of ["upstream", "downstream"] as const) {
            toxics.push(
              await link.proxy.addToxic({
                name: `latency-${stream}`,
                type: "latency",
                stream,
                toxicity: 1,
                attributes: { latency: this.latencyMs, jitter: this.jitterMs },
              }),
            );
          }
        }
        if (this.bandwidthKBps) {
          toxics.push(
            await link.proxy.addToxic({ name: "bandwidth", type: "bandwidth", stream: "downstream", toxicity: 1, attributes: { rate: this.bandwidthKBps } }),
          );
        }
        return { node: node.name, link: this.which, latencyMs: this.latencyMs, jitterMs: this.jitterMs, bandwidthKBps: this.bandwidthKBps };
      },
      async () => {
        await undoAll(toxics.splice(0).map((t) => () => t.remove()));
        return {};
      },
    );
  }
}
