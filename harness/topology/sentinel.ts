import { Redis } from "ioredis";
import { z } from "zod";
import { sentinelAuthLines } from "../security/credentials.js";
import { adminAccess, appAccess, AUTH_FILE, containerFiles, secretsOf } from "../security/run-security.js";
import { tlsDirectives } from "../security/tls.js";
import { reconnectDelay, toRedisOptions, type ClientSettings } from "./client-options.js";
import { commonTopologyFields, defineTopology, STARTED_HERE } from "./definition.js";
import { startTogether } from "./lifecycle.js";
import { reachedAt, type ProxiedLink } from "./fault-layer.js";
import { replicaCount, sentinelPeerPort, ReplicatedTopology, startReplicated, type ReplicatedDeployment, type ReplicatedOptions } from "./replicated-base.js";
import { type NodeOptions, RedisNode } from "./redis-node.js";
import type { Capability, ClientRoute } from "./types.js";

export const SENTINEL_PORT = 26379;
export const MASTER_NAME = "mymaster";
const CAPABILITIES = ["replicas", "peers", "sentinels", "autoFailover", "serverSideDataset", "cuts", ...STARTED_HERE] as const satisfies readonly Capability[];
const ROUTE = { by: "sentinels", masterName: MASTER_NAME } as const satisfies ClientRoute;

export interface SentinelOptions extends ReplicatedOptions {
  sentinels: number;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  parallelSyncs: number;
  client: ClientSettings;
}

/**
 * Replication watched by Sentinels, which promote a replica when the master is down. Sentinels reach the nodes and each
 * other through their peer links too (sentinel announce-ip/port with announced host names), so a partition cuts them
 * as it cuts replication; clients ask the Sentinels where the master is, and map announced addresses (natMap).
 */
export class SentinelTopology extends ReplicatedTopology {
  readonly kind = "sentinel";
  readonly capabilities = new Set<Capability>(CAPABILITIES);
  readonly route: { by: "sentinels"; masterName: string };

  /** From its parts: started here (start), or a target's (topology/target.ts), whose Sentinels watch `masterName`. */
  constructor(
    parts: ReplicatedDeployment,
    sentinels: RedisNode[],
    private readonly o: Pick<SentinelOptions, "image" | "client">,
    masterName: string = MASTER_NAME,
  ) {
    super(o.image, parts, sentinels);
    this.route = { by: "sentinels", masterName };
  }

  static start(o: SentinelOptions, onStep: (msg: string) => void = () => {}): Promise<SentinelTopology> {
    return startReplicated(o, o.sentinels, onStep, async (parts) => {
      const names = Array.from({ length: o.sentinels }, (_, i) => `sentinel-${i}`);
      for (const [i, name] of names.entries()) {
        parts.clientLinks.set(name, await parts.faultLayer.link(`client-${name}`, `${name}:${SENTINEL_PORT}`));
        parts.peerLinks.set(name, await parts.faultLayer.link(`peer-${name}`, `${name}:${SENTINEL_PORT}`, sentinelPeerPort(i)));
      }
      const sentinels = await startTogether(names, async (name) => {
        const peer = parts.peerLinks.get(name)!;
        const { security } = parts;
        const conf = sentinelConfig(o, peer, parts.masterPeer, security.tls !== null);
        onStep(`starting ${name}`);
        const site = await parts.site(name);
        // Its config file is written once: Sentinel rewrites it with what it learns (the current master, its peers,
        // the epoch), and a Sentinel started again, or on a new image with its /data, goes on from there.
        const options = (image: string): NodeOptions => ({
          name,
          image,
          site,
          // A secured Sentinel's auth directives come from AUTH_FILE, so they are in neither its command line nor the report.
          command: [
            "sh",
            "-c",
            `[ -s /data/sentinel.conf ] || { printf '%s\\n' ${conf.map(shellQuote).join(" ")} > /data/sentinel.conf${security.auth ? ` && cat ${AUTH_FILE} >> /data/sentinel.conf` : ""}; } && exec redis-sentinel /data/sentinel.conf`,
          ],
          port: SENTINEL_PORT,
          readyLog: /\+monitor master/,
          config: { "sentinel.conf": conf.join("\n") },
          netAdmin: true,
          memoryBytes: parts.limits.sentinelBytes,
          files: containerFiles(security, security.auth ? sentinelAuthLines(security.auth, MASTER_NAME) : []),
          admin: adminAccess(security),
          secrets: secretsOf(security),
        });
        return parts.track(await RedisNode.start(options(o.image), options));
      });
      return new SentinelTopology({ ...parts, access: appAccess(parts.security) }, sentinels, o);
    });
  }

