import type { Cluster, Redis } from "ioredis";
import type { FaultLayer, ProxiedLink } from "./fault-layer.js";
import type { RedisNode, ServerIdentity } from "./redis-node.js";

export type TopologyKind = "standalone" | "replication" | "sentinel" | "cluster";

/** A data-path client: a plain or Sentinel-aware Redis connection, or a Cluster client. */
export type DataClient = Redis | Cluster;

/** What a report says about the deployment under test. */
export interface TopologyDescription {
  kind: TopologyKind;
  image: string;
  server: ServerIdentity;
  nodes: Array<{ name: string; role: string; config: Record<string, string> }>;
  sentinels: Array<{ name: string; config: Record<string, string> }>;
  links: Array<{ name: string; upstream: string }>;
}

/** Where the topology stood once it settled after the run: the state the read-back trusts. */
export interface Convergence {
  converged: boolean;
  tookMs: number;
  primary: string | null;
  roles: Record<string, string>;
  note?: string;
}

/** A running deployment: its nodes, the fault layer in front of them, and clients that go through it. */
export interface Topology {
  readonly kind: TopologyKind;
  /** Data nodes; nodes[0] is the first primary. */
  readonly nodes: RedisNode[];
  readonly sentinels: RedisNode[];
  readonly faultLayer: FaultLayer;
  /** Per node name: the link the harness's clients use. */
  readonly clientLinks: Map<string, ProxiedLink>;
  /** Per node name: the link every other node uses (empty for a standalone server). */
  readonly peerLinks: Map<string, ProxiedLink>;
  /** Cluster only: per node name, its cluster bus link. */
  readonly busLinks?: Map<string, ProxiedLink>;
  /**
   * A new data-path client (through the fault layer): to the primary, following it as this topology's clients do, or
   * to a replica (for reads).
   */
  newClient(to?: "primary" | "replica"): DataClient;
  /**
   * The node that takes writes now, as the topology's own authority (Sentinel, the cluster, or the harness) says; in a
   * Cluster, the master serving slot 0.
   */
  primary(): Promise<RedisNode>;
  /** The replicas following `node` now. */
  replicasOf(node: RedisNode): Promise<RedisNode[]>;
  /** The values of `keys` as the topology holds them now, read on the nodes directly (not through the fault layer). */
  readKeys(keys: string[]): Promise<Array<string | null>>;
  /** Waits until every node agrees on one primary and replicas have caught up (or the timeout passes). */
  converge(timeoutMs: number): Promise<Convergence>;
  describe(): Promise<TopologyDescription>;
  stop(): Promise<void>;
}
