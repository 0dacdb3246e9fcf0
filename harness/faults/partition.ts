import type { Toxic } from "toxiproxy-node-client";
import { FaultLayer, type ProxiedLink } from "../topology/fault-layer.js";
import type { RedisNode } from "../topology/redis-node.js";
import type { Fault, FaultContext, FaultRecord } from "./types.js";
import { failsOver, resolveTarget, timedFault, undoAll, watchRejoin } from "./timed.js";

/**
 * A timeout toxic of 0 on both streams: data stops and connections stay open (a partition, not a crash). Each toxic
 * is handed to `added` as soon as it exists, so a heal removes it even if the next one failed.
 */
export async function blackhole(link: ProxiedLink, added: Array<Toxic<unknown>>): Promise<void> {
  for (const stream of ["upstream", "downstream"] as const) {
    added.push(await link.proxy.addToxic({ name: `blackhole-${stream}`, type: "timeout", stream, toxicity: 1, attributes: { timeout: 0 } }));
  }
}

/** iptables rules, inside `node`, that drop its traffic to and from the other nodes' peer links. */
export function outboundRules(peers: ProxiedLink[]): string[][] {
  return peers.flatMap((p) => [
    ["OUTPUT", "-p", "tcp", "-d", FaultLayer.ALIAS, "--dport", String(p.innerPort), "-j", "DROP"],
    ["INPUT", "-p", "tcp", "-s", FaultLayer.ALIAS, "--sport", String(p.innerPort), "-j", "DROP"],
  ]);
}

async function iptables(node: RedisNode, op: "-A" | "-D", rule: string[]): Promise<void> {
  const r = await node.control.exec(["iptables", "-w", op, ...rule]);
  if (r.exitCode !== 0) throw new Error(`iptables ${op} ${rule.join(" ")} in ${node.name} failed: ${r.output.trim()}`);
}

/**
 * Cuts a node off from its peers, in both directions. Toxiproxy cannot tell sources apart, so one proxy cannot do it:
 * everyone reaches the node through its peer link, which is blackholed; the node reaches everyone else through theirs,
 * which iptables inside the node drops. With clients "keep", the node's clients still reach it: a master in that
 * state keeps acknowledging writes that the other side never sees (the split brain of Jepsen's Redis analysis).
 */
export class PartitionFault implements Fault {
  readonly kind = "partition";
  constructor(
    private readonly target: "primary" | "replica",
    private readonly forMs: number,
    private readonly clients: "keep" | "cut",
  ) {}

  async run(ctx: FaultContext): Promise<FaultRecord> {
    const { topology } = ctx;
    const node = await resolveTarget(topology, this.target);
    // Every way into a node: its peer link and, in a Cluster, its bus link.
    const inward = (name: string) => [topology.peerLinks.get(name)!, ...(topology.busLinks ? [topology.busLinks.get(name)!] : [])];
    const others = [...topology.peerLinks.keys()].filter((name) => name !== node.name).flatMap(inward);
    const rules = outboundRules(others);
    const toxics: Array<Toxic<unknown>> = [];
    const applied: string[][] = [];
    return timedFault(
      ctx,
      this.kind,
      this.forMs,
      async () => {
        // The node's own way out first (it initiates nothing while it is master), then the way in: the partition is
        // in force when the blackholes are, and that is the time the RPO window is measured from.
        for (const rule of rules) {
          await iptables(node, "-A", rule);
          applied.push(rule);
        }
        for (const link of inward(node.name)) await blackhole(link, toxics);
        if (this.clients === "cut") await blackhole(topology.clientLinks.get(node.name)!, toxics);
        return { node: node.name, target: this.target, clients: this.clients, blackholedLinks: toxics.length / 2, droppedOutboundLinks: others.length };
      },
      async () => {
        await undoAll([...toxics.splice(0).map((t) => () => t.remove()), ...applied.splice(0).map((rule) => () => iptables(node, "-D", rule))]);
        return {};
      },
      this.target === "primary" && failsOver(topology.kind) ? () => watchRejoin(ctx, node) : undefined,
    );
  }
}
