import { Redis } from "ioredis";
import type { StartedNetwork } from "testcontainers";
import { toRedisOptions, type ClientSettings } from "../workload/client-options.js";
import { mgetAll } from "../check/read-back.js";
import type { FaultLayer, ProxiedLink } from "./fault-layer.js";
import { startDeployment, stopAll } from "./lifecycle.js";
import { REDIS_PORT, RedisNode } from "./redis-node.js";
import type { Convergence, Topology, TopologyDescription } from "./types.js";

export const SENTINEL_PORT = 26379;
export const MASTER_NAME = "mymaster";
/** Peer links listen inside the network only, from here: data nodes 22000+, Sentinels 22100+. */
const PEER_PORT_BASE = 22000;

export interface ReplicatedOptions {
  image: string;
  toxiproxyImage: string;
  replicas: number;
  /** 0: plain replication (failover is a manual runbook); otherwise Sentinels watching the master. */
  sentinels: number;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  parallelSyncs: number;
  /** redis.conf directives for every data node (min-replicas-to-write, persistence, ...). */
  config: Record<string, string>;
  client: ClientSettings;
}

/**
 * One master, N replicas, optionally M Sentinels. Every link crosses the fault layer twice over:
 *  - `client-<node>`: the harness's clients (published on 127.0.0.1);
 *  - `peer-<node>`: everyone inside (replicas to their master, Sentinels to nodes and to each other). Every node
 *    announces its peer link (replica-announce-ip/port, sentinel announce-ip/port), so after a failover every party
 *    still goes through it; clients map announced addresses to their own links (ioredis natMap).
 * A partition can then cut a node's peers off while its clients still reach it.
 */
export class ReplicatedTopology implements Topology {
  readonly kind;
  /** The primary as the harness knows it when no Sentinel decides (plain replication). */
  private knownPrimary: RedisNode;

  private constructor(
    private readonly opts: ReplicatedOptions,
    private readonly network: StartedNetwork,
    readonly faultLayer: FaultLayer,
    readonly nodes: RedisNode[],
    readonly sentinels: RedisNode[],
    readonly clientLinks: Map<string, ProxiedLink>,
    readonly peerLinks: Map<string, ProxiedLink>,
  ) {
    this.kind = opts.sentinels > 0 ? ("sentinel" as const) : ("replication" as const);
    this.knownPrimary = nodes[0];
  }

  static start(opts: ReplicatedOptions, onStep: (msg: string) => void = () => {}): Promise<ReplicatedTopology> {
    const dataNames = Array.from({ length: 1 + opts.replicas }, (_, i) => `redis-${i}`);
    const sentinelNames = Array.from({ length: opts.sentinels }, (_, i) => `sentinel-${i}`);
    return startDeployment(opts.toxiproxyImage, dataNames.length + sentinelNames.length, onStep, async ({ network, faultLayer, track }) => {
      const clientLinks = new Map<string, ProxiedLink>();
      const peerLinks = new Map<string, ProxiedLink>();
      for (const [i, n] of dataNames.entries()) {
        clientLinks.set(n, await faultLayer.link(`client-${n}`, `${n}:${REDIS_PORT}`));
        peerLinks.set(n, await faultLayer.link(`peer-${n}`, `${n}:${REDIS_PORT}`, PEER_PORT_BASE + i));
      }
      for (const [i, n] of sentinelNames.entries()) {
        clientLinks.set(n, await faultLayer.link(`client-${n}`, `${n}:${SENTINEL_PORT}`));
        peerLinks.set(n, await faultLayer.link(`peer-${n}`, `${n}:${SENTINEL_PORT}`, PEER_PORT_BASE + 100 + i));
      }
      const master = peerLinks.get(dataNames[0])!;
      const nodes: RedisNode[] = [];
      for (const [i, name] of dataNames.entries()) {
        const peer = peerLinks.get(name)!;
        const config: Record<string, string> = {
          ...opts.config,
          "replica-announce-ip": peer.innerHost,
          "replica-announce-port": String(peer.innerPort),
          ...(i > 0 ? { replicaof: `${master.innerHost} ${master.innerPort}` } : {}),
        };
        onStep(`starting ${name} (${i === 0 ? "master" : "replica"}, ${opts.image})`);
        nodes.push(track(await RedisNode.startServer(name, opts.image, network, config, true)));
      }
      const sentinels: RedisNode[] = [];
      for (const name of sentinelNames) {
        const peer = peerLinks.get(name)!;
        const conf = sentinelConfig(opts, peer, master);
        onStep(`starting ${name}`);
        const s = track(
          await RedisNode.start({
          name,
          image: opts.image,
          network,
          command: ["sh", "-c", `printf '%s\\n' ${conf.map(shellQuote).join(" ")} > /data/sentinel.conf && exec redis-sentinel /data/sentinel.conf`],
          port: SENTINEL_PORT,
          readyLog: /\+monitor master/,
          config: { "sentinel.conf": conf.join("\n") },
          netAdmin: true,
          }),
        );
        sentinels.push(s);
      }
      const topo = new ReplicatedTopology(opts, network, faultLayer, nodes, sentinels, clientLinks, peerLinks);
      onStep("waiting for replicas to sync");
      const c = await topo.converge(60_000);
      if (!c.converged) throw new Error(`the topology did not settle after start: ${c.note}`);
      return topo;
    });
  }

