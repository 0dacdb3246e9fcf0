import type { Timeline } from "../../measure/timeline.js";
import { accessOptions } from "../../security/run-security.js";
import type { ClientSettings } from "../../topology/client-options.js";
import type { Topology } from "../../topology/types.js";
import { reachedAt } from "../../topology/fault-layer.js";
import { LeanClusterPool } from "./lean-cluster.js";
import { LeanPool, type Address } from "./lean-pool.js";

/**
 * Where lean connections go, as plain data (a driver thread cannot hold the topology): one server's client link, or,
 * for a topology whose clients follow the slots, every node's client link with the client link behind each address a
 * node announces ("host:port": what CLUSTER SLOTS, MOVED and ASK name).
 */
export type LeanTarget = { kind: "server"; address: Address } | { kind: "slots"; seeds: Address[]; byAnnounced: Record<string, Address> };

/** How the load reaches the servers (workload.via): each node's client link in the fault layer, or the node's own port. */
export const LOAD_PATHS = ["fault-layer", "direct"] as const;
export type LoadPath = (typeof LOAD_PATHS)[number];

/** Where the harness reaches a node: its client link (through the fault layer), or, `via` direct, the node itself. */
export function linkOf(topology: Topology, name: string, via: LoadPath = "fault-layer"): Address {
  const at = via === "direct" ? topology.nodes.find((n) => n.name === name)!.address : reachedAt(topology.clientLinks.get(name)!);
  return { ...at, ...accessOptions(topology.access) };
}

export function slotsTarget(topology: Topology, via: LoadPath = "fault-layer"): Extract<LeanTarget, { kind: "slots" }> {
  return {
    kind: "slots",
    seeds: topology.nodes.map((n) => linkOf(topology, n.name, via)),
    byAnnounced: Object.fromEntries(
      topology.nodes.map((n) => {
        const a = topology.announced.get(n.name)!;
        return [`${a.host}:${a.port}`, linkOf(topology, n.name, via)];
      }),
    ),
  };
}

/** Every node's address where clients follow the slots; else the address of the node that is primary now. */
export async function leanTargetOf(topology: Topology, via: LoadPath = "fault-layer"): Promise<LeanTarget> {
  return topology.route.by === "slots" ? slotsTarget(topology, via) : { kind: "server", address: linkOf(topology, (await topology.primary()).name, via) };
}

/** Lean connections to a target, not yet connected. A server's pool reconnects to the same address. */
export function leanPoolAt(t: LeanTarget, connections: number, settings: ClientSettings, timeline: Timeline): LeanPool | LeanClusterPool {
  return t.kind === "server"
    ? new LeanPool(async () => t.address, connections, settings, timeline)
    : new LeanClusterPool({ seeds: t.seeds, resolve: (host, port) => t.byAnnounced[`${host}:${port}`], connections, settings, timeline });
}
