import type { ClientAccess, SecuritySpec } from "../security/run-security.js";
import type { ContainerLimits } from "./definition.js";
import { pollUntil } from "../infra/poll.js";
import { reachedAt, type FaultLayer, type ProxiedLink } from "./fault-layer.js";
import { skipFirstSyncDelay } from "./first-sync.js";
import { describeLinks, startDeployment, startTogether, stopAll, type Foundation, type Stoppable } from "./lifecycle.js";
import { mgetAll, deleteKeys } from "./read-keys.js";
import { placed, REDIS_PORT, RedisNode, type NodeAddress } from "./redis-node.js";
import { containerPeerCut, type PeerCut } from "./peer-cut.js";
import type { Capability, ClientRoute, Convergence, DataClient, Topology, TopologyDescription } from "./types.js";

/** Peer links listen inside the network only, from here: data nodes 22000+, Sentinels 22100+. */
const PEER_PORT_BASE = 22000;
/** The port of data node `i`'s peer link, and of Sentinel `i`'s. */
export const peerPort = (i: number): number => PEER_PORT_BASE + i;
export const sentinelPeerPort = (i: number): number => PEER_PORT_BASE + 100 + i;

export interface ReplicatedOptions {
  image: string;
  toxiproxyImage: string;
  limits: ContainerLimits;
  security?: SecuritySpec;
  replicas: number;
  /** redis.conf directives for every data node (min-replicas-to-write, persistence, ...). */
  config: Record<string, string>;
}

/**
 * What a replicated topology is made of, whether the harness started it or attached to a deployment it did not start
 * (topology/target.ts): the nodes, the fault layer and its links, how clients log in, where each node says it is.
 */
export interface ReplicatedDeployment {
  network: Stoppable;
  faultLayer: FaultLayer;
  nodes: RedisNode[];
  clientLinks: Map<string, ProxiedLink>;
  peerLinks: Map<string, ProxiedLink>;
  access: ClientAccess;
  /** Where each node says it is (a target's own addresses); by default its peer link on the fault layer. */
  announced?: ReadonlyMap<string, NodeAddress>;
}

/** What the shared start hands the topology that finishes it (Sentinel adds its Sentinels). */
export interface ReplicatedParts extends Foundation {
  nodes: RedisNode[];
  clientLinks: Map<string, ProxiedLink>;
  peerLinks: Map<string, ProxiedLink>;
  /** The first master's peer link: what replicas follow and Sentinels monitor. */
  masterPeer: ProxiedLink;
}

/**
 * Starts one master and N replicas, every link through the fault layer twice over:
 *  - `client-<node>`: the harness's clients (published on the engine's address);
 *  - `peer-<node>`: everyone inside (replicas to their master, Sentinels to nodes and to each other). Every node
 *    announces its peer link (replica-announce-ip/port), so after a failover every party still goes through it; clients
 *    map announced addresses to their own links (ioredis natMap).
 * A partition can then cut a node's peers off while its clients still reach it. `finish` builds the topology from the
 * parts (and starts what else it has); the result must settle within a minute.
 */
export function startReplicated<T extends ReplicatedTopology>(
  o: ReplicatedOptions,
  extraPublishedLinks: number,
  onStep: (msg: string) => void,
  finish: (parts: ReplicatedParts) => Promise<T>,
): Promise<T> {
  const names = Array.from({ length: 1 + o.replicas }, (_, i) => `redis-${i}`);
  const internal = [...names.map((_, i) => peerPort(i)), ...Array.from({ length: extraPublishedLinks }, (_, i) => sentinelPeerPort(i))];
  return startDeployment(o, { published: names.length + extraPublishedLinks, internal }, onStep, async (f) => {
    const clientLinks = new Map<string, ProxiedLink>();
    const peerLinks = new Map<string, ProxiedLink>();
    for (const [i, n] of names.entries()) {
      clientLinks.set(n, await f.faultLayer.link(`client-${n}`, `${n}:${REDIS_PORT}`));
      peerLinks.set(n, await f.faultLayer.link(`peer-${n}`, `${n}:${REDIS_PORT}`, peerPort(i)));
    }
    const masterPeer = peerLinks.get(names[0])!;
    const startNode = async (name: string, i: number) => {
      const peer = peerLinks.get(name)!;
      const config: Record<string, string> = {
        ...o.config,
        "replica-announce-ip": peer.innerHost,
        "replica-announce-port": String(peer.innerPort),
        ...(i > 0 ? { replicaof: `${masterPeer.innerHost} ${masterPeer.innerPort}` } : {}),
      };
      onStep(`starting ${name} (${i === 0 ? "master" : "replica"}, ${o.image})`);
      const at = { image: o.image, site: await f.site(name), memoryBytes: f.limits.dataNodeBytes, security: f.security };
      return f.track(await RedisNode.startServer(name, at, config, true));
    };
    // The master first, so that the replicas find it; they are independent of one another.
    const master = await startNode(names[0], 0);
    const restoreSyncDelay = await skipFirstSyncDelay([master]);
    const nodes = [master, ...(await startTogether(names.slice(1), (name, i) => startNode(name, i + 1)))];
    const topo = await finish({ ...f, nodes, clientLinks, peerLinks, masterPeer });
    onStep("waiting for replicas to sync");
    const c = await topo.converge(60_000);
    await restoreSyncDelay();
    if (!c.converged) throw new Error(`the topology did not settle after start: ${c.note}`);
    return topo;
  });
}

