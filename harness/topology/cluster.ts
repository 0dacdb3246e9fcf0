import { appAccess, cliInvocation, type ClientAccess, type RunSecurity, type SecuritySpec } from "../security/run-security.js";
import type { ContainerLimits } from "./definition.js";
import { Cluster, type ClusterOptions } from "ioredis";
import calculateSlot from "cluster-key-slot";
import { isIP } from "node:net";
import { z } from "zod";
import { BadInputError } from "../infra/errors.js";
import { pollUntil } from "../infra/poll.js";
import { reconnectDelay, toRedisOptions, type ClientSettings } from "./client-options.js";
import { parseClusterNodes, type ClusterNodeLine } from "./cluster-nodes.js";
import { commonTopologyFields, defineTopology, STARTED_HERE, type AttachedDeployment } from "./definition.js";
import { reachedAt, type FaultLayer, type ProxiedLink } from "./fault-layer.js";
import { skipFirstSyncDelay } from "./first-sync.js";
import { describeLinks, startDeployment, startTogether, stopAll, type Stoppable } from "./lifecycle.js";
import { containerPeerCut, type PeerCut } from "./peer-cut.js";
import { CLUSTER_BUS_OFFSET, placed, REDIS_PORT, RedisNode, type NodeAddress } from "./redis-node.js";
import type { Capability, ClientRoute, ClusterControl, Convergence, Topology, TopologyDescription } from "./types.js";

export const SLOTS = 16384;
/**
 * Peer links (what replicas replicate over and what the cluster announces) listen inside the network from 13000, and
 * each node's cluster bus link 10000 above its peer link: Redis's own convention, which `redis-cli --cluster create`
 * relies on when it introduces the nodes.
 */
const PEER_PORT_BASE = 13000;
/** The internal ports of a cluster's links between nodes: each node's peer link, and its bus link above it. */
export const clusterLinkPorts = (nodes: number): number[] =>
  Array.from({ length: nodes }, (_, i) => [PEER_PORT_BASE + i, PEER_PORT_BASE + i + CLUSTER_BUS_OFFSET]).flat();
const CAPABILITIES = ["replicas", "peers", "bus", "slots", "autoFailover", "cuts", ...STARTED_HERE] as const satisfies readonly Capability[];
const ROUTE: ClientRoute = { by: "slots" };

export interface ClusterTopologyOptions {
  image: string;
  toxiproxyImage: string;
  limits: ContainerLimits;
  security?: SecuritySpec;
  masters: number;
  replicasPerMaster: number;
  nodeTimeoutMs: number;
  requireFullCoverage: boolean;
  config: Record<string, string>;
  client: ClientSettings;
}

/** The client options a Cluster client gets beyond the pinned connection options: they shape what users see. */
export function clusterClientOptions(c: ClientSettings): Omit<ClusterOptions, "natMap" | "redisOptions"> {
  return {
    clusterRetryStrategy: (times) => reconnectDelay(c, times),
    enableOfflineQueue: c.enableOfflineQueue,
    enableAutoPipelining: c.enableAutoPipelining,
    maxRedirections: 16,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 1000,
    slotsRefreshInterval: 5000,
    lazyConnect: true,
  };
}

/**
 * Redis Cluster: M masters with R replicas each, created by `redis-cli --cluster create`. Nodes announce the fault
 * layer's address (cluster-announce-ip/port/bus-port), so clients, replication and the cluster bus all cross it:
 * per node a client link (published), a peer link and a bus link (inside the network). The ioredis Cluster client
 * maps announced addresses to client links (natMap).
 */
export class ClusterTopology implements Topology, ClusterControl {
  readonly kind = "cluster";
  readonly capabilities = new Set<Capability>(CAPABILITIES);
  readonly cluster: ClusterControl = this;
  readonly route = ROUTE;
  readonly sentinels: RedisNode[] = [];

  private constructor(
    private readonly opts: Pick<ClusterTopologyOptions, "image" | "client" | "masters">,
    private readonly network: Stoppable,
    readonly faultLayer: FaultLayer,
    readonly nodes: RedisNode[],
    readonly clientLinks: Map<string, ProxiedLink>,
    readonly peerLinks: Map<string, ProxiedLink>,
    readonly busLinks: Map<string, ProxiedLink>,
    readonly access: ClientAccess,
    /** The run's secrets where the harness started the cluster; null on a target's (redis-cli is not run there). */
    private readonly security: RunSecurity | null,
    /** Where each node says it is; by default the fault layer's IP and its peer link's port (what nodes started here announce). */
    announced?: ReadonlyMap<string, NodeAddress>,
  ) {
    this.announced = announced ?? new Map([...peerLinks].map(([name, l]) => [name, { host: faultLayer.announceIp, port: l.innerPort }]));
  }

