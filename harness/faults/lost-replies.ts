import type { Toxic } from "toxiproxy-node-client";
import { z } from "zod";
import { heldFor, runFault, undoAll } from "./lifecycle.js";
import { dataTarget, held, resolveTarget, targetRequires } from "./targets.js";
import { removeAll } from "./toxics.js";
import { defineFault } from "./types.js";

export interface LostRepliesDetails {
  node: string;
  closeAfterMs: number;
}

/**
 * The node's replies to its clients are lost while their commands still arrive, and each connection is closed
 * `closeAfterMs` after the loss began (Toxiproxy's timeout toxic on the client link's downstream): the server did the
 * work and the client never heard. A client that resends what it sent on the connection it lost (ioredis with retries
 * left) makes the server do it again: the fault that shows writes applied twice.
 */
export const lostReplies = defineFault({
  kind: "lost-replies",
  description: "the node's replies to its clients are dropped (their commands still arrive) and each connection is cut after closeAfterMs",
  schema: z
    .object({
      kind: z.literal("lost-replies"),
      target: dataTarget.default("primary"),
      ...held,
      /** 0: connections stay open and replies are dropped until the heal (a hung link rather than a cut one). */
      closeAfterMs: z.number().int().nonnegative().default(500),
    })
    .strict(),
  requires: (s) => targetRequires(s.target),
  run: async (spec, ctx) => {
    const node = await resolveTarget(ctx.topology, spec.target);
    const toxics: Array<Toxic<unknown>> = [];
    return runFault<"lost-replies", LostRepliesDetails>(ctx, "lost-replies", {
      inject: async (rec) => {
        const link = ctx.topology.clientLinks.get(node.name)!;
        toxics.push(await link.proxy.addToxic({ name: "lost-replies", type: "timeout", stream: "downstream", toxicity: 1, attributes: { timeout: spec.closeAfterMs } }));
        Object.assign(rec.details, { node: node.name, closeAfterMs: spec.closeAfterMs });
        return { nodes: [node.name] };
      },
      heal: heldFor(spec.for * 1000, ctx.signal, () => undoAll(removeAll(toxics))),
    });
  },
  facts: (d) => [
    { label: "node", value: d.node },
    { label: "connections cut after", value: d.closeAfterMs, unit: "ms" },
  ],
});
