import { z } from "zod";
import { cluster } from "./cluster.js";
import type { Containers, StartEnv } from "./definition.js";
import { replication } from "./replication.js";
import { sentinel } from "./sentinel.js";
import { standalone } from "./standalone.js";
import type { Capability, Topology } from "./types.js";

/**
 * Every kind of deployment the harness runs, simplest first (the order the recommendation tries them in). A new
 * topology: one file with its definition, and one line here.
 */
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

/** The containers a scenario's topology section starts. */
export function containersOf(spec: TopologySpec): Containers {
  const d = topologyDefinition(spec.kind);
  return (d.containers as (s: TopologySpec) => Containers)(spec);
}

/** A section of `kind` with every field at its default: what the recommendation reads a topology's shape from. */
export function defaultSpec(kind: string): TopologySpec {
  return topologyDefinition(kind).schema.parse({ kind });
}

/** The topologies that have `capability`, in words: "a replication, sentinel or cluster topology". */
export function kindsWith(capability: Capability): string {
  const kinds = TOPOLOGIES.filter((t) => (t.capabilities as readonly Capability[]).includes(capability)).map((t) => t.kind);
  return kinds.length
    ? `a ${kinds.length > 1 ? `${kinds.slice(0, -1).join(", ")} or ${kinds[kinds.length - 1]}` : kinds[0]} topology`
    : "no registered topology";
}

/** Starts the deployment a scenario names. */
export function startTopology(spec: TopologySpec, env: StartEnv): Promise<Topology> {
  const d = topologyDefinition(spec.kind);
  return (d.start as (s: TopologySpec, e: StartEnv) => Promise<Topology>)(spec, env);
}
