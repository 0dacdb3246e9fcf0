import { z } from "zod";
import { seconds } from "../infra/fields.js";
import type { RedisNode } from "../topology/redis-node.js";
import type { Topology } from "../topology/types.js";
import type { Requirement } from "./types.js";

/** When a fault is injected and how long it holds, seconds after the load started. */
export const at = { at: seconds };
export const held = { at: seconds, for: seconds };

/** The nodes a fault can hit, by role: "sentinel" is a Sentinel process (the sentinels capability), not the topology. */
export const NODE_TARGETS = ["primary", "replica", "sentinel"] as const;
export type NodeTarget = (typeof NODE_TARGETS)[number];
export const nodeTarget = z.enum(NODE_TARGETS);
export const dataTarget = z.enum(["primary", "replica"]);

/** What a target needs of the topology. */
export function targetRequires(target: string): Requirement[] {
  if (target === "replica") return [{ capability: "replicas", field: "target", message: "a replica" }];
  if (target === "sentinel") return [{ capability: "sentinels", field: "target", message: "a Sentinel" }];
  return [];
}

/**
 * The node `target` names among nodes whose roles were read (the dry run's: the run resolves it again when the fault
 * falls), or undefined where there is none right now.
 */
export function targetAmong(target: string, nodes: RedisNode[], sentinels: RedisNode[], roles: string[]): RedisNode | undefined {
  if (target === "sentinel") return sentinels[0];
  return nodes.find((_, i) => roles[i] === (target === "replica" ? "slave" : "master"));
}

/** The node a fault hits, resolved when it is injected: after a failover "primary" is another node. */
export async function resolveTarget(topology: Topology, target: NodeTarget): Promise<RedisNode> {
  if (target === "sentinel") {
    const s = topology.sentinels[0];
    if (!s) throw new Error("this topology has no Sentinel");
    return s;
  }
  const primary = await topology.primary();
  if (target === "primary") return primary;
  const [replica] = await topology.replicasOf(primary);
  if (!replica) throw new Error(`${primary.name} has no replica`);
  return replica;
}
