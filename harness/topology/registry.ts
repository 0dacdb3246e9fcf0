import { z } from "zod";
import { cluster } from "./cluster.js";
import type { StartEnv } from "./definition.js";
import { replication } from "./replication.js";
import { sentinel } from "./sentinel.js";
import { standalone } from "./standalone.js";
import type { Capability, Topology } from "./types.js";

/** Every kind of deployment the harness runs. A new topology: one file with its definition, and one line here. */
export const TOPOLOGIES = [standalone, replication, sentinel, cluster] as const;

type Definition = (typeof TOPOLOGIES)[number];
export type TopologyKind = Definition["kind"];
export type TopologySpec = z.output<Definition["schema"]>;

/** A scenario's `topology` section: one of the registered kinds, chosen by `kind`. */
export const topologySchema = z.discriminatedUnion(
  "kind",
  TOPOLOGIES.map((t) => t.schema) as unknown as [Definition["schema"], ...Array<Definition["schema"]>],
);

export function topologyDefinition(kind: string): Definition {
  const d = TOPOLOGIES.find((t) => t.kind === kind);
  if (!d) throw new Error(`no topology of kind ${kind}`);
  return d;
}

export function capabilitiesOf(kind: string): ReadonlySet<Capability> {
  return new Set(topologyDefinition(kind).capabilities);
}

/** Starts the deployment a scenario names. */
export function startTopology(spec: TopologySpec, env: StartEnv): Promise<Topology> {
  const d = topologyDefinition(spec.kind);
  return (d.start as (s: TopologySpec, e: StartEnv) => Promise<Topology>)(spec, env);
}