  readonly announced: ReadonlyMap<string, NodeAddress>;

  /** A target's cluster (topology/target.ts): its nodes at the addresses they announce, reached through the local fault layer. */
  static attached(d: AttachedDeployment): ClusterTopology {
    return new ClusterTopology(
      { image: d.image, client: d.client, masters: d.masters },
      d.network,
      d.faultLayer,
      d.nodes,
      d.clientLinks,
      new Map(),
      new Map(),
      d.access,
      null,
      d.announced,
    );
  }

  peerCut(node: RedisNode): PeerCut {
    return containerPeerCut(this, node);
  }

  static start(opts: ClusterTopologyOptions, onStep: (msg: string) => void = () => {}): Promise<ClusterTopology> {
    const names = Array.from({ length: opts.masters * (1 + opts.replicasPerMaster) }, (_, i) => `redis-${i}`);
    const internal = clusterLinkPorts(names.length);
    return startDeployment(opts, { published: names.length, internal }, onStep, async ({ network, faultLayer, limits, security, track, site }) => {
      // Split over engines, nodes announce the first engine's address, which a cluster needs as an IP.
      if (!isIP(faultLayer.announceIp))
        throw new BadInputError(
          `--engines: a cluster announces the first engine's address, ${faultLayer.announceIp}, which must be an IP.`,
          "Name the first engine by its IP address (tcp://10.0.0.5:2376).",
        );
      const clientLinks = new Map<string, ProxiedLink>();
      const peerLinks = new Map<string, ProxiedLink>();
      const busLinks = new Map<string, ProxiedLink>();
      for (const [i, n] of names.entries()) {
        clientLinks.set(n, await faultLayer.link(`client-${n}`, `${n}:${REDIS_PORT}`));
        peerLinks.set(n, await faultLayer.link(`peer-${n}`, `${n}:${REDIS_PORT}`, PEER_PORT_BASE + i));
        busLinks.set(n, await faultLayer.link(`bus-${n}`, `${n}:${REDIS_PORT + CLUSTER_BUS_OFFSET}`, PEER_PORT_BASE + i + CLUSTER_BUS_OFFSET));
      }
      const startNode = async (name: string, i: number) => {
        const config: Record<string, string> = {
          ...opts.config,
          "cluster-enabled": "yes",
          "cluster-config-file": "nodes.conf",
          "cluster-node-timeout": String(opts.nodeTimeoutMs),
          "cluster-require-full-coverage": opts.requireFullCoverage ? "yes" : "no",
          // Cluster nodes announce an IP (the fault layer's), and their peer and bus links on it.
          "cluster-announce-ip": faultLayer.announceIp,
          "cluster-announce-port": String(PEER_PORT_BASE + i),
          "cluster-announce-bus-port": String(PEER_PORT_BASE + i + CLUSTER_BUS_OFFSET),
        };
        onStep(`starting ${name} (${opts.image})`);
        const at = { image: opts.image, site: await site(name), memoryBytes: limits.dataNodeBytes, security };
        return track(await RedisNode.startServer(name, at, config, true));
      };
      // Independent until the cluster is created: started together.
      const nodes = await startTogether(names, startNode);
      const restoreSyncDelay = await skipFirstSyncDelay(nodes);
      onStep(`redis-cli --cluster create: ${opts.masters} masters, ${opts.replicasPerMaster} replica(s) each`);
      const addrs = names.map((_, i) => `${faultLayer.announceIp}:${PEER_PORT_BASE + i}`);
      const topo = new ClusterTopology(opts, network, faultLayer, nodes, clientLinks, peerLinks, busLinks, appAccess(security), security);
      const r = await topo.redisCli(nodes[0], ["--cluster", "create", ...addrs, "--cluster-replicas", String(opts.replicasPerMaster), "--cluster-yes"]);
      if (r.exitCode !== 0) throw new Error(`redis-cli --cluster create failed: ${r.output.trim().split("\n").slice(-5).join(" | ")}`);
      onStep("waiting for the cluster to agree");
      const c = await topo.converge(60_000);
      await restoreSyncDelay();
      if (!c.converged) throw new Error(`the cluster did not settle after creation: ${c.note}`);
      return topo;
    });
  }

  /** ioredis maps every announced address to the client link of the same node. */
  private natMap(): Record<string, { host: string; port: number }> {
    const map: Record<string, { host: string; port: number }> = {};
    for (const [name, a] of this.announced) map[`${a.host}:${a.port}`] = reachedAt(this.clientLinks.get(name)!);
    return map;
  }