  newClient(to: "primary" | "replica" = "primary"): Redis {
    return new Redis({
      ...toRedisOptions(this.o.client, this.access),
      // A secured Sentinel asks for the login too, and speaks TLS like the servers.
      ...(this.access.login
        ? { sentinelPassword: this.access.login.password, ...(this.access.login.username ? { sentinelUsername: this.access.login.username } : {}) }
        : {}),
      ...(this.access.tls ? { enableTLSForSentinelMode: true, sentinelTLS: this.access.tls } : {}),
      role: to === "replica" ? "slave" : "master",
      sentinels: this.sentinels.map((s) => reachedAt(this.clientLinks.get(s.name)!)),
      name: this.route.masterName,
      natMap: this.natMap(),
      // Sentinels announce addresses on the project's network; the client keeps the list it was given.
      updateSentinels: false,
      failoverDetector: this.o.client.failoverDetector,
      sentinelRetryStrategy: (times) => reconnectDelay(this.o.client, times),
    });
  }

  /** The master as the first answering Sentinel names it. */
  async primary(): Promise<RedisNode> {
    for (const s of this.sentinels) {
      const addr = (await s.admin.call("SENTINEL", "get-master-addr-by-name", this.route.masterName).catch(() => null)) as string[] | null;
      const node = addr ? this.nodeAt(addr[0], addr[1]) : undefined;
      if (node) return node;
    }
    throw new Error("no Sentinel answers with the master's address");
  }

  /** Every Sentinel must name the same master. */
  protected override async unsettled(primary: RedisNode): Promise<string | undefined> {
    for (const s of this.sentinels) {
      const addr = (await s.admin.call("SENTINEL", "get-master-addr-by-name", this.route.masterName)) as string[];
      if (this.nodeAt(addr[0], addr[1]) !== primary) return `${s.name} still names ${addr.join(":")} as master`;
    }
    return undefined;
  }
}

function sentinelConfig(o: SentinelOptions, self: ProxiedLink, master: ProxiedLink, tls: boolean): string[] {
  return [
    ...(tls ? Object.entries(tlsDirectives(SENTINEL_PORT, false)).map(([k, v]) => `${k} ${v}`) : [`port ${SENTINEL_PORT}`]),
    // Names, not addresses: everything is reached through the fault layer by its alias.
    "sentinel resolve-hostnames yes",
    "sentinel announce-hostnames yes",
    `sentinel announce-ip ${self.innerHost}`,
    `sentinel announce-port ${self.innerPort}`,
    `sentinel monitor ${MASTER_NAME} ${master.innerHost} ${master.innerPort} ${o.quorum}`,
    `sentinel down-after-milliseconds ${MASTER_NAME} ${o.downAfterMs}`,
    `sentinel failover-timeout ${MASTER_NAME} ${o.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${MASTER_NAME} ${o.parallelSyncs}`,
  ];
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const sentinel = defineTopology({
  kind: "sentinel",
  description: "replication watched by Sentinels that fail over automatically",
  schema: z
    .object({
      kind: z.literal("sentinel"),
      ...commonTopologyFields,
      replicas: z.number().int().min(replicaCount.min).max(replicaCount.max).default(replicaCount.default),
      sentinels: z.number().int().min(1).max(7).default(3),
      quorum: z.number().int().min(1).default(2),
      downAfterMs: z.number().int().min(100).default(5000),
      failoverTimeoutMs: z.number().int().min(1000).default(60_000),
      parallelSyncs: z.number().int().min(1).default(1),
    })
    .strict(),
  capabilities: CAPABILITIES,
  start: (spec, env) => SentinelTopology.start({ ...spec, ...env }, env.onStep),
  containers: (spec) => ({ dataNodes: 1 + spec.replicas, masters: 1, others: spec.sentinels }),
  route: ROUTE,
  attach: (d) => new SentinelTopology({ ...d, peerLinks: new Map() }, d.sentinels, d, d.masterName),
  failover: "automatic",
  readsFromReplicas: true,
});
