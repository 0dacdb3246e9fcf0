import { z } from "zod";
import { heldFor, rejoinFacts, runFault, watchRejoin, type Rejoin } from "./lifecycle.js";
import { held, nodeTarget, resolveTarget, targetRequires } from "./targets.js";
import { defineFault } from "./types.js";

export interface PauseDetails extends Rejoin {
  node: string;
  target: string;
  /** After a short pause the node may legitimately still be master. */
  stillPrimary: boolean;
}

/**
 * Freezes a node's processes (the cgroup freezer: docker pause) for `for`. Shorter than the failure detection
 * (down-after-milliseconds, cluster-node-timeout) it is a latency spike; longer, a failover, and the old master wakes
 * up believing it is master.
 */
export const pause = defineFault({
  kind: "pause",
  description: "freeze a node (docker pause) for a while",
  doc: "freeze (cgroup freezer), then thaw",
  schema: z.object({ kind: z.literal("pause"), target: nodeTarget.default("primary"), ...held }).strict(),
  requires: (s) => [{ capability: "processes", field: "kind", message: "node processes to freeze" }, ...targetRequires(s.target)],
  steps: (s) => [
    { at: "inject", does: "freeze", target: s.target },
    { at: "heal", does: "thaw", target: s.target },
  ],
  run: async (spec, ctx) => {
    const node = await resolveTarget(ctx.topology, spec.target);
    return runFault<"pause", PauseDetails>(ctx, "pause", {
      inject: async (rec) => {
        await node.control.pause();
        Object.assign(rec.details, { node: node.name, target: spec.target });
        return { nodes: [node.name] };
      },
      heal: heldFor(spec.for * 1000, ctx.signal, () => node.control.unpause()),
      after:
        spec.target === "primary" && ctx.topology.capabilities.has("autoFailover")
          ? async (rec) => {
              const primary = await ctx.topology.primary().catch(() => undefined);
              if (primary === node) rec.details.stillPrimary = true;
              else Object.assign(rec.details, { stillPrimary: false, ...(await watchRejoin(ctx, node)) });
            }
          : undefined,
    });
  },
  facts: (d) => [
    { label: "node", value: d.node },
    { label: "target", value: d.target },
    ...(d.stillPrimary !== undefined ? [{ label: "still primary after the pause", value: d.stillPrimary }] : []),
    ...(d.rejoinedAsReplicaAfterHealMs !== undefined ? rejoinFacts(d) : []),
  ],
});
