import { Redis } from "ioredis";
import { z } from "zod";
import { appAccess, type ClientAccess, type SecuritySpec } from "../security/run-security.js";
import { toRedisOptions, type ClientSettings } from "./client-options.js";
import { commonTopologyFields, defineTopology, type ContainerLimits, STARTED_HERE } from "./definition.js";
import type { FaultLayer, ProxiedLink } from "./fault-layer.js";
import { describeLinks, startDeployment, stopAll, type Stoppable } from "./lifecycle.js";
import { mgetAll, deleteKeys } from "./read-keys.js";
import { placed, REDIS_PORT, RedisNode, type NodeAddress } from "./redis-node.js";
import type { Capability, ClientRoute, Convergence, Topology, TopologyDescription } from "./types.js";

const CAPABILITIES = ["serverSideDataset", ...STARTED_HERE] as const satisfies readonly Capability[];
const ROUTE: ClientRoute = { by: "direct" };

/** One Redis server; clients reach it through one Toxiproxy link. */
export class StandaloneTopology implements Topology {
  readonly kind = "standalone";
  readonly capabilities = new Set<Capability>(CAPABILITIES);
  readonly route = ROUTE;
  readonly sentinels: RedisNode[] = [];
  readonly peerLinks = new Map<string, ProxiedLink>();
  readonly announced = new Map<string, NodeAddress>();
  readonly clientLinks: Map<string, ProxiedLink>;

  /** From its parts: started here (start), or a target's one server (topology/target.ts). */
  constructor(
    private readonly image: string,
    private readonly client: ClientSettings,
    private readonly network: Stoppable,
    readonly faultLayer: FaultLayer,
    readonly nodes: RedisNode[],
    private readonly clientLink: ProxiedLink,
    readonly access: ClientAccess,
  ) {
    this.clientLinks = new Map([[nodes[0].name, clientLink]]);
  }

  /** Starts everything; on a failure half-way, stops what did start before rethrowing. */
  static start(
    o: { image: string; toxiproxyImage: string; limits: ContainerLimits; security?: SecuritySpec; config: Record<string, string>; client: ClientSettings },
    onStep: (msg: string) => void = () => {},
  ): Promise<StandaloneTopology> {
    return startDeployment(o, { published: 1, internal: [] }, onStep, async ({ network, faultLayer, limits, security, track, site }) => {
      onStep(`starting redis-0 (${o.image})`);
      const node = track(
        await RedisNode.startServer("redis-0", { image: o.image, site: await site("redis-0"), memoryBytes: limits.dataNodeBytes, security }, o.config),
      );
      const link = await faultLayer.link("client-redis-0", `redis-0:${REDIS_PORT}`);
      return new StandaloneTopology(o.image, o.client, network, faultLayer, [node], link, appAccess(security));
    });
  }

  newClient(to: "primary" | "replica" = "primary"): Redis {
    if (to === "replica") throw new Error("a standalone server has no replica to read from");
    return new Redis({ host: this.clientLink.host, port: this.clientLink.hostPort, ...toRedisOptions(this.client, this.access) });
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
    return mgetAll(this.nodes[0], keys);
  }

  async removeKeys(keys: string[]): Promise<void> {
    await deleteKeys(this.nodes[0], keys);
  }

  async describe(): Promise<TopologyDescription> {
    const server = await this.nodes[0].identity();
    return {
      kind: this.kind,
      image: this.image,
      server,
      nodes: this.nodes.map((n) => ({ name: n.name, role: server.role, config: n.config, ...placed(n) })),
      sentinels: [],
      links: describeLinks(this.faultLayer),
    };
  }

  async stop(): Promise<void> {
    await stopAll([...this.nodes, this.faultLayer], this.network);
  }
}

export const standalone = defineTopology({
  kind: "standalone",
  description: "one Redis server",
  schema: z.object({ kind: z.literal("standalone"), ...commonTopologyFields }).strict(),
  capabilities: CAPABILITIES,
  start: (spec, env) => StandaloneTopology.start({ ...env, config: spec.config }, env.onStep),
  containers: () => ({ dataNodes: 1, masters: 1, others: 0 }),
  route: ROUTE,
  attach: (d) => new StandaloneTopology(d.image, d.client, d.network, d.faultLayer, d.nodes, d.clientLinks.get(d.nodes[0].name)!, d.access),
  failover: "none",
  readsFromReplicas: false,
});