  newClient(to: "primary" | "replica" = "primary"): Cluster {
    const { retryStrategy: _ignored, ...redisOptions } = toRedisOptions(this.opts.client, this.access);
    return new Cluster(
      this.nodes.map((n) => reachedAt(this.clientLinks.get(n.name)!)),
      { ...clusterClientOptions(this.opts.client), scaleReads: to === "replica" ? "slave" : "master", natMap: this.natMap(), redisOptions },
    );
  }

  /** redis-cli in `node`'s container; a secured cluster's flags and login (REDISCLI_AUTH, never on the command line) come with it. */
  async redisCli(node: RedisNode, args: string[]): Promise<{ exitCode: number; output: string }> {
    if (!this.security) throw new Error("redis-cli runs in the harness's own containers, not on a target's hosts");
    const { args: secured, env } = cliInvocation(this.security);
    return node.control.exec(["redis-cli", ...secured, ...args], env);
  }

  nodeAt(host: string | undefined, port: number | string | undefined): RedisNode | undefined {
    return this.nodes.find((n) => {
      const a = this.announced.get(n.name)!;
      return a.host === host && String(a.port) === String(port);
    });
  }

  /** CLUSTER NODES from the first node that answers. */
  async clusterNodes(): Promise<ClusterNodeLine[]> {
    for (const n of this.nodes) {
      const text = (await n.admin.call("CLUSTER", "NODES").catch(() => null)) as string | null;
      if (text) return parseClusterNodes(text);
    }
    throw new Error("no cluster node answers");
  }

  /** Which node serves each slot, as the first answering node sees it. */
  async slotOwners(): Promise<Array<RedisNode | undefined>> {
    const owners: Array<RedisNode | undefined> = new Array(SLOTS);
    for (const line of await this.clusterNodes()) {
      if (!line.flags.includes("master") || line.flags.includes("fail")) continue;
      const node = this.nodeAt(line.host, line.port);
      for (const range of line.slots) {
        if (range.startsWith("[")) continue; // a slot being migrated or imported
        const [a, b] = range.split("-").map(Number);
        for (let s = a; s <= (b ?? a); s++) owners[s] = node;
      }
    }
    return owners;
  }

  async primary(): Promise<RedisNode> {
    const owner = (await this.slotOwners())[0];
    if (!owner) throw new Error("no master serves slot 0");
    return owner;
  }

  async replicasOf(node: RedisNode): Promise<RedisNode[]> {
    const lines = await this.clusterNodes();
    const id = lines.find((l) => this.nodeAt(l.host, l.port) === node)?.id;
    return lines.filter((l) => l.masterId === id && !l.flags.includes("fail")).flatMap((l) => this.nodeAt(l.host, l.port) ?? []);
  }

  /** GETs grouped by the node that owns each key's slot, pipelined on its admin connection. */
  async readKeys(keys: string[]): Promise<Array<string | null>> {
    const out: Array<string | null> = new Array(keys.length).fill(null);
    for (const [node, idx] of await this.byOwner(keys)) {
      for (let from = 0; from < idx.length; from += 1000) {
        const chunk = idx.slice(from, from + 1000);
        const p = node.admin.pipeline();
        for (const i of chunk) p.get(keys[i]);
        const res = (await p.exec()) ?? [];
        chunk.forEach((i, k) => {
          // A MOVED, CLUSTERDOWN or LOADING reply is not an absent key: the read-back must fail, not count a loss.
          if (res[k]?.[0]) throw new Error(`reading ${keys[i]} on ${node.name}: ${res[k][0]!.message}`);
          out[i] = (res[k]?.[1] as string | null) ?? null;
        });
      }
    }
    return out;
  }

  /** DELs grouped by the node that owns each key's slot, pipelined (one key each: keys of many slots). */
  async removeKeys(keys: string[]): Promise<void> {
    for (const [node, idx] of await this.byOwner(keys)) {
      const p = node.admin.pipeline();
      for (const i of idx) p.del(keys[i]);
      const failed = ((await p.exec()) ?? []).find(([err]) => err);
      if (failed) throw new Error(`removing keys on ${node.name}: ${failed[0]!.message}`);
    }
  }

  /** The indexes of `keys`, grouped by the master that owns each key's slot now. */
  private async byOwner(keys: string[]): Promise<Map<RedisNode, number[]>> {
    const owners = await this.slotOwners();
    const byNode = new Map<RedisNode, number[]>();
    keys.forEach((k, i) => {
      const node = owners[calculateSlot(k)];
      if (!node) throw new Error(`slot ${calculateSlot(k)} of ${k} has no master`);
      const list = byNode.get(node) ?? [];
      list.push(i);
      byNode.set(node, list);
    });
    return byNode;
  }

