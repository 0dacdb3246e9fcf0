import type { Toxic } from "toxiproxy-node-client";
import { z } from "zod";
import { heldFor, runFault, undoAll } from "./lifecycle.js";
import { dataTarget, held, resolveTarget, targetRequires } from "./targets.js";
import { latency, removeAll } from "./toxics.js";
import { defineFault } from "./types.js";

export interface LatencySpikeDetails {
  node: string;
  latencyMs: number;
  jitterMs: number;
  direction: Direction;
}

/** Which way the delay applies: a round trip gains latencyMs once ("requests" or "replies") or twice ("both"). */
const DIRECTIONS = { both: ["upstream", "downstream"], requests: ["upstream"], replies: ["downstream"] } as const;
type Direction = keyof typeof DIRECTIONS;

/**
 * Latency on the path between the clients and one node (its client link, both ways), while its peers see nothing:
 * what a slow network between the application and Redis does to P99, without any failover.
 */
export const latencySpike = defineFault({
  kind: "latency-spike",
  description: "latency with jitter between the clients and a node, its peers untouched",
  doc: "latency between the clients and the node (its client link, both ways); its peers see nothing",
  schema: z
    .object({
      kind: z.literal("latency-spike"),
      target: dataTarget.default("primary"),
      ...held,
      /** Each way, whole ms (Toxiproxy's unit). 0 with no jitter: a control run, the fault's phases without the delay. */
      latencyMs: z.number().int().nonnegative(),
      jitterMs: z.number().int().nonnegative().default(0),
      /** Toxiproxy's delay is whole ms: one way only is the smallest step a round trip can take (+1 ms). */
      direction: z.enum(Object.keys(DIRECTIONS) as [Direction, ...Direction[]]).default("both"),
    })
    .strict(),
  requires: (s) => [{ capability: "clientPath", field: "kind", message: "clients that go through the fault layer" }, ...targetRequires(s.target)],
  run: async (spec, ctx) => {
    const node = await resolveTarget(ctx.topology, spec.target);
    const toxics: Array<Toxic<unknown>> = [];
    return runFault<"latency-spike", LatencySpikeDetails>(ctx, "latency-spike", {
      inject: async (rec) => {
        if (spec.latencyMs || spec.jitterMs)
          await latency(ctx.topology.clientLinks.get(node.name)!, spec.latencyMs, spec.jitterMs, toxics, DIRECTIONS[spec.direction]);
        Object.assign(rec.details, { node: node.name, latencyMs: spec.latencyMs, jitterMs: spec.jitterMs, direction: spec.direction });
        return { nodes: [node.name] };
      },
      heal: heldFor(spec.for * 1000, ctx.signal, () => undoAll(removeAll(toxics))),
    });
  },
  facts: (d) => [
    { label: "node", value: d.node },
    { label: d.direction === "both" ? "latency added each way" : `latency added to the ${d.direction}`, value: d.latencyMs, unit: "ms" },
    { label: "jitter", value: d.jitterMs, unit: "ms" },
  ],
});
