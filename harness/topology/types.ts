import type { ClientAccess } from "../security/run-security.js";
import type { Cluster, Redis } from "ioredis";
import type { ClusterNodeLine } from "./cluster-nodes.js";
import type { FaultLayer, ProxiedLink } from "./fault-layer.js";
import type { PeerCut } from "./peer-cut.js";
import type { DriverHosts, TargetFacts } from "./target.js";
import type { NodeAddress, RedisNode, ServerIdentity } from "./redis-node.js";

/** A data-path client: a plain or Sentinel-aware Redis connection, or a Cluster client. */
export type DataClient = Redis | Cluster;

/**
 * What a deployment can do, declared by its definition: the scenario schema checks a fault's requirements against
 * these before anything starts, and the parts that need one find it as an optional member of the running topology.
 */
export const CAPABILITIES = {
  replicas: "has replicas (to target, or to read from)",
  peers: "nodes reach each other through peer links (partitions, replication-link faults)",
  sentinels: "has Sentinel processes",
  bus: "has a cluster bus",
  slots: "spreads slots over masters (Redis Cluster)",
  runbook: "the harness decides which node is primary (plain replication's manual promotion)",
  autoFailover: "promotes a replica on its own when the primary fails",
  serverSideDataset: "can load a dataset on the server side with DEBUG POPULATE",
  processes: "has node processes the harness may kill, pause and start again",
  cuts: "can have a node cut off from its peers, both directions",
  saves: "can be made to save (BGSAVE writes over the server's RDB file)",
  configures: "can have its servers' settings changed for a while (CONFIG SET)",
  clientPath: "has its clients go through the harness's fault layer",
  images: "has containers the harness started, whose image it can replace keeping their data (an upgrade)",
} as const;
export type Capability = keyof typeof CAPABILITIES;

/**
 * How an application's client finds the node that takes writes, as each topology declares it (the same value on its
 * definition and on the running topology): the engines open their connections by it, and the scenario schema asks it
 * whether a connection that never asks again still follows a failover.
 *  - direct: straight to the node primary() names, at its client link; a new primary is found only by a new
 *    connection (the harness repointing the clients after a runbook).
 *  - sentinels: the client asks the Sentinels (`sentinels`) where master `masterName` is, each time it connects.
 *  - slots: the client is seeded with every node's client link and follows the slots itself (MOVED, ASK).
 */
export type ClientRoute = { by: "direct" } | { by: "sentinels"; masterName: string } | { by: "slots" };

/** What a report says about the deployment under test. */
export interface TopologyDescription {
  kind: string;
  image: string;
  server: ServerIdentity;
  /** `engine`: where its container ran, in a topology split over several engines (--engines). */
  nodes: Array<{ name: string; role: string; config: Record<string, string>; engine?: string }>;
  sentinels: Array<{ name: string; config: Record<string, string>; engine?: string }>;
  links: Array<{ name: string; upstream: string }>;
  /** A deployment the harness did not start: what it was and what the harness did to it (its keys removed at the end). */
  target?: TargetFacts;
}

/** Where the topology stood once it settled after the run: the state the read-back trusts. */
export interface Convergence {
  converged: boolean;
  tookMs: number;
  primary: string | null;
  roles: Record<string, string>;
  note?: string;
}

/** Redis Cluster's own view, for the faults and probes that need slots (capability "slots"). */
export interface ClusterControl {
  /** CLUSTER NODES from the first node that answers. */
  clusterNodes(): Promise<ClusterNodeLine[]>;
  /** The node that announces `host:port` (what CLUSTER NODES and INFO replication name). */
  nodeAt(host: string | undefined, port: number | string | undefined): RedisNode | undefined;
  /** The cluster's node id of `node`. */
  idOf(node: RedisNode): Promise<string>;
  /** redis-cli run in `node`'s container (`--cluster` commands), with a secured cluster's login and TLS flags. */
  redisCli(node: RedisNode, args: string[]): Promise<{ exitCode: number; output: string }>;
  /** MOVED and ASK replies the servers have sent so far (INFO errorstats, summed over the nodes that answer). */
  redirections(): Promise<{ moved: number; ask: number }>;
}

/** Plain replication: the harness itself says which node is primary (capability "runbook"). */
export interface RunbookControl {
  setPrimary(node: RedisNode): void;
}

/** A running deployment: its nodes, the fault layer in front of them, and clients that go through it. */
export interface Topology {
  readonly kind: string;
  readonly capabilities: ReadonlySet<Capability>;
  /** Data nodes; nodes[0] is the first primary. */
  readonly nodes: RedisNode[];
  /** Sentinel processes (none unless capability "sentinels"). */
  readonly sentinels: RedisNode[];
  readonly faultLayer: FaultLayer;
  /** How the application's clients reach the nodes (the login, TLS) on a secured topology: every client the harness opens for the load uses it. */
  readonly access: ClientAccess;
  /** Per node name: the link the harness's clients use. */
  readonly clientLinks: Map<string, ProxiedLink>;
  /** Per node name: the link every other node uses (empty for a standalone server). */
  readonly peerLinks: Map<string, ProxiedLink>;
  /** Per data node name: the address it announces to the others (what INFO replication, Sentinel and CLUSTER SLOTS name). */
  readonly announced: ReadonlyMap<string, NodeAddress>;
  /** How `node` is cut off from its peers, both ways (capability "cuts"). */
  peerCut?(node: RedisNode): PeerCut;
  /** Per node name, its cluster bus link (capability "bus"). */
  readonly busLinks?: Map<string, ProxiedLink>;
  readonly cluster?: ClusterControl;
  /** Hosts the load is driven from instead of this process (a target file's drivers), logged in to. */
  readonly remoteDrivers?: DriverHosts;
  readonly runbook?: RunbookControl;
  /** How clients find the node that takes writes (declared by the topology's definition too). */
  readonly route: ClientRoute;
  /**
   * A new ioredis data-path client (through the fault layer): to the primary, following it as this topology's clients
   * do, or to a replica (for reads). The ioredis engine's way in; node-redis and the lean engine go by `route`.
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
  /** Deletes `keys` on the nodes directly: the harness's own keys only (the reused ledger's, measure/ledger-verifier.ts). */
  removeKeys(keys: string[]): Promise<void>;
  /** Waits until every node agrees on one primary and replicas have caught up (or the timeout passes). */
  converge(timeoutMs: number): Promise<Convergence>;
  describe(): Promise<TopologyDescription>;
  stop(): Promise<void>;
}

/** The capability's member of a running topology, or an error naming what is missing (the schema normally prevents it). */
export function need<T>(part: T | undefined, capability: Capability, topology: Topology): T {
  if (part === undefined)
    throw new Error(
      `a ${topology.kind} topology lacks what this needs: it ${CAPABILITIES[capability].replace(/^has /, "has no ").replace(/^can /, "cannot ")}`,
    );
  return part;
}