/** What replication and Sentinel share: the nodes, their links, and how to tell that they have settled. */
export abstract class ReplicatedTopology implements Topology {
  abstract readonly kind: string;
  abstract readonly capabilities: ReadonlySet<Capability>;
  abstract readonly route: ClientRoute;
  readonly announced: ReadonlyMap<string, NodeAddress>;

  private readonly network: Stoppable;
  readonly faultLayer: FaultLayer;
  readonly nodes: RedisNode[];
  readonly clientLinks: Map<string, ProxiedLink>;
  readonly peerLinks: Map<string, ProxiedLink>;
  readonly access: ClientAccess;

  constructor(
    protected readonly image: string,
    d: ReplicatedDeployment,
    readonly sentinels: RedisNode[],
  ) {
    ({
      network: this.network,
      faultLayer: this.faultLayer,
      nodes: this.nodes,
      clientLinks: this.clientLinks,
      peerLinks: this.peerLinks,
      access: this.access,
    } = d);
    this.announced = d.announced ?? new Map([...d.peerLinks].map(([name, l]) => [name, { host: l.innerHost, port: l.innerPort }]));
  }

  /** Cut off from its peers through the fault layer and iptables inside its container (a target overrides it). */
  peerCut(node: RedisNode): PeerCut {
    return containerPeerCut(this, node);
  }

  abstract newClient(to?: "primary" | "replica"): DataClient;
  abstract primary(): Promise<RedisNode>;

  /** What else must hold before the topology counts as settled around `primary` (undefined: nothing). */
  protected async unsettled(_primary: RedisNode): Promise<string | undefined> {
    return undefined;
  }

  /** ioredis maps every announced address to the client link of the same node. */
  protected natMap(): Record<string, { host: string; port: number }> {
    const map: Record<string, { host: string; port: number }> = {};
    for (const [name, a] of this.announced) {
      const link = this.clientLinks.get(name);
      if (link) map[`${a.host}:${a.port}`] = reachedAt(link);
    }
    return map;
  }

  /** The data node that announces `host:port` (what INFO replication and Sentinel name). */
  nodeAt(host: string | undefined, port: number | string | undefined): RedisNode | undefined {
    return this.nodes.find((n) => {
      const a = this.announced.get(n.name)!;
      return a.host === host && String(a.port) === String(port);
    });
  }

  /** Settled: the primary is a master, every other data node follows its peer link, link up and caught up. */
  async converge(timeoutMs: number): Promise<Convergence> {
    const start = Date.now();
    const roles: Record<string, string> = {};
    let primaryName: string | null = null;
    const r = await pollUntil(
      async () => {
        const primary = await this.primary();
        primaryName = primary.name;
        const primaryInfo = await primary.info("replication");
        roles[primary.name] = primaryInfo.get("role") ?? "?";
        const problems: string[] = primaryInfo.get("role") === "master" ? [] : [`${primary.name} is not a master yet`];
        const offset = Number(primaryInfo.get("master_repl_offset"));
        for (const n of this.nodes) {
          if (n === primary) continue;
          const info = await n.info("replication");
          roles[n.name] = info.get("role") ?? "?";
          const following = this.nodeAt(info.get("master_host"), info.get("master_port")) === primary && info.get("master_link_status") === "up";
          const caughtUp = Number(info.get("slave_repl_offset")) === offset;
          if (!(info.get("role") === "slave" && following && caughtUp))
            problems.push(`${n.name}: role ${info.get("role")}, link ${info.get("master_link_status")}, offset ${info.get("slave_repl_offset")} of ${offset}`);
        }
        const more = await this.unsettled(primary);
        if (more) problems.push(more);
        if (problems.length) throw new Error(problems[problems.length - 1]);
        return true;
      },
      { timeoutMs, intervalMs: 200 },
    );
    const tookMs = Date.now() - start;
    return r.timedOut
      ? { converged: false, tookMs, primary: primaryName, roles, note: r.last ?? "" }
      : { converged: true, tookMs, primary: primaryName, roles };
  }

  /** Every other data node that follows `node`'s peer link now. */
  async replicasOf(node: RedisNode): Promise<RedisNode[]> {
    const following = await Promise.all(
      this.nodes.map(async (n) => {
        const info = await n.info("replication").catch(() => new Map<string, string>());
        return n !== node && this.nodeAt(info.get("master_host"), info.get("master_port")) === node;
      }),
    );
    return this.nodes.filter((_, i) => following[i]);
  }

  async readKeys(keys: string[]): Promise<Array<string | null>> {
    return mgetAll(await this.primary(), keys);
  }

  async removeKeys(keys: string[]): Promise<void> {
    await deleteKeys(await this.primary(), keys);
  }

  async describe(): Promise<TopologyDescription> {
    const primary = await this.primary();
    const roles = await Promise.all(this.nodes.map(async (n) => (await n.info("replication").catch(() => new Map())).get("role") ?? "unknown"));
    return {
      kind: this.kind,
      image: this.image,
      server: await primary.identity(),
      nodes: this.nodes.map((n, i) => ({ name: n.name, role: roles[i], config: n.config, ...placed(n) })),
      sentinels: this.sentinels.map((s) => ({ name: s.name, config: s.config, ...placed(s) })),
      links: describeLinks(this.faultLayer),
    };
  }

  async stop(): Promise<void> {
    await stopAll([...this.sentinels, ...this.nodes, this.faultLayer], this.network);
  }
}

/** The `replicas` field both replication and Sentinel have. */
export const replicaCount = { min: 1, max: 5, default: 2 } as const;
