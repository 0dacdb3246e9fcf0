import { Redis } from "ioredis";
import { reachedAt } from "./fault-layer.js";
import { z } from "zod";
import { appAccess } from "../security/run-security.js";
import { toRedisOptions, type ClientSettings } from "./client-options.js";
import { commonTopologyFields, defineTopology, STARTED_HERE } from "./definition.js";
import { replicaCount, ReplicatedTopology, startReplicated, type ReplicatedDeployment, type ReplicatedOptions } from "./replicated-base.js";
import type { RedisNode } from "./redis-node.js";
import type { Capability, ClientRoute, RunbookControl } from "./types.js";

const CAPABILITIES = ["replicas", "peers", "runbook", "serverSideDataset", "cuts", ...STARTED_HERE] as const satisfies readonly Capability[];
/** Clients go to the primary the harness knows; after the runbook promotes a replica it repoints them. */
const ROUTE: ClientRoute = { by: "direct" };

/**
 * Plain master-replica replication: no automatic failover; the harness knows which node is primary, and the manual
 * promotion runbook tells it when that changes.
 */
export class ReplicationTopology extends ReplicatedTopology implements RunbookControl {
  readonly kind = "replication";
  readonly capabilities = new Set<Capability>(CAPABILITIES);
  readonly runbook: RunbookControl = this;
  readonly route = ROUTE;
  private knownPrimary: RedisNode;
  private replicaTurn = 0;

  /** From its parts: started here (start), or a target's (topology/target.ts); nodes[0] is the primary. */
  constructor(
    parts: ReplicatedDeployment,
    image: string,
    private readonly client: ClientSettings,
  ) {
    super(image, parts, []);
    this.knownPrimary = parts.nodes[0];
  }

  static start(o: ReplicatedOptions & { client: ClientSettings }, onStep: (msg: string) => void = () => {}): Promise<ReplicationTopology> {
    return startReplicated(o, 0, onStep, async (parts) => new ReplicationTopology({ ...parts, access: appAccess(parts.security) }, o.image, o.client));
  }

  newClient(to: "primary" | "replica" = "primary"): Redis {
    const node = to === "primary" ? this.knownPrimary : this.nextReplica();
    return new Redis({ ...toRedisOptions(this.client, this.access), ...reachedAt(this.clientLinks.get(node.name)!) });
  }

  /** Replicas in turn, so read connections spread over them. */
  private nextReplica(): RedisNode {
    const replicas = this.nodes.filter((n) => n !== this.knownPrimary);
    return replicas[this.replicaTurn++ % replicas.length];
  }

  setPrimary(node: RedisNode): void {
    this.knownPrimary = node;
  }

  async primary(): Promise<RedisNode> {
    return this.knownPrimary;
  }
}

export const replication = defineTopology({
  kind: "replication",
  description: "one master and its replicas, no automatic failover",
  schema: z
    .object({
      kind: z.literal("replication"),
      ...commonTopologyFields,
      replicas: z.number().int().min(replicaCount.min).max(replicaCount.max).default(replicaCount.default),
    })
    .strict(),
  capabilities: CAPABILITIES,
  start: (spec, env) => ReplicationTopology.start({ ...spec, ...env }, env.onStep),
  containers: (spec) => ({ dataNodes: 1 + spec.replicas, masters: 1, others: 0 }),
  route: ROUTE,
  attach: (d) => new ReplicationTopology({ ...d, peerLinks: new Map() }, d.image, d.client),
  failover: "manual",
  readsFromReplicas: true,
});
