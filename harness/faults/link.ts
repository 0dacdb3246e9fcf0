import type { Toxic } from "toxiproxy-node-client";
import type { Fault, FaultContext, FaultRecord } from "./types.js";
import { resolveTarget, timedFault } from "./timed.js";

/**
 * Degrades a node's peer link (what its replicas replicate over and Sentinels ping through): latency with jitter on
 * both streams, and a bandwidth cap on what the node sends (the replication stream).
 */
export class LinkFault implements Fault {
  readonly kind = "link";
  constructor(
    private readonly target: "primary" | "replica",
    private readonly forMs: number,
    private readonly latencyMs: number,
    private readonly jitterMs: number,
    private readonly bandwidthKBps: number,
  ) {}

  async run(ctx: FaultContext): Promise<FaultRecord> {
    const node = await resolveTarget(ctx.topology, this.target);
    const link = ctx.topology.peerLinks.get(node.name)!;
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
        return { node: node.name, latencyMs: this.latencyMs, jitterMs: this.jitterMs, bandwidthKBps: this.bandwidthKBps };
      },
      async () => {
        for (const t of toxics.splice(0)) await t.remove();
        return {};
      },
    );
  }
}
