import type { RedisNode } from "../topology/redis-node.js";
import type { Fault, FaultContext, FaultRecord } from "./types.js";
import { failsOver, resolveTarget, timedFault, watchRejoin, type Target } from "./timed.js";

/**
 * SIGKILL a node (no shutdown, no last write to disk), then start its container again after `forMs`. Target "shard"
 * (Cluster) kills the primary and all its replicas: its slots lose coverage.
 */
export class KillFault implements Fault {
  readonly kind = "kill";
  constructor(
    private readonly target: Target | "shard",
    private readonly forMs: number,
  ) {}

  async run(ctx: FaultContext): Promise<FaultRecord> {
    const first = await resolveTarget(ctx.topology, this.target === "shard" ? "primary" : this.target);
    const victims: RedisNode[] = this.target === "shard" ? [first, ...(await ctx.topology.replicasOf(first))] : [first];
    const wasPrimary = this.target === "primary";
    return timedFault(
      ctx,
      this.kind,
      this.forMs,
      async () => {
        // The engine answers only once it has seen the container stop (~200 ms here); the process was dead long
        // before. The admin connection's close is the moment the server went away.
        let onClose = () => {};
        const closed = new Promise<number>((resolve) => first.admin.once("close", (onClose = () => resolve(ctx.clock()))));
        const sentAtMs = ctx.clock();
        await Promise.all(victims.map((v) => v.control.kill("SIGKILL")));
        const returnedAtMs = ctx.clock();
        const tookEffectAtMs = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(returnedAtMs), 1000))]);
        first.admin.off("close", onClose);
        return {
          nodes: victims.map((v) => v.name),
          target: this.target,
          engineAnsweredAfterMs: Math.round(returnedAtMs - sentAtMs),
          tookEffectAtMs,
        };
      },
      async () => {
        for (const v of victims) await v.control.start();
        return { restarted: victims.map((v) => v.name) };
      },
      wasPrimary && failsOver(ctx.topology.kind) ? () => watchRejoin(ctx, first) : undefined,
    );
  }
}
