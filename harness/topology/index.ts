import type { Scenario } from "../scenario/schema.js";
import type { ClientSettings } from "../workload/client-options.js";
import { ClusterTopology } from "./cluster.js";
import { ReplicatedTopology } from "./replicated.js";
import { StandaloneTopology } from "./standalone.js";
import type { Topology } from "./types.js";

/** Starts the deployment a scenario names. */
export function startTopology(
  spec: Scenario["topology"],
  image: string,
  toxiproxyImage: string,
  client: ClientSettings,
  onStep: (msg: string) => void,
): Promise<Topology> {
  switch (spec.kind) {
    case "standalone":
      return StandaloneTopology.start({ image, toxiproxyImage, config: spec.config, client }, onStep);
    case "replication":
      return ReplicatedTopology.start(
        { image, toxiproxyImage, config: spec.config, client, replicas: spec.replicas, sentinels: 0, quorum: 0, downAfterMs: 0, failoverTimeoutMs: 0, parallelSyncs: 1 },
        onStep,
      );
    case "sentinel":
      return ReplicatedTopology.start({ image, toxiproxyImage, client, ...spec }, onStep);
    case "cluster":
      return ClusterTopology.start({ image, toxiproxyImage, client, ...spec }, onStep);
  }
}