  /** ioredis maps every announced peer address to the client link of the same node. */
  private natMap(): Record<string, { host: string; port: number }> {
    const map: Record<string, { host: string; port: number }> = {};
    for (const [name, peer] of this.peerLinks) {
      map[`${peer.innerHost}:${peer.innerPort}`] = { host: "127.0.0.1", port: this.clientLinks.get(name)!.hostPort };
    }
    return map;
  }

  newClient(to: "primary" | "replica" = "primary"): Redis {
    const base = toRedisOptions(this.opts.client);
    if (this.kind === "sentinel") {
      return new Redis({
        ...base,
        role: to === "replica" ? "slave" : "master",
        sentinels: this.sentinels.map((s) => ({ host: "127.0.0.1", port: this.clientLinks.get(s.name)!.hostPort })),
        name: MASTER_NAME,
        natMap: this.natMap(),
        // Sentinels announce addresses on the project's network; the client keeps the list it was given.
        updateSentinels: false,
        failoverDetector: true,
        sentinelRetryStrategy: () => this.opts.client.reconnectDelayMs,
      });
    }
    const node = to === "primary" ? this.knownPrimary : this.nextReplica();
    return new Redis({ ...base, host: "127.0.0.1", port: this.clientLinks.get(node.name)!.hostPort });
  }

  private replicaTurn = 0;
  /** Replicas in turn, so read connections spread over them. */
  private nextReplica(): RedisNode {
    const replicas = this.nodes.filter((n) => n !== this.knownPrimary);
    return replicas[this.replicaTurn++ % replicas.length];
  }

  /** Plain replication: the runbook tells the harness which node is primary now. */
  setPrimary(node: RedisNode): void {
    this.knownPrimary = node;
  }

  nodeByPeerPort(port: number): RedisNode | undefined {
    for (const n of this.nodes) if (this.peerLinks.get(n.name)!.innerPort === port) return n;
    return undefined;
  }

  async primary(): Promise<RedisNode> {
    if (this.kind !== "sentinel") return this.knownPrimary;
    for (const s of this.sentinels) {
      const addr = (await s.admin.call("SENTINEL", "get-master-addr-by-name", MASTER_NAME).catch(() => null)) as string[] | null;
      const node = addr ? this.nodeByPeerPort(Number(addr[1])) : undefined;
      if (node) return node;
    }
    throw new Error("no Sentinel answers with the master's address");
  }

  async converge(timeoutMs: number): Promise<Convergence> {
    const start = Date.now();
    let note = "";
    while (true) {
      const roles: Record<string, string> = {};
      let primary: RedisNode | undefined;
      try {
        primary = await this.primary();
        const primaryInfo = await primary.info("replication");
        const offset = Number(primaryInfo.get("master_repl_offset"));
        let settled = primaryInfo.get("role") === "master";
        note = settled ? "" : `${primary.name} is not a master yet`;
        roles[primary.name] = primaryInfo.get("role") ?? "?";
        const peer = this.peerLinks.get(primary.name)!;
        for (const n of this.nodes) {
          if (n === primary) continue;
          const info = await n.info("replication");
          roles[n.name] = info.get("role") ?? "?";
          const following = info.get("master_port") === String(peer.innerPort) && info.get("master_link_status") === "up";
          const caughtUp = Number(info.get("slave_repl_offset")) === offset;
          if (!(info.get("role") === "slave" && following && caughtUp)) {
            settled = false;
            note = `${n.name}: role ${info.get("role")}, link ${info.get("master_link_status")}, offset ${info.get("slave_repl_offset")} of ${offset}`;
          }
        }
        if (this.kind === "sentinel") {
          for (const s of this.sentinels) {
            const addr = (await s.admin.call("SENTINEL", "get-master-addr-by-name", MASTER_NAME)) as string[];
            if (Number(addr[1]) !== peer.innerPort) {
              settled = false;
              note = `${s.name} still names port ${addr[1]} as master`;
            }
          }
        }
        if (settled) return { converged: true, tookMs: Date.now() - start, primary: primary.name, roles };
      } catch (err) {
        note = (err as Error).message;
      }
      if (Date.now() - start > timeoutMs) {
        return { converged: false, tookMs: Date.now() - start, primary: primary?.name ?? null, roles, note };
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Every other data node that follows `node`'s peer link now. */
  async replicasOf(node: RedisNode): Promise<RedisNode[]> {
    const port = String(this.peerLinks.get(node.name)!.innerPort);
    const following = await Promise.all(
      this.nodes.map(async (n) => n !== node && (await n.info("replication").catch(() => new Map())).get("master_port") === port),
    );
    return this.nodes.filter((_, i) => following[i]);
  }

  async readKeys(keys: string[]): Promise<Array<string | null>> {
    return mgetAll(await this.primary(), keys);
  }

  async describe(): Promise<TopologyDescription> {
    const primary = await this.primary();
    const roles = await Promise.all(this.nodes.map(async (n) => (await n.info("replication").catch(() => new Map())).get("role") ?? "unknown"));
    return {
      kind: this.kind,
      image: this.opts.image,
      server: await primary.identity(),
      nodes: this.nodes.map((n, i) => ({ name: n.name, role: roles[i], config: n.config })),
      sentinels: this.sentinels.map((s) => ({ name: s.name, config: s.config })),
      links: [...this.faultLayer.links.values()].map((l) => ({ name: l.name, upstream: l.proxy.upstream })),
    };
  }

  async stop(): Promise<void> {
    await stopAll([...this.sentinels, ...this.nodes, this.faultLayer, this.network]);
  }
}

function sentinelConfig(o: ReplicatedOptions, self: ProxiedLink, master: ProxiedLink): string[] {
  return [
    `port ${SENTINEL_PORT}`,
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