  /**
   * MOVED and ASK replies the servers have sent so far (INFO errorstats, summed over the nodes that answer): the
   * redirections clients had to follow. A restarted node starts again from 0.
   */
  async redirections(): Promise<{ moved: number; ask: number }> {
    let moved = 0;
    let ask = 0;
    for (const n of this.nodes) {
      const info = await n.info("errorstats").catch(() => new Map<string, string>());
      moved += Number(/count=(\d+)/.exec(info.get("errorstat_MOVED") ?? "")?.[1] ?? 0);
      ask += Number(/count=(\d+)/.exec(info.get("errorstat_ASK") ?? "")?.[1] ?? 0);
    }
    return { moved, ask };
  }

  /** The cluster's node id of `node`. */
  async idOf(node: RedisNode): Promise<string> {
    return ((await node.admin.call("CLUSTER", "MYID")) as string).trim();
  }

  /** Settled: every node says cluster_state ok with all slots covered, replicas are caught up, as many masters as asked for. */
  async converge(timeoutMs: number): Promise<Convergence> {
    const start = Date.now();
    const roles: Record<string, string> = {};
    const r = await pollUntil(
      async () => {
        const problems: string[] = [];
        for (const n of this.nodes) {
          const info = (await n.admin.call("CLUSTER", "INFO")) as string;
          const state = /cluster_state:(\w+)/.exec(info)?.[1];
          const slotsOk = Number(/cluster_slots_ok:(\d+)/.exec(info)?.[1]);
          const repl = await n.info("replication");
          roles[n.name] = repl.get("role") ?? "?";
          if (state !== "ok" || slotsOk !== SLOTS) problems.push(`${n.name}: cluster_state ${state}, ${slotsOk} slots ok`);
          else if (repl.get("role") === "slave") {
            const master = this.nodeAt(repl.get("master_host"), repl.get("master_port"));
            const masterOffset = master ? Number((await master.info("replication")).get("master_repl_offset")) : NaN;
            if (repl.get("master_link_status") !== "up" || Number(repl.get("slave_repl_offset")) !== masterOffset)
              problems.push(`${n.name}: link ${repl.get("master_link_status")}, offset ${repl.get("slave_repl_offset")} of ${masterOffset}`);
          }
        }
        const masters = Object.values(roles).filter((role) => role === "master").length;
        if (masters !== this.opts.masters) problems.push(`${masters} masters, expected ${this.opts.masters}`);
        if (problems.length) throw new Error(problems[problems.length - 1]);
        return (await this.primary()).name;
      },
      { timeoutMs, intervalMs: 200 },
    );
    const tookMs = Date.now() - start;
    return r.timedOut ? { converged: false, tookMs, primary: null, roles, note: r.last ?? "" } : { converged: true, tookMs, primary: r.value, roles };
  }

  async describe(): Promise<TopologyDescription> {
    const lines = await this.clusterNodes();
    return {
      kind: this.kind,
      image: this.opts.image,
      server: await this.nodes[0].identity(),
      nodes: this.nodes.map((n) => {
        const l = lines.find((x) => this.nodeAt(x.host, x.port) === n);
        return { name: n.name, role: l?.flags.includes("master") ? `master ${l.slots.join(" ")}` : "replica", config: n.config, ...placed(n) };
      }),
      sentinels: [],
      links: describeLinks(this.faultLayer),
    };
  }

  async stop(): Promise<void> {
    await stopAll([...this.nodes, this.faultLayer], this.network);
  }
}

export const cluster = defineTopology({
  kind: "cluster",
  description: "Redis Cluster: slots spread over masters, each with replicas",
  schema: z
    .object({
      kind: z.literal("cluster"),
      ...commonTopologyFields,
      masters: z.number().int().min(3).max(9).default(3),
      replicasPerMaster: z.number().int().min(0).max(3).default(1),
      nodeTimeoutMs: z.number().int().min(100).default(5000),
      /** yes: the whole cluster refuses writes (CLUSTERDOWN) while any slot is uncovered. */
      requireFullCoverage: z.boolean().default(true),
    })
    .strict(),
  capabilities: CAPABILITIES,
  start: (spec, env) => ClusterTopology.start({ ...spec, ...env }, env.onStep),
  attach: (d) => ClusterTopology.attached(d),
  containers: (spec) => ({ dataNodes: spec.masters * (1 + spec.replicasPerMaster), masters: spec.masters, others: 0 }),
  route: ROUTE,
  failover: "automatic",
  // Its throughput study measured the masters (the lean engine reads from masters only): the study is the capacity.
  readsFromReplicas: false,
});
