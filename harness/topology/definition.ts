import { z } from "zod";
import type { Stoppable } from "./lifecycle.js";
import type { EngineSet } from "../infra/engines.js";
import { size, imageName } from "../infra/fields.js";
import type { SecuritySpec } from "../security/run-security.js";
import type { ClientSettings } from "./client-options.js";
import type { ClientAccess } from "../security/run-security.js";
import type { FaultLayer, ProxiedLink } from "./fault-layer.js";
import type { NodeAddress, RedisNode } from "./redis-node.js";
import type { Capability, ClientRoute, Topology } from "./types.js";

/** What starting a topology needs beyond its own section of the scenario. */
export interface StartEnv {
  image: string;
  toxiproxyImage: string;
  client: ClientSettings;
  limits: ContainerLimits;
  /** How the deployment is secured (the scenario's `security`): its secrets are made when it starts. */
  security: SecuritySpec;
  /** The engines it is split over (--engines); null: every container on testcontainers' engine. */
  engines: EngineSet | null;
  onStep: (msg: string) => void;
}

/** Every container's Docker memory limit, in bytes (scenario/resource-guard.ts works them out for a run). */
export interface ContainerLimits {
  /** Each Redis server: the dataset, the workload's writes, a save's copy-on-write, and headroom. */
  dataNodeBytes: number;
  sentinelBytes: number;
  faultLayerBytes: number;
}

/**
 * What every deployment the harness starts itself lets it do, whatever its kind: its processes are containers of its
 * own, its servers its own to save and configure, its clients go through its fault layer. (A target's come from its file.)
 */
export const STARTED_HERE = ["processes", "saves", "configures", "clientPath", "images"] as const satisfies readonly Capability[];

/** The smallest memory limit a data node may be given: an empty Redis and its container. */
export const MIN_MEMORY_LIMIT = 32 * 2 ** 20;

/**
 * The limits of a run without a dataset (and of topologies started by hand, in tests and the bench): a data node is
 * never given less than 256 MiB by default (an idle Redis takes ~10 MiB; replication buffers more); a Sentinel holds no
 * data; Toxiproxy buffers what a slow toxic holds back, per connection.
 */
export const DEFAULT_LIMITS: ContainerLimits = { dataNodeBytes: 256 * 2 ** 20, sentinelBytes: 128 * 2 ** 20, faultLayerBytes: 512 * 2 ** 20 };

/** Fields every topology section has. */
export const commonTopologyFields = {
  /** Defaults to the REDIS_IMAGE setting. */
  image: imageName.optional(),
  /** redis.conf directives for every data node, passed as --name value. */
  config: z.record(z.string(), z.string()).default({}),
  /**
   * Each data node's Docker memory limit ("512mb"): past it the server (or its save's child) is OOM-killed inside its
   * container. Default: what the run is estimated to need, with headroom (scenario/resource-guard.ts).
   */
  memoryLimit: size.refine((b) => b >= MIN_MEMORY_LIMIT, `at least ${MIN_MEMORY_LIMIT / 2 ** 20} MiB (a Redis server's own footprint)`).optional(),
};

/** Who promotes a replica when the master dies: nobody (a person restarts it), a person by the runbook, or the topology itself. */
export type Failover = "none" | "manual" | "automatic";

/** The containers a topology section starts; the resource guard adds its own (the fault layer, the reaper). */
export interface Containers {
  /** Redis servers. */
  dataNodes: number;
  /** Of those, the masters the data is spread over (1 unless the topology shards it): a write goes to one of them. */
  masters: number;
  /** Its other containers (Sentinels). */
  others: number;
}

/**
 * A kind of deployment: its section of the scenario (`schema`, a strict object whose `kind` is the literal), what it can
 * do (`capabilities`, which fault requirements are checked against), how to start one, and what the parts that never
 * see it running need to know (the resource guard, the scenario schema, the recommendation), so that none of them
 * names its kind. Registered in registry.ts.
 */
/**
 * A deployment the harness did not start, reached (topology/target.ts): its data nodes with the master first, its
 * Sentinels, the local fault layer with a client link to each, how clients log in, where each node says it is.
 */
export interface AttachedDeployment {
  /** What the report calls it instead of an image ("target <name>"). */
  image: string;
  client: ClientSettings;
  network: Stoppable;
  faultLayer: FaultLayer;
  nodes: RedisNode[];
  sentinels: RedisNode[];
  clientLinks: Map<string, ProxiedLink>;
  access: ClientAccess;
  announced: ReadonlyMap<string, NodeAddress>;
  /** The name its Sentinels monitor the master by. */
  masterName: string;
  /** How many masters it has as the run starts (a cluster's: what it must have again once settled). */
  masters: number;
}

export interface TopologyDefinition<K extends string = string, S extends z.ZodType = z.ZodType> {
  readonly kind: K;
  readonly schema: S;
  readonly capabilities: readonly Capability[];
  readonly description: string;
  start(spec: z.output<S>, env: StartEnv): Promise<Topology>;
  /** What a section of this kind starts: the resource guard's count of copies and containers. */
  containers(spec: z.output<S>): Containers;
  /** How clients find the node that takes writes; the running topology's `route` is the same value. */
  readonly route: ClientRoute;
  /** Who promotes a replica when the master dies: what the recommendation's RTO and RPO turn on. */
  readonly failover: Failover;
  /**
   * Reads can be spread over its replicas, each carrying what one server does: the recommendation counts them for
   * read scaling (such reads may be stale). A topology whose own throughput study measured its masters says false.
   */
  readonly readsFromReplicas: boolean;
  /** This kind over a deployment the harness did not start (`--target`); absent, such a deployment cannot be targeted. */
  attach?(d: AttachedDeployment): Topology;
}

export function defineTopology<K extends string, S extends z.ZodType>(d: TopologyDefinition<K, S>): TopologyDefinition<K, S> {
  return d;
}

/**
 * Whether a connection that keeps the address it was opened to (a driver thread's: it cannot ask the topology again)
 * still reaches the node that takes writes through this topology's failovers: nothing is ever promoted, or the client
 * follows the slots by itself.
 */
export function fixedAddressFollowsFailover(d: Pick<TopologyDefinition, "failover" | "route">): boolean {
  return d.failover === "none" || d.route.by === "slots";
}
