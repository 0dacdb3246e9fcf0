import { z } from "zod";
import type { ClientSettings } from "./client-options.js";
import type { Capability, Topology } from "./types.js";

/** What starting a topology needs beyond its own section of the scenario. */
export interface StartEnv {
  image: string;
  toxiproxyImage: string;
  client: ClientSettings;
  onStep: (msg: string) => void;
}

/** Fields every topology section has. */
export const commonTopologyFields = {
  /** Defaults to the REDIS_IMAGE setting. */
  image: z.string().min(1).optional(),
  /** redis.conf directives for every data node, passed as --name value. */
  config: z.record(z.string(), z.string()).default({}),
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
