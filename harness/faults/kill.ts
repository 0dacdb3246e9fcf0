import type { Fault, FaultContext, FaultRecord } from "./types.js";
import { resolveTarget, timedFault, watchRejoin, type Target } from "./timed.js";

/** SIGKILL a node (no shutdown, no last write to disk), then start its container again after `forMs`. */
export class KillFault implements Fault {
  readonly kind = "kill";
  constructor(
    private readonly target: Target,
    private readonly forMs: number,
  ) {}

  async run(ctx: FaultContext): Promise<FaultRecord> {
    const node = await resolveTarget(ctx.topology, this.target);
    const wasPrimary = this.target === "primary";
    return timedFault(
      ctx,
      this.kind,
      this.forMs,
      async () => {
        // The engine answers only once it has seen the container stop (~200 ms here); the process was dead long
        // before. The admin connection's close is the moment the server went away.
        const closed = new Promise<number>((resolve) => node.admin.once("close", () => resolve(ctx.clock())));
        const sentAtMs = ctx.clock();
        await node.control.kill("SIGKILL");
        const returnedAtMs = ctx.clock();
        const tookEffectAtMs = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(returnedAtMs), 1000))]);
        return { node: node.name, target: this.target, engineAnsweredAfterMs: Math.round(returnedAtMs - sentAtMs), tookEffectAtMs };
      },
      async () => {
        await node.control.start();
        return { restarted: node.name };
      },
      wasPrimary && ctx.topology.kind === "sentinel" ? () => watchRejoin(ctx, node) : undefined,
    );
  }
}
