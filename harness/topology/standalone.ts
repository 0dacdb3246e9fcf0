import { Redis } from "ioredis";
import type { StartedNetwork } from "testcontainers";
import { toRedisOptions, type ClientSettings } from "../workload/client-options.js";
import { mgetAll } from "../check/read-back.js";
import type { FaultLayer, ProxiedLink } from "./fault-layer.js";
import { startDeployment, stopAll } from "./lifecycle.js";
import { REDIS_PORT, RedisNode } from "./redis-node.js";
import type { Convergence, Topology, TopologyDescription } from "./types.js";

export interface StandaloneOptions {
  image: string;
  toxiproxyImage: string;
  config: Record<string, string>;
  client: ClientSettings;
}

/** One Redis server; clients reach it through one Toxiproxy link. */
export class StandaloneTopology implements Topology {
  readonly kind = "standalone" as const;
  readonly sentinels: RedisNode[] = [];
  readonly peerLinks = new Map<string, ProxiedLink>();
  readonly clientLinks: Map<string, ProxiedLink>;

  private constructor(
    private readonly opts: StandaloneOptions,
    private readonly network: StartedNetwork,
    readonly faultLayer: FaultLayer,
    readonly nodes: RedisNode[],
    private readonly clientLink: ProxiedLink,
  ) {
    this.clientLinks = new Map([[nodes[0].name, clientLink]]);
  }

  /** Starts everything; on a failure half-way, stops what did start before rethrowing. */
  static start(opts: StandaloneOptions, onStep: (msg: string) => void = () => {}): Promise<StandaloneTopology> {
    return startDeployment(opts.toxiproxyImage, 1, onStep, async ({ network, faultLayer, track }) => {
      onStep(`starting redis-0 (${opts.image})`);
      const node = track(await RedisNode.startServer("redis-0", opts.image, network, opts.config));
      const link = await faultLayer.link("client-redis-0", `redis-0:${REDIS_PORT}`);
      return new StandaloneTopology(opts, network, faultLayer, [node], link);
    });
  }

  newClient(to: "primary" | "replica" = "primary"): Redis {
    if (to === "replica") throw new Error("a standalone server has no replica to read from");
    return new Redis({ host: "127.0.0.1", port: this.clientLink.hostPort, ...toRedisOptions(this.opts.client) });
  }

  async primary(): Promise<RedisNode> {
    return this.nodes[0];
  }

  /** One node: settled as soon as it answers. */
  async converge(): Promise<Convergence> {
    const start = Date.now();
    const role = (await this.nodes[0].info("replication")).get("role") ?? "?";
    return { converged: true, tookMs: Date.now() - start, primary: this.nodes[0].name, roles: { [this.nodes[0].name]: role } };
  }

  async replicasOf(): Promise<RedisNode[]> {
    return [];
  }

  async readKeys(keys: string[]): Promise<Array<string | null>> {
    return mgetAll(await this.primary(), keys);
  }

  async describe(): Promise<TopologyDescription> {
    const server = await this.nodes[0].identity();
    return {
      kind: this.kind,
      image: this.opts.image,
      server,
      nodes: this.nodes.map((n) => ({ name: n.name, role: server.role, config: n.config })),
      sentinels: [],
      links: [...this.faultLayer.links.values()].map((l) => ({ name: l.name, upstream: l.proxy.upstream })),
    };
  }

  async stop(): Promise<void> {
    await stopAll([...this.nodes, this.faultLayer, this.network]);
  }
}
