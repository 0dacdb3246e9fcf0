import type { Fault, FaultContext, FaultRecord } from "./types.js";
import { failsOver, resolveTarget, timedFault, watchRejoin, type Target } from "./timed.js";

/**
 * Freezes a node's processes (the cgroup freezer: docker pause) for `forMs`. Shorter than Sentinel's
 * down-after-milliseconds it is a latency spike; longer, a failover, and the old master wakes up believing it is master.
 */
export class PauseFault implements Fault {
  readonly kind = "pause";
  constructor(
    private readonly target: Target,
    private readonly forMs: number,
  ) {}

  async run(ctx: FaultContext): Promise<FaultRecord> {
    const node = await resolveTarget(ctx.topology, this.target);
    return timedFault(
      ctx,
      this.kind,
      this.forMs,
      async () => {
        await node.control.pause();
        return { node: node.name, target: this.target };
      },
      async () => {
        await node.control.unpause();
        return {};
      },
      this.target === "primary" && failsOver(ctx.topology.kind) ? () => watchRejoinIfDemoted(ctx, node) : undefined,
    );
  }
}

/** After a short pause the node may still be master, legitimately: only wait for a rejoin if Sentinel moved on. */
async function watchRejoinIfDemoted(ctx: FaultContext, node: Parameters<typeof watchRejoin>[1]) {
  const primary = await ctx.topology.primary().catch(() => undefined);
  if (primary === node) return { stillPrimary: true };
  return watchRejoin(ctx, node);
}
