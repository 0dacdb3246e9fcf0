import type { Timeline } from "../../measure/timeline.js";
import { Redis } from "ioredis";
import { toRedisOptions, type ClientSettings } from "../../topology/client-options.js";
import type { Topology } from "../../topology/types.js";
import { IoredisPool } from "./ioredis-pool.js";
import type { CommandClient, Connections, ReplyCallback } from "./command-client.js";
import { LeanConnection } from "./lean-connection.js";
import { LeanPool, type Address } from "./lean-pool.js";
import { leanPoolAt, linkOf, slotsTarget, type LoadPath } from "./lean-target.js";
import { nodeRedisConnection, NodeRedisPool } from "./node-redis-pool.js";

export interface EngineSetting {
  topology: Topology;
  to: "primary" | "replica";
  connections: number;
  client: ClientSettings;
  timeline: Timeline;
  /** Through the fault layer, or straight to the nodes (workload.via; the schema allows direct for the lean engine only). */
  via: LoadPath;
}

/** One plain connection to one address: what calibration (and the bench) time PINGs over. */
export interface SingleConnection extends CommandClient {
  ping(cb: ReplyCallback): unknown;
  close(): void;
}

/** A load engine: the client library the workload's operations go through. Both feed the same recorder and ledger. */
export interface Engine {
  readonly description: string;
  /** Connections not yet connected: the caller defers their close before connecting (a half-open pool is closed too). */
  create(s: EngineSetting): Connections & { connect(): Promise<void> };
  connectTo(a: Address, client: ClientSettings): Promise<SingleConnection>;
}

/** The client link of the node the topology names primary now, or of one of its replicas (round-robin by connection). */
async function linkAddress(topology: Topology, to: "primary" | "replica", i: number, via: LoadPath): Promise<Address> {
  const primary = await topology.primary();
  const replicas = to === "replica" ? await topology.replicasOf(primary) : [];
  const node = to === "replica" ? replicas[i % replicas.length] : primary;
  if (!node) throw new Error(`the ${topology.kind} topology has no replica to read from right now`);
  return linkOf(topology, node.name, via);
}

export const ENGINES = {
  ioredis: {
    description: "ioredis with the scenario's client settings: what applications run, so what a failover looks like to them",
    create: (s) => new IoredisPool(() => s.topology.newClient(s.to), s.connections, s.timeline),
    connectTo: async (a, client) => {
      const c = new Redis({ ...a, ...toRedisOptions(client) });
      c.on("error", () => {}); // each command sees its own error
      await c.connect();
      return Object.assign(c, { close: () => c.disconnect() });
    },
  },
  "node-redis": {
    description: "node-redis (the redis package) with the scenario's client settings: the other client applications run",
    create: (s) => new NodeRedisPool(s.topology, s.to, s.connections, s.client, s.timeline),
    connectTo: (a, client) => nodeRedisConnection(a, client),
  },
  lean: {
    description: "pre-encoded RESP on plain sockets, replies decoded by redis-parser: the instrument for throughput and capacity work",
    create: (s) => {
      if (s.topology.route.by !== "slots") return new LeanPool((i) => linkAddress(s.topology, s.to, i, s.via), s.connections, s.client, s.timeline);
      if (s.to === "replica") throw new Error(`the lean engine reads from a ${s.topology.kind}'s masters only: read from replicas with engine "ioredis"`);
      return leanPoolAt(slotsTarget(s.topology, s.via), s.connections, s.client, s.timeline);
    },
    connectTo: (a, client) => LeanConnection.open({ ...a, commandTimeoutMs: client.commandTimeoutMs, connectTimeoutMs: client.connectTimeoutMs }),
  },
} as const satisfies Record<string, Engine>;

export type EngineName = keyof typeof ENGINES;
export const ENGINE_NAMES = Object.keys(ENGINES) as [EngineName, ...EngineName[]];
