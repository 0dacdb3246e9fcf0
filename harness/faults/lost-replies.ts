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
 * The node's replies to its clients are lost while their commands still arrive (Toxiproxy's timeout toxic on the client
 * link's downstream): the server did the work and the client never heard. Toxiproxy closes a connection once no reply
 * has come through for `closeAfterMs` (each reply it drops restarts that wait, so under steady load the connections
 * are closed when the loss ends, as measured here). A client that then resends what it had sent on the connection it
 * lost (ioredis with retries left) makes the server do it again: the fault that shows writes applied twice.
 */
export const lostReplies = defineFault({
  kind: "lost-replies",
  description: "the node's replies to its clients are dropped (their commands still arrive); connections close once no reply came through for closeAfterMs",
  doc: "the node's replies to its clients are dropped while their commands still arrive (Toxiproxy's timeout toxic on the client link's replies): the server did the work, the client never heard. Toxiproxy closes a connection once no reply came through for `closeAfterMs`; each dropped reply restarts that wait, so under load the connections close when the loss ends. A client that resends what it had not heard back about applies writes twice",
  schema: z
    .object({
      kind: z.literal("lost-replies"),
      target: dataTarget.default("primary"),
      ...held,
      // Not 0: Toxiproxy would then keep the connections open through the heal, and the replies after it would answer
      // the oldest commands still waiting: a client reading another command's reply, which no budget here judges.
      closeAfterMs: z.number().int().positive().default(500),
    })
    .strict(),
  requires: (s) => [{ capability: "clientPath", field: "kind", message: "clients that go through the fault layer" }, ...targetRequires(s.target)],
  run: async (spec, ctx) => {
    const node = await resolveTarget(ctx.topology, spec.target);
    const toxics: Array<Toxic<unknown>> = [];
    return runFault<"lost-replies", LostRepliesDetails>(ctx, "lost-replies", {
      inject: async (rec) => {
        const link = ctx.topology.clientLinks.get(node.name)!;
        toxics.push(
          await link.proxy.addToxic({ name: "lost-replies", type: "timeout", stream: "downstream", toxicity: 1, attributes: { timeout: spec.closeAfterMs } }),
        );
        Object.assign(rec.details, { node: node.name, closeAfterMs: spec.closeAfterMs });
        return { nodes: [node.name] };
      },
      heal: heldFor(spec.for * 1000, ctx.signal, () => undoAll(removeAll(toxics))),
    });
  },
  facts: (d) => [
    { label: "node", value: d.node },
    { label: "connections closed after no reply for", value: d.closeAfterMs, unit: "ms" },
  ],
});
