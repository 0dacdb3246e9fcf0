import type { Redis } from "ioredis";
import type { FaultLayer } from "./fault-layer.js";
import type { RedisNode, ServerIdentity } from "./redis-node.js";

export type TopologyKind = "standalone";

/** What a report says about the deployment under test. */
export interface TopologyDescription {
  kind: TopologyKind;
  image: string;
  server: ServerIdentity;
  nodes: Array<{ name: string; role: string; config: Record<string, string> }>;
  links: Array<{ name: string; upstream: string }>;
}

/** A running deployment: its nodes, the fault layer in front of them, and clients that go through it. */
export interface Topology {
  readonly kind: TopologyKind;
  readonly nodes: RedisNode[];
  readonly faultLayer: FaultLayer;
  /** A new data-path client (through the fault layer), not yet connected. */
  newClient(): Redis;
  /** The node that takes writes now. */
  primary(): RedisNode;
  describe(): Promise<TopologyDescription>;
  stop(): Promise<void>;
}
