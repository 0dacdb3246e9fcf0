import type { Failover } from "../topology/definition.js";
import { containersOf, defaultSpec, TOPOLOGIES, topologyDefinition, type TopologyKind } from "../topology/registry.js";

/**
 * What the studies and the recommendation read of a topology, from its definition: who promotes a replica, whether
 * reads spread over replicas, and its default shape (how many masters the data is spread over, how many replicas).
 * None of them names a kind.
 */
export interface Shape {
  failover: Failover;
  readsFromReplicas: boolean;
  masters: number;
  replicas: number;
}

export function shapeOf(k: TopologyKind): Shape {
  const d = topologyDefinition(k);
  const { dataNodes, masters } = containersOf(defaultSpec(k));
  return { failover: d.failover, readsFromReplicas: d.readsFromReplicas, masters, replicas: dataNodes - masters };
}

/** One Redis server and nothing else: what the fork study and a one-server throughput study run on (the simplest such). */
export const ONE_SERVER: TopologyKind = (() => {
  const k = TOPOLOGIES.map((t) => t.kind).find((kind) => containersOf(defaultSpec(kind)).dataNodes === 1);
  if (!k) throw new Error("no registered topology is one server");
  return k;
})();

/**
 * The throughput study whose numbers stand for `k`: its own when its data is spread over masters (the study measured
 * them all); else one server's, which each of its servers is.
 */
export const studiedAs = (k: TopologyKind): TopologyKind => (shapeOf(k).masters > 1 ? k : ONE_SERVER);

/**
 * One master with replicas and no failover of its own: what the resync study cuts off and heals (nothing promotes a
 * replica meanwhile, so every resync is the master's to serve).
 */
export const MASTER_WITH_REPLICAS: TopologyKind = (() => {
  const k = TOPOLOGIES.map((t) => t.kind).find((kind) => {
    const s = shapeOf(kind);
    return s.masters === 1 && s.replicas > 0 && s.failover !== "automatic";
  });
  if (!k) throw new Error("no registered topology is one master with replicas and no failover of its own");
  return k;
})();
