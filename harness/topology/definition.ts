import { z } from "zod";
import { size, imageName } from "../infra/fields.js";
import type { SecuritySpec } from "../security/run-security.js";
import type { ClientSettings } from "./client-options.js";
import type { Capability, Topology } from "./types.js";

/** What starting a topology needs beyond its own section of the scenario. */
export interface StartEnv {
  image: string;
  toxiproxyImage: string;
  client: ClientSettings;
  limits: ContainerLimits;
  /** How the deployment is secured (the scenario's `security`): its secrets are made when it starts. */
  security: SecuritySpec;
  onStep: (msg: string) => void;
}

/** Every container's Docker memory limit, in bytes (scenario/resource-guard.ts works them out for a run). */
export interface ContainerLimits {
  /** Each Redis server: the dataset, the workload's writes, a save's copy-on-write, and headroom. */
  dataNodeBytes: number;
  sentinelBytes: number;
  faultLayerBytes: number;
}

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

/**
 * A kind of deployment: its section of the scenario (`schema`, a strict object whose `kind` is the literal), what it can
 * do (`capabilities`, which fault requirements are checked against), and how to start one. Registered in registry.ts.
 */
export interface TopologyDefinition<K extends string = string, S extends z.ZodType = z.ZodType> {
  readonly kind: K;
  readonly schema: S;
  readonly capabilities: readonly Capability[];
  readonly description: string;
  start(spec: z.output<S>, env: StartEnv): Promise<Topology>;
}

export function defineTopology<K extends string, S extends z.ZodType>(d: TopologyDefinition<K, S>): TopologyDefinition<K, S> {
  return d;
}
